//! What runs while a task unwinds, and what user code may do to a scheduler from there:
//! asyncio's cancellation rules (raised once, catching un-cancels, cleanup may wait), no
//! yield point switching while a stack unwinds, user panics in drops and callbacks kept
//! inside the scheduler, and a scheduler's drop that lets its tasks clean up.
//!
//! Each test is a regression test of issue 1/8 (soundness and liveness): on the code before
//! it, each one aborted, hung, or saw another task's panic. Scenarios that could hang run
//! under `within`, scenarios that could abort in a child process. Those that hold on both
//! schedulers form this file's part of the scheduler matrix (see `sched_common.rs`).

#[macro_use]
mod support;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use support::child_process::{in_child, run_child};
use support::sched_matrix::{wait_for_state, within};
use yieldpoint::sched::RoundRobin;
use yieldpoint::task::TaskState;

const FOREVER: Duration = Duration::from_secs(3600);

/// How long one scenario may take (the whole test has the matrix's longer limit).
const SCENARIO_LIMIT: Duration = Duration::from_secs(20);

/// Runs this test's scenario `f` in a child process (where an abort ends only the child)
/// and checks that the child passed.
fn in_child_process(name: &str, f: impl FnOnce()) {
    if in_child() {
        f();
        return;
    }
    let out = run_child(name);
    assert!(
        out.status.success(),
        "the scenario failed in its child process ({}); stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A value whose `Drop` panics.
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("{}", self.0);
    }
}

/// Runs `f` when dropped: code in a destructor.
struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

on_both_schedulers! {
    /// Python's cleanup in `finally` may await. In Rust a destructor runs while the
    /// cancel unwinds, so its yield points do not switch: `yield_now` does nothing,
    /// `sleep` sleeps the OS thread, and waits that can be satisfied at once are.
    /// Before: the cancel was raised again at the first of them, a panic during
    /// unwinding, and the process aborted.
    #[test]
    fn a_cancelled_tasks_destructor_may_reach_yield_points() {
        in_child_process(
            &test_path("a_cancelled_tasks_destructor_may_reach_yield_points"),
            || {
                let cleaned = Arc::new(AtomicBool::new(false));
                let done = cleaned.clone();
                let handle = within(SCENARIO_LIMIT, move || {
                    let rt = rt();
                    rt.block_on(move || {
                        let finished = yieldpoint::spawn(|| 7);
                        let (tx, rx) = yieldpoint::sync::channel::bounded(1);
                        let lock = Arc::new(yieldpoint::sync::Mutex::new(0));
                        let task = yieldpoint::spawn(move || {
                            let mut finished = Some(finished);
                            let _cleanup = OnDrop(move || {
                                yieldpoint::yield_now();
                                yieldpoint::maybe_yield();
                                yieldpoint::sleep(Duration::from_millis(1));
                                *lock.lock() += 1;
                                tx.send(1).unwrap();
                                assert_eq!(rx.recv(), Ok(1));
                                assert_eq!(finished.take().unwrap().join().unwrap(), 7);
                                done.store(true, Ordering::SeqCst);
                            });
                            yieldpoint::sleep(FOREVER);
                        });
                        yieldpoint::sleep(Duration::from_millis(5));
                        task.cancel();
                        task.join()
                    })
                });
                assert!(handle.unwrap_err().is_cancelled());
                assert!(cleaned.load(Ordering::SeqCst));
            },
        );
    }

    /// `finally: await cleanup()`: code after a caught cancel runs as a task again,
    /// so its waits switch (here: a join of a task it spawns, and a sleep); then the
    /// cancel goes on. Before: the cancel was raised again at the cleanup's first
    /// wait, so the cleanup never ran to its end.
    #[test]
    fn cleanup_after_catching_the_cancel_may_wait() {
        let cleaned = Arc::new(AtomicBool::new(false));
        let done = cleaned.clone();
        let result = within(SCENARIO_LIMIT, move || {
            let rt = rt();
            rt.block_on(move || {
                let task = yieldpoint::spawn(move || {
                    let work = panic::catch_unwind(AssertUnwindSafe(|| {
                        yieldpoint::sleep(FOREVER);
                    }));
                    let flush = yieldpoint::spawn(|| {
                        yieldpoint::sleep(Duration::from_millis(2));
                        "flushed"
                    });
                    assert_eq!(flush.join().unwrap(), "flushed");
                    yieldpoint::sleep(Duration::from_millis(1));
                    done.store(true, Ordering::SeqCst);
                    if let Err(cancel) = work {
                        panic::resume_unwind(cancel);
                    }
                });
                yieldpoint::sleep(Duration::from_millis(5));
                task.cancel();
                task.join()
            })
        });
        assert!(result.unwrap_err().is_cancelled());
        assert!(cleaned.load(Ordering::SeqCst));
    }

    /// A task that catches its cancel around a yield point in a loop is not
    /// cancelled again at every later yield point (before: it was, so such a loop
    /// caught a cancel on every turn, and a `yield_now` loop spun at 100% CPU).
    #[test]
    fn a_cancel_is_raised_once() {
        let result = within(SCENARIO_LIMIT, move || {
            let rt = rt();
            rt.block_on(|| {
                let task = yieldpoint::spawn(|| {
                    let mut caught = 0;
                    for _ in 0..5 {
                        let turn = panic::catch_unwind(AssertUnwindSafe(|| {
                            yieldpoint::sleep(Duration::from_millis(2));
                        }));
                        caught += usize::from(turn.is_err());
                    }
                    caught
                });
                yieldpoint::sleep(Duration::from_millis(1));
                task.cancel();
                task.join()
            })
        });
        assert_eq!(
            result.unwrap(),
            1,
            "one cancel, caught once, then not cancelled"
        );
    }

    /// A detached task's value whose `Drop` panics: the panic stays inside the
    /// scheduler, which goes on (before: it unwound out of the run loop; on the work
    /// queue the worker thread died and `run` hung).
    #[test]
    fn a_detached_value_whose_drop_panics_is_contained() {
        within(SCENARIO_LIMIT, move || {
            // One thread: a dead worker cannot hide behind another one.
            let rt = one_thread();
            drop(rt.spawn(|| PanicOnDrop("detached value")));
            rt.block_on(|| drop(yieldpoint::spawn(|| PanicOnDrop("detached value"))));
            rt.run();
            assert_eq!(rt.block_on(|| yieldpoint::spawn(|| 42).join().unwrap()), 42);
            rt.run();
        });
    }

    /// A task cancelled before it starts whose captured value's `Drop` panics ends
    /// as panicked; its closure is dropped exactly once, and the scheduler goes on
    /// (before: a double free on round-robin, a dead worker on the work queue).
    #[test]
    fn an_unstarted_tasks_capture_drop_panic_is_the_tasks_panic() {
        in_child_process(
            &test_path("an_unstarted_tasks_capture_drop_panic_is_the_tasks_panic"),
            || {
                let error = within(SCENARIO_LIMIT, move || {
                    let rt = rt();
                    let error = rt.block_on(|| {
                        let capture = PanicOnDrop("capture");
                        let text = String::from("freed once");
                        let task = yieldpoint::spawn(move || {
                            let _ = (&capture, &text);
                        });
                        task.cancel();
                        task.join().unwrap_err()
                    });
                    assert_eq!(rt.block_on(|| 5), 5);
                    error
                });
                assert!(error.is_panic(), "{error}");
                assert_eq!(
                    error.into_panic().downcast_ref::<String>().unwrap(),
                    "capture"
                );
            },
        );
    }

    /// A panicking slow-task callback is reported and the scheduler goes on.
    #[test]
    fn a_panicking_slow_task_callback_is_contained() {
        within(SCENARIO_LIMIT, || {
            let rt = builder()
                .slow_task_threshold(Duration::from_millis(1))
                .on_slow_task(|_| panic!("callback"))
                .build();
            let slow = rt.spawn(|| std::thread::sleep(Duration::from_millis(5)));
            rt.run();
            slow.join().unwrap();
            assert_eq!(rt.block_on(|| yieldpoint::spawn(|| 3).join().unwrap()), 3);
        });
    }

    /// Dropping a scheduler cancels its tasks and runs them to their end, so cleanup
    /// code may wait for another task (before: the unwind ran without the task's
    /// context and the wait blocked `drop` forever).
    #[test]
    fn dropping_the_scheduler_lets_cleanup_wait() {
        let got = within(SCENARIO_LIMIT, move || {
            let rt = rt();
            let (tx, rx) = yieldpoint::sync::channel::unbounded::<&str>();
            let (report, received) = mpsc::channel();
            rt.block_on(move || {
                yieldpoint::spawn(move || {
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                        yieldpoint::sleep(FOREVER);
                    }));
                    report.send(rx.recv()).unwrap();
                });
                yieldpoint::spawn(move || {
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                        yieldpoint::sleep(FOREVER);
                    }));
                    yieldpoint::sleep(Duration::from_millis(1));
                    tx.send("goodbye").unwrap();
                });
                yieldpoint::sleep(Duration::from_millis(5));
            });
            drop(rt);
            received.recv().unwrap()
        });
        assert_eq!(got, Ok("goodbye"));
    }

    /// A task that catches every cancel and goes on cannot keep a scheduler's drop
    /// waiting: after three cancels it is closed, and its handle reports it.
    #[test]
    fn a_task_ignoring_every_cancel_cannot_stop_the_scheduler_drop() {
        let (caught, error) = within(Duration::from_secs(30), move || {
            let rt = rt();
            let caught = Arc::new(AtomicUsize::new(0));
            let count = caught.clone();
            let stubborn = rt.spawn(move || loop {
                let turn = panic::catch_unwind(AssertUnwindSafe(|| {
                    yieldpoint::sleep(Duration::from_millis(1));
                }));
                if turn.is_err() {
                    count.fetch_add(1, Ordering::SeqCst);
                }
            });
            let started = rt.spawn(|| ());
            while !started.is_finished() {
                rt.block_on(|| yieldpoint::sleep(Duration::from_millis(1)));
            }
            drop(rt);
            (caught.load(Ordering::SeqCst), stubborn.join().unwrap_err())
        });
        assert!(caught >= 3, "caught {caught} cancels");
        assert!(!error.to_string().is_empty());
    }

    /// No yield point switches while a task's stack unwinds: another task of the same
    /// thread (here, of a one-thread scheduler) never sees `std::thread::panicking()`, and
    /// a `std` mutex it holds across its yields is not poisoned (before: the unwinding task
    /// really switched out mid-panic).
    #[test]
    fn a_yield_in_drop_during_a_panic_does_not_switch() {
        within(SCENARIO_LIMIT, || {
            let rt = one_thread();
            let shared = Arc::new(std::sync::Mutex::new(0));
            let seen_panicking = Arc::new(AtomicBool::new(false));
            let (lock, seen) = (shared.clone(), seen_panicking.clone());
            let bystander = rt.spawn(move || {
                for _ in 0..10 {
                    let mut guard = lock.lock().unwrap();
                    *guard += 1;
                    seen.fetch_or(std::thread::panicking(), Ordering::SeqCst);
                    yieldpoint::yield_now();
                    seen.fetch_or(std::thread::panicking(), Ordering::SeqCst);
                }
            });
            let panicker = rt.spawn(|| {
                let _yields = OnDrop(|| {
                    for _ in 0..3 {
                        yieldpoint::yield_now();
                    }
                });
                yieldpoint::yield_now();
                panic!("boom");
            });
            rt.run();
            assert!(panicker.join().unwrap_err().is_panic());
            bystander.join().unwrap();
            assert!(!seen_panicking.load(Ordering::SeqCst));
            assert_eq!(*shared.lock().unwrap(), 10, "the std mutex is not poisoned");
        });
    }

    /// A destructor that waits, while its task unwinds, for another OS thread: the wait
    /// blocks the OS thread (it cannot switch) and returns when the other thread delivers.
    #[test]
    fn a_wait_in_drop_during_a_cancel_is_woken_by_another_thread() {
        let got = within(SCENARIO_LIMIT, || {
            let rt = rt();
            let (tx, rx) = yieldpoint::sync::channel::bounded::<u32>(1);
            let (report, received) = mpsc::channel();
            let task = rt.spawn(move || {
                let _wait = OnDrop(move || report.send(rx.recv()).unwrap());
                yieldpoint::sleep(FOREVER);
            });
            let canceller = rt.spawn(move || {
                wait_for_state(&[task.id()], TaskState::Sleeping);
                task.cancel();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    tx.send(9).unwrap();
                });
                task
            });
            rt.run();
            assert!(canceller.join().unwrap().join().unwrap_err().is_cancelled());
            received.recv().unwrap()
        });
        assert_eq!(got, Ok(9));
    }
}

/// A `join` of a task of another round-robin scheduler on the same OS thread could never
/// return: it panics and says why (before: it hung).
#[test]
fn joining_a_task_of_another_scheduler_on_this_thread_panics() {
    let message = within(SCENARIO_LIMIT, || {
        let other = RoundRobin::new();
        let foreign = other.spawn(|| 1);
        let rt = RoundRobin::new();
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(move || foreign.join().unwrap());
        }));
        let payload = result.unwrap_err();
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
    });
    assert!(
        message.contains("another scheduler on this OS thread"),
        "{message}"
    );
}

/// Dropping round-robin scheduler A inside a task of B on the same thread closes A's tasks
/// (destructors run) and does not touch B's task (before: A's close was stored as B's
/// task panic).
#[test]
fn dropping_a_scheduler_inside_another_schedulers_task() {
    let (value, dropped) = within(SCENARIO_LIMIT, || {
        let dropped = Arc::new(AtomicUsize::new(0));
        let rt1 = RoundRobin::new();
        let count = dropped.clone();
        let suspended = rt1.spawn(move || {
            let _token = OnDrop(move || {
                count.fetch_add(1, Ordering::SeqCst);
            });
            yieldpoint::sleep(FOREVER);
        });
        rt1.block_on(yieldpoint::yield_now); // the task starts and sleeps
        let rt2 = RoundRobin::new();
        let value = rt2.block_on(move || {
            drop(rt1);
            yieldpoint::yield_now();
            5
        });
        assert!(suspended.join().unwrap_err().is_cancelled());
        (value, dropped.load(Ordering::SeqCst))
    });
    assert_eq!((value, dropped), (5, 1));
}

/// A `join` in a destructor of a task that unwinds, of a task of the same thread, can never
/// return (the joined task cannot run while the joiner blocks its OS thread): it aborts
/// with a message that says so, instead of hanging forever. Round-robin only: on a work
/// queue the sibling may live on another worker, where the join just waits.
#[test]
fn joining_a_sibling_in_drop_while_unwinding_aborts_with_a_message() {
    if in_child() {
        let rt = RoundRobin::new();
        rt.block_on(|| {
            let sibling = yieldpoint::spawn(|| yieldpoint::sleep(FOREVER));
            let task = yieldpoint::spawn(move || {
                let mut sibling = Some(sibling);
                let _join = OnDrop(move || {
                    let _ = sibling.take().unwrap().join();
                });
                yieldpoint::sleep(FOREVER);
            });
            yieldpoint::yield_now();
            task.cancel();
            let _ = task.join();
        });
        return;
    }
    let out = run_child("joining_a_sibling_in_drop_while_unwinding_aborts_with_a_message");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("can never return"), "{stderr}");
}
