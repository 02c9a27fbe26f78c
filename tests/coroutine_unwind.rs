//! Unwinding corner cases of plain coroutines (issue 10): a panicking capture of an
//! unstarted body (items 1 and 13), a close that panics (item 13), a yield while the
//! stack unwinds (item 2), and a body that ignores its close (item 8).
//!
//! Scenarios that abort, double-free or could hang run in a child process (this test
//! binary re-run with `YIELDPOINT_TEST_CHILD` set) that is killed after a generous
//! timeout, so a regression fails instead of hanging.

mod support;

use std::cell::Cell;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::panic::{self, AssertUnwindSafe};
use std::process::{Command, ExitStatus, Stdio};
use std::rc::Rc;
use std::sync::Once;
use std::time::{Duration, Instant};

use support::child_process::in_child;
use support::drop_counter::{DropCounter, Token};
use yieldpoint::coroutine::Builder;
use yieldpoint::{Coroutine, CoroutineState, Exception, Generator, Lifecycle, Yielder};

/// How a child process ended: its status (`None` if it was killed for hanging), stdout
/// and stderr.
struct ChildOutput {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
}

impl ChildOutput {
    /// Asserts the child ran to the end of its test and exited successfully.
    fn assert_ok(&self) {
        assert!(
            self.status.is_some_and(|s| s.success()) && self.stdout.contains("CHILD OK"),
            "the child must finish its scenario; status {:?}\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
    }

    /// Asserts the child aborted (SIGABRT) with `message` on stderr.
    fn assert_aborted_with(&self, message: &str) {
        assert_eq!(
            self.status.and_then(|s| s.signal()),
            Some(libc::SIGABRT),
            "the child must abort; status {:?}\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        assert!(
            self.stderr.contains(message),
            "missing {message:?} in stderr:\n{}",
            self.stderr
        );
    }
}

/// Runs exactly the test `name` of this binary in a child process; kills it after 30 s.
fn run_child_bounded(name: &str) -> ChildOutput {
    let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("YIELDPOINT_TEST_CHILD", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary can be re-run");
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = reader(Box::new(child.stdout.take().unwrap()));
    let stderr = reader(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    ChildOutput {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Payloads of the panics these tests cause on purpose; the panic hook stays quiet about
/// them (hundreds of drops in the leak test would flood the output).
const EXPECTED_PANICS: [&str; 2] = ["capture dropped", "cleanup failed"];

fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let message = info.payload().downcast_ref::<&str>().copied();
            if !message.is_some_and(|m| EXPECTED_PANICS.contains(&m)) {
                default(info);
            }
        }));
    });
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// A capture whose `Drop` panics (after counting itself).
struct PanicsOnDrop(#[allow(dead_code)] Token);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("capture dropped");
    }
}

/// An unstarted coroutine capturing a heap value, a counted token and a capture whose
/// `Drop` panics (issue 10's reproducer).
fn unstarted_with_panicking_capture(drops: &DropCounter) -> Coroutine<(), (), ()> {
    let (s, token, p) = (
        String::from("x"),
        drops.token(),
        PanicsOnDrop(drops.token()),
    );
    Coroutine::new(move |_co: &Yielder<(), ()>, ()| {
        let _ = (&s, &token, &p);
    })
}

/// The child side of the item 1 tests: `attempt` (a close or a throw) on an unstarted
/// coroutine whose capture panics in `Drop` panics with that panic; afterwards the
/// coroutine is finished, its captures were dropped exactly once, and neither a send, a
/// close nor the drop touches them again.
fn first_attempt_panics_then_closed(attempt: impl FnOnce(&mut Coroutine<(), (), ()>)) {
    quiet_expected_panics();
    let drops = DropCounter::new();
    let mut co = unstarted_with_panicking_capture(&drops);
    let payload = panic::catch_unwind(AssertUnwindSafe(|| attempt(&mut co))).unwrap_err();
    assert_eq!(message(&*payload), "capture dropped");
    assert_eq!(co.state(), Lifecycle::Closed, "never left \"not started\"");
    assert_eq!(drops.dropped(), 2, "both counted captures dropped once");
    assert!(co.try_send(()).is_err(), "the dropped body never runs");
    co.close();
    drop(co);
    assert_eq!(drops.dropped(), 2, "and never dropped again");
    println!("CHILD OK");
}

/// Issue 10, item 1: `close` on an unstarted coroutine whose capture panics in `Drop`.
/// The panic reaches `close`'s caller, the coroutine is closed, and a later drop does not
/// drop the captures again (it was a double free, hence the child process).
#[test]
fn close_unstarted_with_panicking_capture_drops_it_once() {
    if in_child() {
        return first_attempt_panics_then_closed(|co| co.close());
    }
    run_child_bounded("close_unstarted_with_panicking_capture_drops_it_once").assert_ok();
}

/// Issue 10, item 1: `throw` on an unstarted coroutine takes the same path as `close`.
#[test]
fn throw_unstarted_with_panicking_capture_drops_it_once() {
    if in_child() {
        return first_attempt_panics_then_closed(|co| {
            let _ = co.throw(Exception::from("never delivered"));
        });
    }
    run_child_bounded("throw_unstarted_with_panicking_capture_drops_it_once").assert_ok();
}

/// Issue 10, item 1: dropping such a coroutine panics once and drops each capture once.
#[test]
fn drop_unstarted_with_panicking_capture_drops_it_once() {
    quiet_expected_panics();
    let drops = DropCounter::new();
    let co = unstarted_with_panicking_capture(&drops);
    let payload = panic::catch_unwind(AssertUnwindSafe(|| drop(co))).unwrap_err();
    assert_eq!(message(&*payload), "capture dropped");
    assert_eq!(drops.dropped(), 2);
}

/// The number of memory mappings of this process (each coroutine stack is at least one).
fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .expect("/proc/self/maps is readable")
        .lines()
        .count()
}

/// Issue 10, item 13: a coroutine whose close panics (the body catches the close and
/// panics; an unstarted body's capture panics in `Drop`) still gives its stack back when
/// dropped. Before, each such drop leaked a stack and its guard registration; after ~32,000
/// of them no coroutine could be created. Counted in mappings: hundreds of leaks would
/// show as hundreds of new mappings, while pooled stacks are reused.
#[test]
fn dropping_coroutines_whose_close_panics_releases_their_stacks() {
    quiet_expected_panics();
    const ROUNDS: usize = 300;
    let round = || {
        let mut started = Coroutine::new(|co: &Yielder<(), ()>, ()| {
            if panic::catch_unwind(AssertUnwindSafe(|| co.yield_(()))).is_err() {
                panic!("cleanup failed");
            }
        });
        let _ = started.send(());
        assert!(panic::catch_unwind(AssertUnwindSafe(|| drop(started))).is_err());
        let unstarted = unstarted_with_panicking_capture(&DropCounter::new());
        assert!(panic::catch_unwind(AssertUnwindSafe(|| drop(unstarted))).is_err());
    };
    // Warm the stack pool first.
    for _ in 0..8 {
        round();
    }
    let before = mappings();
    for _ in 0..ROUNDS {
        round();
    }
    let grown = mappings().saturating_sub(before);
    assert!(
        grown < ROUNDS / 4,
        "{grown} new mappings after {ROUNDS} rounds: the stacks leak"
    );
    // And coroutines can still be created and run.
    let mut co = Coroutine::new(|co: &Yielder<u32, u32>, n| co.yield_(n) + 1);
    assert_eq!(co.send(1), CoroutineState::Yielded(1));
    assert_eq!(co.send(2), CoroutineState::Complete(3));
}

/// Yields from its destructor: a yield point reached while the stack unwinds.
struct YieldsOnDrop<'a>(&'a Yielder<(), u32>);

impl Drop for YieldsOnDrop<'_> {
    fn drop(&mut self) {
        self.0.yield_(99);
    }
}

/// Issue 10, item 2: a yield inside `Drop` while a panic unwinds the coroutine's stack is
/// refused: the process stops with a message naming the coroutine. `send` never returns
/// `Yielded` mid-panic (it did, and the later drop aborted).
#[test]
fn yield_in_drop_during_panic_aborts_naming_the_coroutine() {
    if in_child() {
        let mut co: Coroutine<(), u32, ()> = Builder::new()
            .name("unwinder")
            .build(|co, ()| {
                let _guard = YieldsOnDrop(co);
                panic!("body failed");
            })
            .unwrap();
        let state = co.send(());
        println!("send returned {state:?}");
        return;
    }
    let output = run_child_bounded("yield_in_drop_during_panic_aborts_naming_the_coroutine");
    output.assert_aborted_with(
        "coroutine \"unwinder\" yielded while its stack was unwinding (a yield inside Drop \
         during a panic, throw or close)",
    );
    assert!(
        !output.stdout.contains("send returned"),
        "{}",
        output.stdout
    );
}

/// Issue 10, item 2: the same during an uncaught throw's unwinding.
#[test]
fn yield_in_drop_during_throw_aborts() {
    if in_child() {
        let mut co = Coroutine::new(|co: &Yielder<(), u32>, ()| {
            let _guard = YieldsOnDrop(co);
            co.yield_(1);
        });
        assert_eq!(co.send(()), CoroutineState::Yielded(1));
        let result = co.throw(Exception::from("stop"));
        println!("throw returned {result:?}");
        return;
    }
    let output = run_child_bounded("yield_in_drop_during_throw_aborts");
    output.assert_aborted_with("an unnamed coroutine yielded while its stack was unwinding");
    assert!(
        !output.stdout.contains("throw returned"),
        "{}",
        output.stdout
    );
}

/// Sums a generator when dropped: a coroutine driven by code that is unwinding.
struct SumsGeneratorOnDrop(Rc<Cell<u32>>);

impl Drop for SumsGeneratorOnDrop {
    fn drop(&mut self) {
        let g = Generator::new(|co| {
            co.yield_(1);
            co.yield_(2);
        });
        self.0.set(g.sum());
    }
}

/// The refusal is about the coroutine's own stack: a coroutine resumed by a `Drop` that
/// runs during a panic of its resumer yields normally.
#[test]
fn coroutine_driven_by_unwinding_code_still_yields() {
    let sum = Rc::new(Cell::new(0));
    let guard_sum = Rc::clone(&sum);
    let payload = panic::catch_unwind(AssertUnwindSafe(move || {
        let _guard = SumsGeneratorOnDrop(guard_sum);
        panic::resume_unwind(Box::new("outer"));
    }))
    .unwrap_err();
    assert_eq!(message(&*payload), "outer");
    assert_eq!(sum.get(), 3);
}

/// A body that catches every close and keeps yielding, holding a counted token.
fn ignores_close(name: &str, drops: &DropCounter) -> Coroutine<(), u32, ()> {
    let token = drops.token();
    Builder::new()
        .name(name)
        .build(move |co, ()| {
            let _finally = token;
            let mut n = 0;
            loop {
                n += 1;
                let _ = panic::catch_unwind(AssertUnwindSafe(|| co.yield_(n)));
            }
        })
        .unwrap()
}

/// Issue 10, item 8: `close` on a body that catches the close and yields again, and
/// catches the refusal too, looped forever. Now `close` gives up after the refused yield
/// and panics "coroutine ignored close" (Python: `RuntimeError: generator ignored
/// GeneratorExit`); the coroutine is closed and never resumed, its stack leaked (its
/// token is never dropped).
#[test]
fn close_of_body_that_keeps_ignoring_close_panics() {
    if in_child() {
        let drops = DropCounter::new();
        let mut co = ignores_close("stubborn", &drops);
        assert_eq!(co.send(()), CoroutineState::Yielded(1));
        let payload = panic::catch_unwind(AssertUnwindSafe(|| co.close())).unwrap_err();
        let text = message(&*payload);
        assert!(text.starts_with("coroutine ignored close"), "{text}");
        assert!(text.contains("\"stubborn\""), "{text}");
        assert_eq!(co.state(), Lifecycle::Closed);
        assert!(co.try_send(()).is_err());
        co.close();
        drop(co);
        assert_eq!(
            drops.dropped(),
            0,
            "the leaked stack's frames are never dropped"
        );
        println!("CHILD OK");
        return;
    }
    run_child_bounded("close_of_body_that_keeps_ignoring_close_panics").assert_ok();
}

/// Issue 10, item 8: dropping such a coroutine panics the same way; dropping it while
/// already panicking only reports it on stderr (a second panic would abort).
#[test]
fn drop_of_body_that_keeps_ignoring_close_panics_or_reports() {
    if in_child() {
        let drops = DropCounter::new();
        let mut co = ignores_close("stubborn", &drops);
        let _ = co.send(());
        let payload = panic::catch_unwind(AssertUnwindSafe(|| drop(co))).unwrap_err();
        assert!(message(&*payload).starts_with("coroutine ignored close"));

        let mut co = ignores_close("dropped-while-panicking", &drops);
        let _ = co.send(());
        let payload = panic::catch_unwind(AssertUnwindSafe(move || {
            let _co = co;
            panic::resume_unwind(Box::new("outer"));
        }))
        .unwrap_err();
        assert_eq!(
            message(&*payload),
            "outer",
            "the outer panic is not replaced"
        );
        println!("CHILD OK");
        return;
    }
    let output = run_child_bounded("drop_of_body_that_keeps_ignoring_close_panics_or_reports");
    output.assert_ok();
    assert!(
        output
            .stderr
            .contains("coroutine ignored close: coroutine \"dropped-while-panicking\""),
        "{}",
        output.stderr
    );
}
