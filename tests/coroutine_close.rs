//! `close` and `Drop`: unwinding a suspended stack, the no-op cases, a yield refused
//! during close (corosensei issue #57), and nested coroutines unwound together.

mod support;

use std::cell::Cell;
use std::os::unix::process::ExitStatusExt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use support::child_process::{in_child, run_child};
use support::drop_counter::{DropCounter, DropLog};
use yieldpoint::{Coroutine, CoroutineState, Lifecycle, Yielder};

/// A coroutine that holds one token across a yield, then returns; the shape most close
/// tests need.
fn holding_token(drops: &DropCounter) -> Coroutine<(), u32, u32> {
    let drops = drops.clone();
    Coroutine::new(move |co, ()| {
        let _finally = drops.token();
        co.yield_(1);
        co.yield_(2);
        3
    })
}

/// Python: `g.close()` / `GeneratorExit` — `close` unwinds a suspended stack, running
/// destructors, and the coroutine is closed.
#[test]
fn close_unwinds_suspended_stack_running_destructors() {
    let drops = DropCounter::new();
    let mut g = holding_token(&drops);
    assert_eq!(g.send(()), CoroutineState::Yielded(1));
    g.close();
    assert_eq!(drops.dropped(), 1);
    assert_eq!(g.state(), Lifecycle::Closed);
    assert!(g.try_send(()).is_err());

    g.close();
    drop(g);
    assert_eq!(drops.dropped(), 1, "closing or dropping again runs nothing");
}

/// Python: `g.close()` unwinds like nested `finally` blocks: innermost first.
#[test]
fn close_runs_destructors_innermost_first() {
    let log = DropLog::new();
    let body_log = log.clone();
    let mut g = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        let _outer = body_log.entry("outer");
        let inner = || {
            let _inner = body_log.entry("inner");
            co.yield_(());
        };
        inner();
    });
    let _ = g.send(());
    assert!(log.labels().is_empty());
    g.close();
    assert_eq!(log.labels(), ["inner", "outer"]);
}

/// Python: `g.close()` on a not-started generator is a no-op: the body never runs; its
/// closure (and captures) is dropped exactly once.
#[test]
fn close_not_started_drops_captures_once_without_running() {
    let drops = DropCounter::new();
    let captured = drops.token();
    let ran = Rc::new(Cell::new(false));
    let ran_in_body = Rc::clone(&ran);
    let mut g = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        let _keep = &captured;
        ran_in_body.set(true);
        co.yield_(());
    });
    g.close();
    assert_eq!(drops.dropped(), 1);
    assert!(!ran.get());
    assert_eq!(g.state(), Lifecycle::Closed);
    drop(g);
    assert_eq!(drops.dropped(), 1);
}

/// Python: `g.close()` on a finished generator is a no-op.
#[test]
fn close_finished_is_noop() {
    let drops = DropCounter::new();
    let mut g = holding_token(&drops);
    let _ = g.send(());
    let _ = g.send(());
    assert_eq!(g.send(()), CoroutineState::Complete(3));
    assert_eq!(
        drops.dropped(),
        1,
        "the body's own return ran the destructor"
    );
    g.close();
    assert_eq!(drops.dropped(), 1);
    assert_eq!(g.state(), Lifecycle::Closed);
}

/// `Drop` of a suspended coroutine does what `close` does: destructors on its stack run.
#[test]
fn drop_suspended_runs_destructors() {
    let drops = DropCounter::new();
    let mut g = holding_token(&drops);
    let _ = g.send(());
    let _ = g.send(());
    assert_eq!(drops.dropped(), 0);
    drop(g);
    assert_eq!(drops.dropped(), 1);
}

/// Dropping a not-started coroutine drops the closure's captures exactly once without
/// running the body.
#[test]
fn drop_not_started_drops_captures_once_without_running() {
    let drops = DropCounter::new();
    let captured = (drops.token(), drops.token());
    let ran = Rc::new(Cell::new(false));
    let ran_in_body = Rc::clone(&ran);
    let g: Coroutine<(), (), ()> = Coroutine::new(move |_co, ()| {
        let _keep = &captured;
        ran_in_body.set(true);
    });
    assert_eq!(drops.dropped(), 0);
    drop(g);
    assert_eq!(drops.dropped(), 2);
    assert!(!ran.get());
}

/// Python: generator yields again after `GeneratorExit` (`RuntimeError`) — a yield during
/// close is refused and unwinding continues; it is never silently resumed.
///
/// corosensei issue #57: the body catches the close with `catch_unwind` and tries to yield
/// again. That yield raises the close again; not caught this time, it unwinds the body and
/// `close` finishes. (A body that catches that one too is given up on: see
/// `tests/coroutine_unwind.rs`.)
#[test]
fn yield_during_close_is_refused_and_unwinding_continues() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let attempts = Rc::new(Cell::new(0));
    let attempts_in_body = Rc::clone(&attempts);
    let mut g = Coroutine::new(move |co: &Yielder<(), u32>, ()| {
        let _finally = body_drops.token();
        let mut n = 0;
        loop {
            n += 1;
            let caught = panic::catch_unwind(AssertUnwindSafe(|| co.yield_(n))).is_err();
            if caught {
                attempts_in_body.set(attempts_in_body.get() + 1);
                co.yield_(u32::MAX);
                unreachable!("a yield during close must never return");
            }
        }
    });
    assert_eq!(g.send(()), CoroutineState::Yielded(1));
    assert_eq!(g.send(()), CoroutineState::Yielded(2));
    g.close();
    assert_eq!(attempts.get(), 1, "the close was caught once");
    assert_eq!(drops.dropped(), 1);
    assert_eq!(g.state(), Lifecycle::Closed);
}

/// corosensei issue #57: a body that catches the close and returns a value; the value is
/// discarded and the coroutine is closed.
#[test]
fn close_caught_by_catch_unwind_then_return_still_closes() {
    let caught = Rc::new(Cell::new(false));
    let caught_in_body = Rc::clone(&caught);
    let mut g = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        if panic::catch_unwind(AssertUnwindSafe(|| co.yield_(()))).is_err() {
            caught_in_body.set(true);
        }
        "returned after close"
    });
    let _ = g.send(());
    g.close();
    assert!(caught.get());
    assert_eq!(g.state(), Lifecycle::Closed);
    assert!(
        g.try_send(()).is_err(),
        "the discarded return value is not delivered later"
    );
}

/// Nested unwinding: an outer coroutine holds a suspended inner coroutine as a local.
/// Closing the outer unwinds the outer's stack, which drops the inner, which unwinds the
/// inner's stack while the outer one is still unwinding. Both sets of destructors run,
/// innermost first, and the process does not abort.
#[test]
fn close_outer_holding_suspended_inner_unwinds_both() {
    let log = DropLog::new();
    let body_log = log.clone();
    let mut outer = Coroutine::new(move |co: &Yielder<(), &'static str>, ()| {
        let _outer_finally = body_log.entry("outer");
        let inner_log = body_log.clone();
        let mut inner = Coroutine::new(move |inner_co: &Yielder<(), &'static str>, ()| {
            let _inner_finally = inner_log.entry("inner");
            inner_co.yield_("inner 1");
            inner_co.yield_("inner 2");
        });
        let first = inner.send(()).yielded().unwrap();
        co.yield_(first);
        co.yield_("outer 2");
    });
    assert_eq!(outer.send(()), CoroutineState::Yielded("inner 1"));
    outer.close();
    assert_eq!(log.labels(), ["inner", "outer"]);
    assert_eq!(outer.state(), Lifecycle::Closed);
}

/// Nested unwinding by `Drop`, three levels deep: each level holds the next, suspended,
/// as a local; dropping the outermost unwinds all three.
#[test]
fn drop_outer_holding_suspended_inner_unwinds_all_levels() {
    /// A coroutine that starts its child (if any), keeps it suspended in its frame, and
    /// yields its own depth.
    fn level(log: DropLog, depth: u32) -> Coroutine<(), u32, ()> {
        Coroutine::new(move |co, ()| {
            let _finally = log.entry(["level 0", "level 1", "level 2"][depth as usize]);
            let mut child = (depth < 2).then(|| level(log.clone(), depth + 1));
            if let Some(child) = &mut child {
                assert_eq!(child.send(()), CoroutineState::Yielded(depth + 1));
            }
            loop {
                co.yield_(depth);
            }
        })
    }
    let log = DropLog::new();
    let mut top = level(log.clone(), 0);
    assert_eq!(top.send(()), CoroutineState::Yielded(0));
    drop(top);
    assert_eq!(log.labels(), ["level 2", "level 1", "level 0"]);
}

/// Nested unwinding caused by an uncaught throw: the outer unwinds because of the throw,
/// and drops its suspended inner coroutine on the way.
#[test]
fn throw_at_outer_holding_suspended_inner_unwinds_both() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut outer = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        let _outer_finally = body_drops.token();
        let inner_drops = body_drops.clone();
        let mut inner = Coroutine::new(move |inner_co: &Yielder<(), ()>, ()| {
            let _inner_finally = inner_drops.token();
            inner_co.yield_(());
        });
        let _ = inner.send(());
        co.yield_(());
    });
    let _ = outer.send(());
    let err = outer.throw("stop".into()).unwrap_err();
    assert_eq!(err.to_string(), "stop");
    assert_eq!(drops.dropped(), 2);
}

/// A body that catches the close with `catch_unwind` and then panics: that panic reaches
/// the caller of `close`, and the coroutine is closed.
#[test]
fn panic_after_catching_close_reaches_close_caller() {
    let mut g = Coroutine::new(|co: &Yielder<(), ()>, ()| {
        if panic::catch_unwind(AssertUnwindSafe(|| co.yield_(()))).is_err() {
            panic::panic_any("refusing to close");
        }
    });
    let _ = g.send(());
    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.close())).unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>().copied(),
        Some("refusing to close")
    );
    assert_eq!(g.state(), Lifecycle::Closed);
}

/// Panics when dropped, like a `finally` block that raises.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("destructor panicked during close");
    }
}

/// A destructor that panics while `close` unwinds the stack is a panic during unwinding:
/// the process aborts, as `Coroutine::close` documents (checked in a child process).
#[test]
fn destructor_panicking_during_close_aborts() {
    if in_child() {
        let mut g = Coroutine::new(|co: &Yielder<(), ()>, ()| {
            let _finally = PanicsOnDrop;
            co.yield_(());
        });
        let _ = g.send(());
        g.close();
        unreachable!("close must not return");
    }
    let output = run_child("destructor_panicking_during_close_aborts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.signal(), Some(libc::SIGABRT), "{stderr}");
    assert!(
        stderr.contains("destructor panicked during close"),
        "{stderr}"
    );
    assert!(
        stderr.contains("panic in a destructor during cleanup"),
        "{stderr}"
    );
}

/// Yields when dropped: what the module doc warns against.
struct YieldsOnDrop<'a>(&'a Yielder<(), ()>);

impl Drop for YieldsOnDrop<'_> {
    fn drop(&mut self) {
        self.0.yield_(());
    }
}

/// A destructor that yields while `close` unwinds the stack: a yield point while the
/// stack unwinds is refused, and the process stops with a message that says so (the
/// coroutine module doc; never a silent resume).
#[test]
fn destructor_yielding_during_close_aborts() {
    if in_child() {
        let mut g = Coroutine::new(|co: &Yielder<(), ()>, ()| {
            let _finally = YieldsOnDrop(co);
            co.yield_(());
        });
        let _ = g.send(());
        g.close();
        unreachable!("close must not return");
    }
    let output = run_child("destructor_yielding_during_close_aborts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.signal(), Some(libc::SIGABRT), "{stderr}");
    assert!(
        stderr.contains("yielded while its stack was unwinding"),
        "{stderr}"
    );
}
