//! Grader for exercise V.6 (`src/part5/await_task.rs`): green threads on a one-worker
//! `WorkQueue`, held at gates (yieldpoint `Event`s) the test opens; the learner's async
//! functions are polled by the grader's own executor, which counts polls and wakes. Every
//! run is bounded in time, so a poll that blocks (a `join()` inside async code) fails
//! instead of hanging; nothing asserts how fast anything is.

mod support;

support::exercise!(
    await_task,
    "../../src/part5/await_task.rs",
    "../../solutions/part5/await_task.rs"
);

use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use crate::support::bridges::{drive, poll_once, within, CountingWaker};
use crate::support::gen::Rng;
use crate::support::grading;
use await_task::{cancel_and_wait, gather, outcome, Outcome};
use yieldpoint::sched::WorkQueue;
use yieldpoint::sync::Event;

const BLOCKED: &str = "the async function did not return: does it block its executor's \
                       thread (a join() inside async code) instead of awaiting the handle?";

/// What a gated task does once its gate opens.
#[derive(Clone, Debug)]
enum Ending {
    Return(u64),
    PanicStr,
    PanicString(u64),
}

/// Spawns a task on `rt` that waits for `gate`, then ends as `ending` says.
fn gated(rt: &WorkQueue, gate: &Arc<Event>, ending: Ending) -> yieldpoint::JoinHandle<u64> {
    let gate = gate.clone();
    rt.spawn(move || {
        gate.wait();
        match ending {
            Ending::Return(v) => v,
            Ending::PanicStr => panic!("boom"),
            Ending::PanicString(n) => panic!("failed on item {n}"),
        }
    })
}

fn expected(ending: &Ending) -> Outcome<u64> {
    match ending {
        Ending::Return(v) => Outcome::Value(*v),
        Ending::PanicStr => Outcome::Panicked("boom".into()),
        Ending::PanicString(n) => Outcome::Panicked(format!("failed on item {n}")),
    }
}

// ANCHOR: example_test
#[test]
fn awaiting_a_task_parks_nothing_and_is_woken_once() {
    grading("await_task");
    let (first, got, wakes) = within("await_task", BLOCKED, || {
        let rt = WorkQueue::builder().workers(1).build();
        let gate = Arc::new(Event::new());
        let task = gated(&rt, &gate, Ending::Return(42));
        let mut future = std::pin::pin!(outcome(task));
        let (counter, waker) = CountingWaker::new();
        // The task waits at its gate: the first poll must return at once, pending.
        let first = poll_once(future.as_mut(), &waker).is_pending();
        gate.set();
        while counter.wakes() == 0 {
            std::thread::yield_now(); // the task ends on the worker and wakes us
        }
        let got = match poll_once(future.as_mut(), &waker) {
            Poll::Ready(got) => got,
            Poll::Pending => panic!("woken after the task ended, yet still pending"),
        };
        (first, got, counter.wakes())
    });
    assert!(first, "the first poll, while the task waits, is Pending");
    assert_eq!(got, Outcome::Value(42));
    assert_eq!(wakes, 1, "woken exactly once: when the task ended");
}
// ANCHOR_END: example_test

#[test]
fn values_and_panics_are_told_apart() {
    grading("await_task");
    let mut rng = Rng::new();
    let endings = [
        Ending::Return(rng.range(0..1000)),
        Ending::PanicStr,
        Ending::PanicString(rng.range(0..1000)),
    ];
    for ending in endings {
        let what = format!("{ending:?}");
        let e = ending.clone();
        let (got, polls, wakes) = within("await_task", BLOCKED, move || {
            let rt = WorkQueue::builder().workers(1).build();
            let gate = Arc::new(Event::new());
            let task = gated(&rt, &gate, e);
            let opener = std::thread::spawn(move || gate.set());
            let result = drive(outcome(task));
            opener.join().unwrap();
            result
        });
        assert_eq!(
            got,
            expected(&ending),
            "the outcome of a task that ends with {what}"
        );
        assert!(
            wakes <= 1 && polls <= 2,
            "polled {polls} times, woken {wakes} times: a JoinHandle wakes its awaiter once \
             (a loop that wakes itself spins) ({what})"
        );
    }
}

#[test]
fn a_finished_task_is_ready_at_the_first_poll() {
    grading("await_task");
    let (got, polls) = within("await_task", BLOCKED, || {
        let rt = WorkQueue::builder().workers(1).build();
        let task = rt.spawn(|| 5u64);
        while !task.is_finished() {
            std::thread::yield_now();
        }
        let (got, polls, _) = drive(outcome(task));
        (got, polls)
    });
    assert_eq!(got, Outcome::Value(5));
    assert_eq!(
        polls, 1,
        "a finished task's outcome is ready at the first poll"
    );
}

#[test]
fn cancel_and_wait_returns_after_the_cleanup() {
    grading("await_task");
    let (got, log_then, wakes) = within("await_task", BLOCKED, || {
        let rt = WorkQueue::builder().workers(1).build();
        let log = Arc::new(Mutex::new(Vec::<&str>::new()));
        let started = Arc::new(Event::new());
        let (l, s) = (log.clone(), started.clone());
        let task = rt.spawn(move || {
            struct Cleanup(Arc<Mutex<Vec<&'static str>>>);
            impl Drop for Cleanup {
                fn drop(&mut self) {
                    self.0.lock().unwrap().push("cleanup");
                }
            }
            let _cleanup = Cleanup(l.clone());
            l.lock().unwrap().push("asleep");
            s.set();
            yieldpoint::sleep(Duration::from_secs(3600));
            l.lock().unwrap().push("woke up");
            7u64
        });
        started.wait(); // the task is asleep
        let (got, _, wakes) = drive(cancel_and_wait(task));
        let log_then = log.lock().unwrap().clone();
        (got, log_then, wakes)
    });
    assert_eq!(got, Outcome::Cancelled, "a cancelled task's outcome");
    assert_eq!(
        log_then,
        ["asleep", "cleanup"],
        "when cancel_and_wait returns, the task has unwound (its cleanup ran) and never \
         went on after its sleep"
    );
    assert!(wakes <= 1, "woken {wakes} times: once is enough");
}

#[test]
fn a_task_that_catches_the_cancel_is_not_cancelled() {
    grading("await_task");
    let got = within("await_task", BLOCKED, || {
        let rt = WorkQueue::builder().workers(1).build();
        let started = Arc::new(Event::new());
        let s = started.clone();
        let task = rt.spawn(move || {
            let caught = std::panic::catch_unwind(|| {
                s.set();
                yieldpoint::sleep(Duration::from_secs(3600));
            });
            if caught.is_err() {
                99
            } else {
                0
            }
        });
        started.wait();
        drive(cancel_and_wait(task)).0
    });
    assert_eq!(
        got,
        Outcome::Value(99),
        "a task that catches the cancel and returns a value is not cancelled (asyncio's \
         uncancel): await it to find out"
    );
    let got = within("await_task", BLOCKED, || {
        let rt = WorkQueue::builder().workers(1).build();
        let task = rt.spawn(|| 8u64);
        while !task.is_finished() {
            std::thread::yield_now();
        }
        drive(cancel_and_wait(task)).0
    });
    assert_eq!(
        got,
        Outcome::Value(8),
        "cancelling a task that has already returned changes nothing"
    );
}

#[test]
fn gather_keeps_the_order_of_the_tasks() {
    grading("await_task");
    let mut rng = Rng::new();
    let n = 3 + rng.below(6);
    let endings: Vec<Ending> = (0..n)
        .map(|i| match rng.below(4) {
            0 => Ending::PanicStr,
            1 => Ending::PanicString(i as u64),
            _ => Ending::Return(rng.range(0..1000)),
        })
        .collect();
    let order = rng.shuffled(n);
    let what = format!("endings {endings:?}, gates opened in the order {order:?}");
    let e = endings.clone();
    let (got, wakes) = within("await_task", BLOCKED, move || {
        let rt = WorkQueue::builder().workers(1).build();
        let gates: Vec<Arc<Event>> = (0..n).map(|_| Arc::new(Event::new())).collect();
        let tasks: Vec<_> = gates
            .iter()
            .zip(e)
            .map(|(gate, ending)| gated(&rt, gate, ending))
            .collect();
        let opener = std::thread::spawn(move || {
            for i in order {
                gates[i].set();
            }
        });
        let (got, _, wakes) = drive(gather(tasks));
        opener.join().unwrap();
        (got, wakes)
    });
    let want: Vec<Outcome<u64>> = endings.iter().map(expected).collect();
    assert_eq!(got, want, "{what}");
    assert!(wakes <= n, "woken {wakes} times for {n} tasks ({what})");
    let (empty, polls, _) = drive(gather(Vec::<yieldpoint::JoinHandle<u64>>::new()));
    assert!(
        empty.is_empty() && polls == 1,
        "no tasks: an empty Vec at once"
    );
}
