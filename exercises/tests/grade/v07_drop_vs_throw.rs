//! Grader for exercise V.7 (`src/part5/drop_vs_throw.rs`): the job as a future, polled by
//! hand and dropped at each of its awaits, and as a green thread on a round-robin
//! scheduler, cancelled at each of its yield points while a ticker task counts the
//! scheduler's turns (so the grader sees whether `notify` really switched). Every outcome
//! is checked as a log, in order.

mod support;

support::exercise!(
    drop_vs_throw,
    "../../src/part5/drop_vs_throw.rs",
    "../../solutions/part5/drop_vs_throw.rs"
);

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::support::bridges::{poll_once, CountingWaker};
use crate::support::grading;
use drop_vs_throw::{job_async, job_green, Log};
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::Event;

/// A future that stays pending until `open` is set; logs `"dropped NAME"` if dropped
/// before it was done.
struct Gate {
    name: &'static str,
    open: Rc<Cell<bool>>,
    done: bool,
    log: Log,
}

impl Future for Gate {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.open.get() {
            self.done = true;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        if !self.done {
            self.log.borrow_mut().push(format!("dropped {}", self.name));
        }
    }
}

fn new_log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

/// Where the grader stops the job.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    AtFetch,
    AtStore,
    Never,
}

/// Runs the async job until it waits at `stop`, then drops it; the log.
fn run_async(stop: Stop) -> Vec<String> {
    let log = new_log();
    let (fetch_open, store_open) = (Rc::new(Cell::new(false)), Rc::new(Cell::new(false)));
    let gate = |name, open: &Rc<Cell<bool>>| Gate {
        name,
        open: open.clone(),
        done: false,
        log: log.clone(),
    };
    let job = job_async(
        log.clone(),
        gate("fetch", &fetch_open),
        gate("store", &store_open),
    );
    let mut job = Box::pin(job);
    let (_, waker) = CountingWaker::new();
    assert!(
        log.borrow().is_empty(),
        "job_async ran before its first poll: {:?} (a future does nothing until polled)",
        log.borrow()
    );
    assert!(
        poll_once(job.as_mut(), &waker).is_pending(),
        "it waits for fetch"
    );
    if stop != Stop::AtFetch {
        fetch_open.set(true);
        assert!(
            poll_once(job.as_mut(), &waker).is_pending(),
            "it waits for store"
        );
    }
    if stop == Stop::Never {
        store_open.set(true);
        assert!(
            poll_once(job.as_mut(), &waker).is_ready(),
            "both done: it ends"
        );
    }
    drop(job);
    let log = log.borrow().clone();
    log
}

// ANCHOR: example_test
#[test]
fn a_dropped_future_releases_what_it_holds_and_runs_nothing_else() {
    grading("drop_vs_throw");
    // `store`, not awaited yet, is dropped too: the future owns it.
    let mut log = run_async(Stop::AtFetch);
    let store = log.iter().position(|l| l == "dropped store");
    assert!(
        store.is_some(),
        "dropping the job drops the store future it owns: {log:?}"
    );
    log.remove(store.unwrap());
    assert_eq!(log, ["lease db", "dropped fetch", "release db"]);
    assert_eq!(
        run_async(Stop::AtStore),
        [
            "lease db",
            "lease cache",
            "dropped store",
            "release cache",
            "release db"
        ]
    );
    assert_eq!(
        run_async(Stop::Never),
        [
            "lease db",
            "lease cache",
            "done",
            "release cache",
            "release db"
        ]
    );
}
// ANCHOR_END: example_test

/// Runs the green job on a round-robin scheduler and cancels it while it waits at
/// `stop`; the log, and whether the task ended cancelled.
fn run_green(stop: Stop) -> (Vec<String>, bool) {
    RoundRobin::new().block_on(move || {
        let log = new_log();
        let ticks = Rc::new(Cell::new(0u32));
        let ticking = Rc::new(Cell::new(true));
        let (t, on) = (ticks.clone(), ticking.clone());
        let ticker = yieldpoint::spawn_local(move || {
            while on.get() {
                t.set(t.get() + 1);
                yieldpoint::yield_now();
            }
        });
        let (fetch_gate, store_gate) = (Arc::new(Event::new()), Arc::new(Event::new()));
        let job = {
            let (l, f, s, n, t) = (
                log.clone(),
                fetch_gate.clone(),
                store_gate.clone(),
                log.clone(),
                ticks.clone(),
            );
            yieldpoint::spawn_local(move || {
                job_green(
                    l,
                    move || f.wait(),
                    move || s.wait(),
                    move || {
                        // A wait: done only once the scheduler ran another task.
                        let before = t.get();
                        yieldpoint::yield_now();
                        let entry = if t.get() > before {
                            "notified"
                        } else {
                            "notified without a switch (a yield point inside a destructor \
                             while the task unwinds does not switch)"
                        };
                        n.borrow_mut().push(entry.to_string());
                    },
                )
            })
        };
        yieldpoint::yield_now(); // the job leases "db" and waits for fetch
        if stop != Stop::AtFetch {
            fetch_gate.set();
            yieldpoint::yield_now(); // it leases "cache" and waits for store
        }
        if stop == Stop::Never {
            store_gate.set();
        } else {
            job.cancel();
        }
        let cancelled = match job.join() {
            Ok(()) => false,
            Err(e) if e.is_cancelled() => true,
            Err(e) => panic!("job_green failed: {e}"),
        };
        ticking.set(false);
        ticker.join().unwrap();
        let log = log.borrow().clone();
        (log, cancelled)
    })
}

#[test]
fn a_cancelled_green_thread_notifies_then_ends_cancelled() {
    grading("drop_vs_throw");
    let (log, cancelled) = run_green(Stop::AtFetch);
    assert_eq!(
        log,
        ["lease db", "notified", "release db"],
        "cancelled at fetch"
    );
    assert!(
        cancelled,
        "after its cleanup the task ends cancelled (the cancel goes on)"
    );
    let (log, cancelled) = run_green(Stop::AtStore);
    assert_eq!(
        log,
        [
            "lease db",
            "lease cache",
            "release cache",
            "notified",
            "release db"
        ],
        "cancelled at store: the inner lease is released as the cancel unwinds, the \
         notify runs once it is caught, the outer lease after it"
    );
    assert!(
        cancelled,
        "after its cleanup the task ends cancelled (the cancel goes on)"
    );
}

#[test]
fn not_cancelled_both_run_the_same_job() {
    grading("drop_vs_throw");
    let (log, cancelled) = run_green(Stop::Never);
    assert!(!cancelled, "a job that was never cancelled ends normally");
    assert_eq!(
        log,
        [
            "lease db",
            "lease cache",
            "done",
            "release cache",
            "release db"
        ],
        "no notify when nothing was cancelled"
    );
    assert_eq!(run_async(Stop::Never), log, "the two jobs do the same work");
}

#[test]
fn the_two_cancels_differ_only_by_the_notify() {
    grading("drop_vs_throw");
    for stop in [Stop::AtFetch, Stop::AtStore] {
        let dropped: Vec<String> = run_async(stop)
            .into_iter()
            .filter(|l| !l.starts_with("dropped "))
            .collect();
        let (thrown, _) = run_green(stop);
        let without_notify: Vec<String> = thrown
            .iter()
            .filter(|l| !l.starts_with("notified"))
            .cloned()
            .collect();
        assert_eq!(
            without_notify, dropped,
            "stopped {stop:?}: the same leases, released in the same order"
        );
    }
}
