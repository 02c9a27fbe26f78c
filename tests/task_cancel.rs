//! Cancellation: `JoinHandle::cancel` unwinds a task at its yield point (destructors run)
//! and `join` reports it; a scheduler dropped with pending tasks cancels them.
//!
//! Python: `task.cancel()` raising `CancelledError` at the task's `await`.

#[path = "support/sync_drop_counter.rs"]
mod sync_drop_counter;

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use sync_drop_counter::DropCounter;
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::{channel, Event, Mutex, Semaphore};
use yieldpoint::task::{Builder, TaskState};

/// Long enough that a test would visibly hang if the cancel did not interrupt the wait.
const FOREVER: Duration = Duration::from_secs(3600);

/// Python: cancelling a task before it starts: its coroutine never runs.
#[test]
fn cancel_unstarted_task_never_runs_and_drops_its_closure() {
    let rt = RoundRobin::new();
    let drops = DropCounter::new();
    let token = drops.token();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    let h = rt.spawn(move || {
        let _token = token;
        r.set(true);
    });
    h.cancel();
    rt.run();
    assert!(!ran.get());
    assert_eq!(
        drops.dropped(),
        1,
        "the closure (and what it captured) was dropped"
    );
    let error = h.join().unwrap_err();
    assert!(error.is_cancelled());
    assert!(!error.is_panic());
    assert_eq!(
        error.to_string(),
        format!("task {} was cancelled", error.id())
    );
}

/// Python: `task.cancel()` while it awaits `asyncio.sleep`: `finally` blocks run.
#[test]
fn cancel_during_sleep_unwinds_and_runs_destructors() {
    let rt = RoundRobin::new();
    let drops = DropCounter::new();
    let started = Instant::now();
    rt.block_on({
        let drops = drops.clone();
        move || {
            let token = drops.token();
            let sleeper = Builder::new()
                .name("sleeper")
                .spawn(move || {
                    let _outer = token;
                    let _inner = drops.token();
                    yieldpoint::sleep(FOREVER);
                    unreachable!("the sleep is cancelled");
                })
                .unwrap();
            yieldpoint::yield_now(); // the sleeper starts and parks
            sleeper.cancel();
            let error = sleeper.join().unwrap_err();
            assert!(error.is_cancelled());
            assert_eq!(
                error.to_string(),
                format!("task {} (\"sleeper\") was cancelled", error.id())
            );
        }
    });
    assert_eq!(drops.dropped(), 2);
    // Sanity bound only: the cancel interrupted an hour-long sleep.
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// Cancel while parked in a channel `recv`: the task unwinds, and the channel still works
/// for the other receivers and senders.
#[test]
fn cancel_during_channel_recv() {
    let rt = RoundRobin::new();
    let drops = DropCounter::new();
    let d = drops.clone();
    rt.block_on(move || {
        let (tx, rx) = channel::unbounded::<u32>();
        let rx2 = rx.clone();
        let token = d.token();
        let waiter = yieldpoint::spawn(move || {
            let _token = token;
            rx2.recv()
        });
        yieldpoint::yield_now();
        assert!(!waiter.is_finished());
        waiter.cancel();
        assert!(waiter.join().unwrap_err().is_cancelled());
        tx.send(7).unwrap();
        assert_eq!(rx.recv(), Ok(7));
    });
    assert_eq!(drops.dropped(), 1);
}

/// Cancel while waiting for a `Mutex`: the lock stays usable and goes to the next waiter.
#[test]
fn cancel_during_mutex_lock_wait() {
    let rt = RoundRobin::new();
    let drops = DropCounter::new();
    let d = drops.clone();
    rt.block_on(move || {
        let lock = Arc::new(Mutex::new(0));
        let guard = lock.lock();
        let token = d.token();
        let waiter = {
            let lock = lock.clone();
            yieldpoint::spawn(move || {
                let _token = token;
                *lock.lock() += 1;
            })
        };
        yieldpoint::yield_now();
        waiter.cancel();
        assert!(waiter.join().unwrap_err().is_cancelled());
        drop(guard);
        let next = {
            let lock = lock.clone();
            yieldpoint::spawn(move || *lock.lock() += 10)
        };
        next.join().unwrap();
        assert_eq!(*lock.lock(), 10, "the cancelled waiter never got the lock");
    });
    assert_eq!(drops.dropped(), 1);
}

/// Cancel a task that waits in `join` for another: only the joiner is cancelled; the task
/// it waited for runs on, detached.
#[test]
fn cancel_during_join_of_another_task() {
    let rt = RoundRobin::new();
    let drops = DropCounter::new();
    let d = drops.clone();
    rt.block_on(move || {
        let gate = Arc::new(Event::new());
        let finished = Arc::new(AtomicBool::new(false));
        let inner = {
            let (gate, finished) = (gate.clone(), finished.clone());
            yieldpoint::spawn(move || {
                gate.wait();
                finished.store(true, Ordering::SeqCst);
                5
            })
        };
        let token = d.token();
        let joiner = yieldpoint::spawn(move || {
            let _token = token;
            inner.join().unwrap()
        });
        yieldpoint::yield_now();
        let me = yieldpoint::task::all_tasks();
        assert!(me.iter().any(|t| t.id == joiner.id()
            && t.state == TaskState::Waiting(yieldpoint::task::WaitReason::Join)));
        joiner.cancel();
        assert!(joiner.join().unwrap_err().is_cancelled());
        assert!(!finished.load(Ordering::SeqCst));
        gate.set();
        while !finished.load(Ordering::SeqCst) {
            yieldpoint::yield_now();
        }
    });
    assert_eq!(drops.dropped(), 1);
}

/// A body that swallows its cancel and then panics ends as panicked (the panic is the
/// newer news), and the scheduler's next task is unaffected by either.
#[test]
fn a_panic_after_a_swallowed_cancel_is_reported_as_a_panic() {
    let rt = RoundRobin::new();
    let h = rt.block_on(|| {
        let h = yieldpoint::spawn(|| {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| yieldpoint::sleep(FOREVER)));
            panic!("after the cancel");
        });
        yieldpoint::yield_now();
        h.cancel();
        h
    });
    rt.run();
    let error = h.join().unwrap_err();
    assert!(error.is_panic(), "{error}");
    assert_eq!(
        error.into_panic().downcast_ref::<&str>(),
        Some(&"after the cancel")
    );
    assert_eq!(rt.block_on(|| yieldpoint::spawn(|| 7).join().unwrap()), 7);
}

/// A joiner cancelled while it waits leaves its wakeup behind in the joined task; when that
/// task finishes later, the wakeup reaches nobody: the task that now has the joiner's
/// place in the scheduler stays parked.
#[test]
fn a_late_wakeup_for_a_cancelled_joiner_resumes_no_other_task() {
    RoundRobin::new().block_on(|| {
        let gate = Arc::new(Event::new());
        let inner = {
            let gate = gate.clone();
            yieldpoint::spawn(move || gate.wait())
        };
        let joiner = yieldpoint::spawn(move || inner.join().unwrap());
        yieldpoint::yield_now();
        joiner.cancel();
        assert!(joiner.join().unwrap_err().is_cancelled());
        let never = Arc::new(Event::new());
        let parked = {
            let never = never.clone();
            yieldpoint::spawn(move || never.wait())
        };
        yieldpoint::yield_now();
        let switches = |id| {
            let tasks = yieldpoint::task::all_tasks();
            let task = tasks.iter().find(|t| t.id == id).expect("task is live");
            (task.switches, task.state)
        };
        let before = switches(parked.id());
        gate.set(); // `inner` finishes and wakes the cancelled joiner's registration
        for _ in 0..3 {
            yieldpoint::yield_now();
        }
        assert_eq!(switches(parked.id()), before);
        assert_eq!(
            before.1,
            TaskState::Waiting(yieldpoint::task::WaitReason::Event)
        );
        never.set();
        parked.join().unwrap();
    });
}

/// Cancel while the task waits for `spawn_blocking` work: the task ends at once; work that
/// already started runs to its end on the pool, and its result is dropped.
#[test]
fn cancel_during_spawn_blocking() {
    let rt = RoundRobin::new();
    let drops = DropCounter::new();
    let (release, released) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let d = drops.clone();
    let result_drops = DropCounter::new();
    let rd = result_drops.clone();
    rt.block_on(move || {
        let token = d.token();
        let waiter = yieldpoint::spawn(move || {
            let _token = token;
            yieldpoint::spawn_blocking(move || {
                started_tx.send(()).unwrap();
                released.recv().unwrap();
                rd.token() // the result, dropped by nobody but the pool
            })
        });
        // Let the waiter start its blocking work; yield until the pool thread runs it.
        while started_rx.try_recv().is_err() {
            yieldpoint::sleep(Duration::from_millis(1));
        }
        waiter.cancel();
        assert!(waiter.join().unwrap_err().is_cancelled());
    });
    assert_eq!(drops.dropped(), 1);
    assert_eq!(
        result_drops.dropped(),
        0,
        "the blocking work is still running"
    );
    release.send(()).unwrap();
    // The pool thread finishes the work and drops its result (generous sanity bound).
    let deadline = Instant::now() + Duration::from_secs(30);
    while result_drops.dropped() == 0 {
        assert!(Instant::now() < deadline, "blocking work never finished");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Cancelling a finished task changes nothing.
#[test]
fn cancel_after_finish_keeps_the_value() {
    let rt = RoundRobin::new();
    let h = rt.spawn(|| 3);
    rt.run();
    h.cancel();
    assert_eq!(h.join().unwrap(), 3);
}

/// Cancelling twice is the same as once.
#[test]
fn cancel_twice_is_harmless() {
    let rt = RoundRobin::new();
    let h = rt.block_on(|| {
        let h = yieldpoint::spawn(|| yieldpoint::sleep(FOREVER));
        yieldpoint::yield_now();
        h.cancel();
        h.cancel();
        h
    });
    rt.run();
    assert!(h.join().unwrap_err().is_cancelled());
}

/// A task that is ready (not parked) is cancelled at its next yield point.
#[test]
fn cancel_a_ready_task_at_its_next_yield() {
    let rt = RoundRobin::new();
    let steps = Rc::new(Cell::new(0));
    let s = steps.clone();
    let h = rt.spawn(move || loop {
        s.set(s.get() + 1);
        yieldpoint::yield_now();
    });
    let s = steps.clone();
    let canceller = rt.spawn(move || {
        yieldpoint::yield_now();
        yieldpoint::yield_now();
        let seen = s.get();
        h.cancel();
        seen
    });
    rt.run();
    let seen = canceller.join().unwrap();
    assert_eq!(seen, 3);
    assert_eq!(steps.get(), 3, "no step after the cancel");
}

/// Python: a task that catches `CancelledError` and goes on is not cancelled (asyncio's
/// `uncancel`): the cancel is raised once, later yield points do not raise it again, and
/// a task that returns ends with its value. A second `cancel` raises a second cancel.
#[test]
fn catching_the_cancel_uncancels_the_task() {
    let rt = RoundRobin::new();
    let after_catch = Rc::new(Cell::new(0));
    let a = after_catch.clone();
    let h = rt.block_on(move || {
        let h = yieldpoint::spawn_local(move || {
            let caught = panic::catch_unwind(AssertUnwindSafe(|| yieldpoint::sleep(FOREVER)));
            assert!(caught.is_err());
            a.set(a.get() + 1);
            yieldpoint::yield_now(); // not raised again
            a.set(a.get() + 100);
            yieldpoint::sleep(FOREVER); // the second cancel arrives here
            a.set(a.get() + 10_000);
        });
        yieldpoint::yield_now();
        h.cancel();
        for _ in 0..3 {
            yieldpoint::yield_now();
        }
        assert!(
            !h.is_finished(),
            "the task carried on after catching the cancel"
        );
        h.cancel();
        h
    });
    rt.run();
    assert!(h.join().unwrap_err().is_cancelled());
    assert_eq!(after_catch.get(), 101);

    let h = rt.block_on(|| {
        let h = yieldpoint::spawn(|| {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| yieldpoint::sleep(FOREVER)));
            "returned anyway"
        });
        yieldpoint::yield_now();
        h.cancel();
        h
    });
    rt.run();
    assert_eq!(h.join().unwrap(), "returned anyway");
}

/// Two receivers wait; one message arrives and wakes the first; the first is cancelled
/// before it runs. Its wakeup must pass on: the message reaches the second receiver.
#[test]
fn cancelled_receiver_passes_its_wakeup_on() {
    let rt = RoundRobin::new();
    rt.block_on(|| {
        let (tx, rx) = channel::unbounded::<&str>();
        let (rx1, rx2) = (rx.clone(), rx.clone());
        let first = yieldpoint::spawn(move || rx1.recv());
        let second = yieldpoint::spawn(move || rx2.recv());
        yieldpoint::yield_now(); // both park, `first` at the front of the wait list
        tx.send("only one").unwrap(); // wakes `first`
        first.cancel();
        assert!(first.join().unwrap_err().is_cancelled());
        assert_eq!(second.join().unwrap(), Ok("only one"));
        assert!(rx.is_empty());
    });
}

/// The same for a `Mutex`: the cancelled waiter's wakeup goes to the next waiter.
/// A message already handed to a parked receiver that is then cancelled goes back to the
/// front of the queue, ahead of later messages: it is neither lost nor dropped twice.
#[test]
fn a_message_handed_to_a_cancelled_receiver_goes_back_to_the_queue() {
    let drops = DropCounter::new();
    let d = drops.clone();
    RoundRobin::new().block_on(move || {
        let (tx, rx) = channel::unbounded();
        let rx1 = rx.clone();
        let receiver = yieldpoint::spawn(move || rx1.recv().map(|(n, _token)| n));
        yieldpoint::yield_now(); // `receiver` parks
        tx.send((1, d.token())).unwrap(); // handed to `receiver`, which has not run yet
        tx.send((2, d.token())).unwrap(); // queued
        receiver.cancel();
        assert!(receiver.join().unwrap_err().is_cancelled());
        assert_eq!(rx.len(), 2);
        assert_eq!(rx.try_recv().map(|(n, _)| n), Ok(1));
        assert_eq!(rx.try_recv().map(|(n, _)| n), Ok(2));
    });
    assert_eq!(drops.dropped(), 2);
}

#[test]
fn cancelled_mutex_waiter_passes_its_wakeup_on() {
    let rt = RoundRobin::new();
    rt.block_on(|| {
        let lock = Arc::new(Mutex::new(Vec::new()));
        let guard = lock.lock();
        let waiter = |name: &'static str| {
            let lock = lock.clone();
            yieldpoint::spawn(move || lock.lock().push(name))
        };
        let first = waiter("first");
        let second = waiter("second");
        yieldpoint::yield_now();
        drop(guard); // wakes `first`
        first.cancel();
        assert!(first.join().unwrap_err().is_cancelled());
        second.join().unwrap();
        assert_eq!(*lock.lock(), ["second"]);
    });
}

/// The same for a `Semaphore`.
#[test]
fn cancelled_semaphore_waiter_passes_its_wakeup_on() {
    let rt = RoundRobin::new();
    rt.block_on(|| {
        let sem = Arc::new(Semaphore::new(1));
        let permit = sem.acquire();
        let got = Arc::new(AtomicUsize::new(0));
        let waiter = |n: usize| {
            let (sem, got) = (sem.clone(), got.clone());
            yieldpoint::spawn(move || {
                let _permit = sem.acquire();
                got.fetch_add(n, Ordering::SeqCst);
            })
        };
        let first = waiter(1);
        let second = waiter(10);
        yieldpoint::yield_now();
        drop(permit); // wakes `first`
        first.cancel();
        assert!(first.join().unwrap_err().is_cancelled());
        second.join().unwrap();
        assert_eq!(got.load(Ordering::SeqCst), 10);
        assert_eq!(sem.available_permits(), 1);
    });
}

/// Dropping a scheduler with pending tasks cancels them: unstarted bodies are dropped,
/// suspended stacks unwind (destructors run) wherever they wait, and every `JoinHandle`
/// reports cancellation.
#[test]
fn dropping_the_scheduler_cancels_pending_tasks() {
    let drops = DropCounter::new();
    let rt = RoundRobin::new();
    let (tx, rx) = channel::unbounded::<()>();
    let lock = Arc::new(Mutex::new(()));
    let handles = rt.block_on({
        let drops = drops.clone();
        let lock = lock.clone();
        move || {
            let mut handles = Vec::new();
            let t = drops.token();
            handles.push(yieldpoint::spawn(move || {
                let _t = t;
                yieldpoint::sleep(FOREVER);
            }));
            let t = drops.token();
            handles.push(yieldpoint::spawn(move || {
                let _t = t;
                let _ = rx.recv();
            }));
            // Holds the lock across a sleep; the next task waits for it.
            let t = drops.token();
            let l = lock.clone();
            handles.push(yieldpoint::spawn(move || {
                let _t = t;
                let _guard = l.lock();
                yieldpoint::sleep(FOREVER);
            }));
            let t = drops.token();
            let l = lock.clone();
            handles.push(yieldpoint::spawn(move || {
                let _t = t;
                let _guard = l.lock();
            }));
            // A ready task that keeps yielding.
            let t = drops.token();
            handles.push(yieldpoint::spawn(move || {
                let _t = t;
                loop {
                    yieldpoint::yield_now();
                }
            }));
            yieldpoint::yield_now();
            // And one that never started.
            let t = drops.token();
            handles.push(yieldpoint::spawn(move || drop(t)));
            handles
        }
    });
    assert_eq!(rt.tasks().len(), 6);
    assert_eq!(drops.dropped(), 0);
    drop(rt);
    assert_eq!(drops.dropped(), 6);
    for h in handles {
        assert!(h.is_finished());
        assert!(h.join().unwrap_err().is_cancelled());
    }
    assert!(
        lock.try_lock().is_some(),
        "the guard was released by the unwind"
    );
    drop(tx);
}

/// `block_on` returns as soon as its main function does; a later `run` finishes the rest.
#[test]
fn block_on_leaves_other_tasks_for_a_later_run() {
    let rt = RoundRobin::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    let h = rt.block_on(move || {
        let inner = l.clone();
        let h = yieldpoint::spawn_local(move || {
            for i in 0..3 {
                inner.borrow_mut().push(i);
                yieldpoint::yield_now();
            }
            "finished later"
        });
        l.borrow_mut().push(100);
        h
    });
    assert_eq!(
        *log.borrow(),
        [100],
        "block_on returned before the task ran"
    );
    assert_eq!(rt.tasks().len(), 1);
    rt.run();
    assert_eq!(*log.borrow(), [100, 0, 1, 2]);
    assert_eq!(h.join().unwrap(), "finished later");
    assert!(rt.tasks().is_empty());
}
