//! Cancellation: `JoinHandle::cancel` unwinds a task at its yield point (destructors run)
//! and `join` reports it; a scheduler dropped with pending tasks cancels them.
//!
//! Python: `task.cancel()` raising `CancelledError` at the task's `await`.

#[macro_use]
mod support;

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use support::sched_matrix::{state_of, wait_for_state};
use support::sync_drop_counter::DropCounter;
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::{channel, Event, Mutex, Semaphore};
use yieldpoint::task::{Builder, TaskState, WaitReason};

/// Long enough that a test would visibly hang if the cancel did not interrupt the wait.
const FOREVER: Duration = Duration::from_secs(3600);

on_both_schedulers! {
    /// Python: cancelling a task before it starts: its coroutine never runs. On one thread
    /// the task cannot start before its spawner's next yield point, so the cancel comes first.
    #[test]
    fn cancel_unstarted_task_never_runs_and_drops_its_closure() {
        let rt = one_thread();
        let drops = DropCounter::new();
        let ran = Arc::new(AtomicBool::new(false));
        let (d, r) = (drops.clone(), ran.clone());
        let h = rt.block_on(move || {
            let token = d.token();
            let h = yieldpoint::spawn(move || {
                let _token = token;
                r.store(true, Ordering::SeqCst);
            });
            h.cancel();
            h
        });
        rt.run();
        assert!(!ran.load(Ordering::SeqCst));
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
        let rt = rt();
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
                wait_for_state(&[sleeper.id()], TaskState::Sleeping);
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

    /// Cancel while parked in a channel `recv`: the task unwinds, and the channel still
    /// works for the other receivers and senders.
    #[test]
    fn cancel_during_channel_recv() {
        let rt = rt();
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
            wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::ChannelRecv));
            waiter.cancel();
            assert!(waiter.join().unwrap_err().is_cancelled());
            tx.send(7).unwrap();
            assert_eq!(rx.recv(), Ok(7));
        });
        assert_eq!(drops.dropped(), 1);
    }

    /// Cancel while waiting for a `Mutex`: the lock stays usable and goes to the next
    /// waiter.
    #[test]
    fn cancel_during_mutex_lock_wait() {
        let rt = rt();
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
            wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Mutex));
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

    /// Cancel a task that waits in `join` for another: only the joiner is cancelled; the
    /// task it waited for runs on, detached.
    #[test]
    fn cancel_during_join_of_another_task() {
        let rt = rt();
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
            wait_for_state(&[joiner.id()], TaskState::Waiting(WaitReason::Join));
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
        let rt = rt();
        let h = rt.block_on(|| {
            let h = yieldpoint::spawn(|| {
                let _ = panic::catch_unwind(AssertUnwindSafe(|| yieldpoint::sleep(FOREVER)));
                panic!("after the cancel");
            });
            wait_for_state(&[h.id()], TaskState::Sleeping);
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

    /// A joiner cancelled while it waits leaves its wakeup behind in the joined task; when
    /// that task finishes later, the wakeup reaches nobody: a task that may now have the
    /// joiner's place in the scheduler stays parked.
    #[test]
    fn a_late_wakeup_for_a_cancelled_joiner_resumes_no_other_task() {
        rt().block_on(|| {
            let gate = Arc::new(Event::new());
            let inner = {
                let gate = gate.clone();
                yieldpoint::spawn(move || gate.wait())
            };
            let inner_id = inner.id();
            let joiner = yieldpoint::spawn(move || inner.join().unwrap());
            wait_for_state(&[joiner.id()], TaskState::Waiting(WaitReason::Join));
            joiner.cancel();
            assert!(joiner.join().unwrap_err().is_cancelled());
            let never = Arc::new(Event::new());
            let parked = {
                let never = never.clone();
                yieldpoint::spawn(move || never.wait())
            };
            wait_for_state(&[parked.id()], TaskState::Waiting(WaitReason::Event));
            let switches = |id| {
                let tasks = yieldpoint::task::all_tasks();
                let task = tasks.iter().find(|t| t.id == id).expect("task is live");
                (task.switches, task.state)
            };
            let before = switches(parked.id());
            gate.set(); // `inner` finishes and wakes the cancelled joiner's registration
            while state_of(inner_id).is_some() {
                yieldpoint::yield_now();
            }
            for _ in 0..3 {
                yieldpoint::yield_now();
            }
            assert_eq!(switches(parked.id()), before);
            never.set();
            parked.join().unwrap();
        });
    }

    /// Cancel while the task waits for `spawn_blocking` work: the task ends at once; work
    /// that already started runs to its end on the pool, and its result is dropped.
    #[test]
    fn cancel_during_spawn_blocking() {
        let rt = rt();
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
        // The pool thread finishes the work and drops its result.
        while result_drops.dropped() == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Cancelling a finished task changes nothing.
    #[test]
    fn cancel_after_finish_keeps_the_value() {
        let rt = rt();
        let h = rt.spawn(|| 3);
        rt.run();
        h.cancel();
        assert_eq!(h.join().unwrap(), 3);
    }

    /// Cancelling twice is the same as once.
    #[test]
    fn cancel_twice_is_harmless() {
        let rt = rt();
        let h = rt.block_on(|| {
            let h = yieldpoint::spawn(|| yieldpoint::sleep(FOREVER));
            wait_for_state(&[h.id()], TaskState::Sleeping);
            h.cancel();
            h.cancel();
            h
        });
        rt.run();
        assert!(h.join().unwrap_err().is_cancelled());
    }

    /// A task that never parks (it only yields) is cancelled at its next yield point: it
    /// ends cancelled, at most one step after the cancel (the step it may be in when the
    /// cancel arrives from another worker).
    #[test]
    fn a_busy_task_is_cancelled_at_its_next_yield() {
        let rt = rt();
        let steps = Arc::new(AtomicUsize::new(0));
        let s = steps.clone();
        let (at_cancel, error) = rt.block_on(move || {
            let counter = s.clone();
            let busy = yieldpoint::spawn(move || loop {
                counter.fetch_add(1, Ordering::SeqCst);
                yieldpoint::yield_now();
            });
            while s.load(Ordering::SeqCst) < 3 {
                yieldpoint::yield_now();
            }
            busy.cancel();
            let at_cancel = s.load(Ordering::SeqCst);
            (at_cancel, busy.join().unwrap_err())
        });
        assert!(error.is_cancelled(), "{error}");
        let steps = steps.load(Ordering::SeqCst);
        assert!(steps <= at_cancel + 1, "{steps} steps, {at_cancel} at the cancel");
    }

    /// Python: a task that catches `CancelledError` and goes on is not cancelled (asyncio's
    /// `uncancel`): the cancel is raised once, later yield points do not raise it again,
    /// and a task that returns ends with its value. A second `cancel` raises a second
    /// cancel.
    #[test]
    fn catching_the_cancel_uncancels_the_task() {
        let rt = rt();
        let after_catch = Arc::new(AtomicUsize::new(0));
        let (a, seen) = (after_catch.clone(), after_catch.clone());
        let h = rt.block_on(move || {
            let h = yieldpoint::spawn(move || {
                let caught =
                    panic::catch_unwind(AssertUnwindSafe(|| yieldpoint::sleep(FOREVER)));
                assert!(caught.is_err());
                a.fetch_add(1, Ordering::SeqCst);
                yieldpoint::yield_now(); // not raised again
                a.fetch_add(100, Ordering::SeqCst);
                yieldpoint::sleep(FOREVER); // the second cancel arrives here
                a.fetch_add(10_000, Ordering::SeqCst);
            });
            wait_for_state(&[h.id()], TaskState::Sleeping);
            h.cancel();
            while seen.load(Ordering::SeqCst) < 101 {
                yieldpoint::yield_now();
            }
            wait_for_state(&[h.id()], TaskState::Sleeping);
            assert!(
                !h.is_finished(),
                "the task carried on after catching the cancel"
            );
            h.cancel();
            h
        });
        rt.run();
        assert!(h.join().unwrap_err().is_cancelled());
        assert_eq!(after_catch.load(Ordering::SeqCst), 101);

        let h = rt.block_on(|| {
            let h = yieldpoint::spawn(|| {
                let _ = panic::catch_unwind(AssertUnwindSafe(|| yieldpoint::sleep(FOREVER)));
                "returned anyway"
            });
            wait_for_state(&[h.id()], TaskState::Sleeping);
            h.cancel();
            h
        });
        rt.run();
        assert_eq!(h.join().unwrap(), "returned anyway");
    }

    /// Two receivers wait; one message arrives and wakes the first; the first is cancelled
    /// before it runs. Its wakeup must pass on: the message reaches the second receiver.
    /// (On one thread, so that the woken receiver cannot run before the cancel.)
    #[test]
    fn cancelled_receiver_passes_its_wakeup_on() {
        one_thread().block_on(|| {
            let (tx, rx) = channel::unbounded::<&str>();
            let (rx1, rx2) = (rx.clone(), rx.clone());
            let receiving = TaskState::Waiting(WaitReason::ChannelRecv);
            let first = yieldpoint::spawn(move || rx1.recv());
            wait_for_state(&[first.id()], receiving);
            let second = yieldpoint::spawn(move || rx2.recv());
            wait_for_state(&[second.id()], receiving);
            tx.send("only one").unwrap(); // wakes `first`, at the front of the wait list
            first.cancel();
            assert!(first.join().unwrap_err().is_cancelled());
            assert_eq!(second.join().unwrap(), Ok("only one"));
            assert!(rx.is_empty());
        });
    }

    /// A message already handed to a parked receiver that is then cancelled goes back to
    /// the front of the queue, ahead of later messages: it is neither lost nor dropped
    /// twice. (On one thread, so that the receiver cannot run before the cancel.)
    #[test]
    fn a_message_handed_to_a_cancelled_receiver_goes_back_to_the_queue() {
        let drops = DropCounter::new();
        let d = drops.clone();
        one_thread().block_on(move || {
            let (tx, rx) = channel::unbounded();
            let rx1 = rx.clone();
            let receiver = yieldpoint::spawn(move || rx1.recv().map(|(n, _token)| n));
            wait_for_state(&[receiver.id()], TaskState::Waiting(WaitReason::ChannelRecv));
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

    /// A message handed to a parked receiver whose every sender is then gone stays with
    /// that receiver when it is cancelled before it runs: another receiver may already
    /// have found the channel empty and closed (here: the spawner's `try_recv`), so a
    /// message put back would reach no one. The receiver gets the message, and the cancel
    /// is raised at its next yield point.
    #[test]
    fn a_message_handed_over_before_the_close_stays_with_its_cancelled_receiver() {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let l = log.clone();
        one_thread().block_on(move || {
            let (tx, rx) = channel::unbounded();
            let rx1 = rx.clone();
            let receiver = yieldpoint::spawn(move || {
                let got = rx1.recv();
                l.lock().unwrap().push(format!("received {got:?}"));
                yieldpoint::yield_now(); // the deferred cancel is raised here
                l.lock().unwrap().push("not reached".to_string());
            });
            wait_for_state(&[receiver.id()], TaskState::Waiting(WaitReason::ChannelRecv));
            tx.send(1).unwrap(); // handed to `receiver`, which has not run yet
            drop(tx);
            assert_eq!(rx.try_recv(), Err(channel::TryRecvError::Closed));
            receiver.cancel();
            assert!(receiver.join().unwrap_err().is_cancelled());
        });
        assert_eq!(*log.lock().unwrap(), ["received Ok(1)"]);
    }

    /// The same receiver without a yield point after its `recv`: it returns the message,
    /// and the cancel that came too late to interrupt anything is not reported.
    #[test]
    fn a_receiver_that_keeps_its_message_and_ends_is_not_cancelled() {
        one_thread().block_on(|| {
            let (tx, rx) = channel::unbounded();
            let receiver = yieldpoint::spawn(move || rx.recv());
            wait_for_state(&[receiver.id()], TaskState::Waiting(WaitReason::ChannelRecv));
            tx.send("kept").unwrap();
            drop(tx);
            receiver.cancel();
            assert_eq!(receiver.join().unwrap(), Ok("kept"));
        });
    }

    /// A `timeout` around a `recv` whose message arrived, with the close, as the timeout
    /// expired: the message is received, not lost to the `Elapsed`.
    #[test]
    fn a_timed_out_receiver_keeps_a_message_handed_over_before_the_close() {
        one_thread().block_on(|| {
            let (tx, rx) = channel::unbounded();
            let receiver = yieldpoint::spawn(move || {
                yieldpoint::timeout(Duration::from_millis(5), || rx.recv())
            });
            wait_for_state(&[receiver.id()], TaskState::Waiting(WaitReason::ChannelRecv));
            tx.send(7).unwrap();
            drop(tx);
            // Blocks the scheduler thread past the deadline: the receiver's turn comes
            // with its message and its expired timeout together.
            std::thread::sleep(Duration::from_millis(20));
            assert_eq!(receiver.join().unwrap(), Ok(Ok(7)));
        });
    }

    /// The same for a `Mutex`: the cancelled waiter's wakeup goes to the next waiter.
    #[test]
    fn cancelled_mutex_waiter_passes_its_wakeup_on() {
        one_thread().block_on(|| {
            let lock = Arc::new(Mutex::new(Vec::new()));
            let guard = lock.lock();
            let waiter = |name: &'static str| {
                let lock = lock.clone();
                let waiter = yieldpoint::spawn(move || lock.lock().push(name));
                wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Mutex));
                waiter
            };
            let first = waiter("first");
            let second = waiter("second");
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
        one_thread().block_on(|| {
            let sem = Arc::new(Semaphore::new(1));
            let permit = sem.acquire();
            let got = Arc::new(AtomicUsize::new(0));
            let waiter = |n: usize| {
                let (sem, got) = (sem.clone(), got.clone());
                let waiter = yieldpoint::spawn(move || {
                    let _permit = sem.acquire();
                    got.fetch_add(n, Ordering::SeqCst);
                });
                wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Semaphore));
                waiter
            };
            let first = waiter(1);
            let second = waiter(10);
            drop(permit); // wakes `first`
            first.cancel();
            assert!(first.join().unwrap_err().is_cancelled());
            second.join().unwrap();
            assert_eq!(got.load(Ordering::SeqCst), 10);
            assert_eq!(sem.available_permits(), 1);
        });
    }

    /// Dropping a scheduler with pending tasks cancels them: suspended stacks unwind
    /// (destructors run) wherever they wait, and every `JoinHandle` reports cancellation.
    #[test]
    fn dropping_the_scheduler_cancels_pending_tasks() {
        let drops = DropCounter::new();
        let rt = rt();
        let (tx, rx) = channel::unbounded::<()>();
        let lock = Arc::new(Mutex::new(()));
        let handles = rt.block_on({
            let drops = drops.clone();
            let lock = lock.clone();
            move || {
                let mut handles = Vec::new();
                let mut waits = Vec::new();
                let t = drops.token();
                handles.push(yieldpoint::spawn(move || {
                    let _t = t;
                    yieldpoint::sleep(FOREVER);
                }));
                waits.push(TaskState::Sleeping);
                let t = drops.token();
                handles.push(yieldpoint::spawn(move || {
                    let _t = t;
                    let _ = rx.recv();
                }));
                waits.push(TaskState::Waiting(WaitReason::ChannelRecv));
                // Holds the lock across a sleep; the next task waits for it.
                let t = drops.token();
                let l = lock.clone();
                handles.push(yieldpoint::spawn(move || {
                    let _t = t;
                    let _guard = l.lock();
                    yieldpoint::sleep(FOREVER);
                }));
                waits.push(TaskState::Sleeping);
                wait_for_state(&[handles[2].id()], TaskState::Sleeping);
                let t = drops.token();
                let l = lock.clone();
                handles.push(yieldpoint::spawn(move || {
                    let _t = t;
                    let _guard = l.lock();
                }));
                waits.push(TaskState::Waiting(WaitReason::Mutex));
                for (h, state) in handles.iter().zip(waits) {
                    wait_for_state(&[h.id()], state);
                }
                // A ready task that keeps yielding.
                let t = drops.token();
                let yielded = Arc::new(AtomicBool::new(false));
                let y = yielded.clone();
                handles.push(yieldpoint::spawn(move || {
                    let _t = t;
                    loop {
                        y.store(true, Ordering::SeqCst);
                        yieldpoint::yield_now();
                    }
                }));
                while !yielded.load(Ordering::SeqCst) {
                    yieldpoint::yield_now();
                }
                handles
            }
        });
        let live: Vec<_> = rt.tasks().iter().map(|t| t.id).collect();
        assert!(handles.iter().all(|h| live.contains(&h.id())), "{live:?}");
        assert_eq!(drops.dropped(), 0);
        drop(rt);
        assert_eq!(drops.dropped(), 5);
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
}

/// On one thread the cancel is delivered at the very next yield point: exactly three steps
/// run. (Round-robin only: the count depends on its FIFO interleaving; the matrix's
/// `a_busy_task_is_cancelled_at_its_next_yield` holds on both.)
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

/// A task that never started when its scheduler is dropped is cancelled too: its closure
/// (and what it captured) is dropped. Round-robin only: a work queue starts every task it
/// has while a worker is free, so no task of it reliably stays unstarted.
#[test]
fn dropping_the_scheduler_drops_a_task_that_never_started() {
    let drops = DropCounter::new();
    let rt = RoundRobin::new();
    let t = drops.token();
    let h = rt.spawn(move || drop(t));
    drop(rt);
    assert_eq!(drops.dropped(), 1);
    assert!(h.join().unwrap_err().is_cancelled());
}

/// `block_on` returns as soon as its main function does; a later `run` finishes the rest.
/// Round-robin only: it runs tasks only inside `block_on` and `run`, where the work queue
/// runs them in the background (`sched_common`'s `block_on_then_run_finishes_the_rest`
/// is the matrix's version).
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
