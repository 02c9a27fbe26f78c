//! Grader for exercise V.5 (`src/part5/green_await.rs`): hand-written futures (gates that
//! count their polls and wakes) awaited by green threads on a round-robin scheduler, opened
//! by other green threads, by the future itself during its poll, or by another OS thread.
//! Every run is bounded in time, so an await that blocks the OS thread fails instead of
//! hanging; nothing asserts how fast anything is.

mod support;

support::exercise!(
    green_await,
    "../../src/part5/green_await.rs",
    "../../solutions/part5/green_await.rs"
);

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::support::bridges::within;
use crate::support::gen::Rng;
use crate::support::grading;
use green_await::green_await;
use yieldpoint::sched::RoundRobin;

/// A one-shot value that a green thread awaits and another side opens; it counts how
/// many times it was polled and woken.
#[derive(Default)]
struct Gate {
    value: Mutex<Option<u64>>,
    waker: Mutex<Option<Waker>>,
    polls: AtomicUsize,
    wakes: AtomicUsize,
}

impl Gate {
    /// Wakes the awaiter without a value: it must poll again and find the gate closed.
    fn nudge(&self) {
        if let Some(waker) = self.waker.lock().unwrap().take() {
            self.wakes.fetch_add(1, Ordering::SeqCst);
            waker.wake();
        }
    }

    /// Puts `value` in and wakes the awaiter.
    fn open(&self, value: u64) {
        *self.value.lock().unwrap() = Some(value);
        self.nudge();
    }

    fn polls(&self) -> usize {
        self.polls.load(Ordering::SeqCst)
    }

    fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

/// The future of a gate.
struct Opened(Arc<Gate>);

impl Future for Opened {
    type Output = u64;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let gate = &self.0;
        gate.polls.fetch_add(1, Ordering::SeqCst);
        if let Some(value) = gate.value.lock().unwrap().take() {
            return Poll::Ready(value);
        }
        *gate.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A future that wakes its own waker during its first `pending` polls, returning
/// `Pending` each time, then returns how many times it was polled.
struct WakesDuringPoll {
    pending: usize,
    polls: usize,
    /// The last waker, for the rescue of a lost wake-up.
    waker: Rc<RefCell<Option<Waker>>>,
}

impl Future for WakesDuringPoll {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.polls += 1;
        if self.polls > self.pending {
            return Poll::Ready(self.polls);
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

const BLOCKED: &str = "green_await did not return: does it block the OS thread (the other \
                       green threads, which open the future, never ran) or miss a wake-up?";

#[test]
fn a_ready_future_is_polled_once() {
    grading("green_await");
    let polls = within("green_await", BLOCKED, || {
        RoundRobin::new().block_on(|| {
            let gate = Arc::new(Gate::default());
            gate.open(7);
            let value = green_await(Opened(gate.clone()));
            assert_eq!(value, 7, "green_await(future) returns the future's output");
            gate.polls()
        })
    });
    assert_eq!(polls, 1, "a future ready at once is polled exactly once");
    let text = within("green_await", BLOCKED, || {
        RoundRobin::new().block_on(|| green_await(async { String::from("async block") }))
    });
    assert_eq!(text, "async block");
}

// ANCHOR: example_test
#[test]
fn other_tasks_run_while_it_waits() {
    grading("green_await");
    let log = within("green_await", BLOCKED, || {
        let log = Rc::new(RefCell::new(Vec::<String>::new()));
        let gate = Arc::new(Gate::default());
        let rt = RoundRobin::new();
        let (l, g) = (log.clone(), gate.clone());
        rt.spawn(move || {
            l.borrow_mut().push("await".into());
            let value = green_await(Opened(g));
            l.borrow_mut().push(format!("got {value}"));
        });
        let (l, g) = (log.clone(), gate.clone());
        rt.spawn(move || {
            for tick in 1..=3 {
                l.borrow_mut().push(format!("tick {tick}"));
                yieldpoint::yield_now();
            }
            l.borrow_mut().push("open".into());
            g.open(42); // woken from another green thread
        });
        rt.run();
        assert_eq!(gate.polls(), 2, "polled once pending, once after the wake");
        Rc::try_unwrap(log).unwrap().into_inner()
    });
    assert_eq!(
        log,
        ["await", "tick 1", "tick 2", "tick 3", "open", "got 42"],
        "the awaiting green thread parks; the ticker runs meanwhile"
    );
}
// ANCHOR_END: example_test

#[test]
fn it_polls_again_only_after_a_wake() {
    grading("green_await");
    let mut rng = Rng::new();
    for _ in 0..5 {
        let nudges = rng.below(5);
        let gaps: Vec<usize> = (0..=nudges).map(|_| 1 + rng.below(4)).collect();
        let value = rng.range(0..1000);
        let what =
            format!("{nudges} wakes without a value, then the value, yields between: {gaps:?}");
        let (got, polls, wakes, ticks_seen) = within("green_await", BLOCKED, move || {
            RoundRobin::new().block_on(move || {
                let gate = Arc::new(Gate::default());
                let ticks = Rc::new(RefCell::new(0usize));
                let (g, t) = (gate.clone(), ticks.clone());
                let opener = yieldpoint::spawn_local(move || {
                    for (i, gap) in gaps.iter().enumerate() {
                        for _ in 0..*gap {
                            *t.borrow_mut() += 1;
                            yieldpoint::yield_now();
                        }
                        if i < nudges {
                            g.nudge();
                        } else {
                            g.open(value);
                        }
                    }
                });
                let got = green_await(Opened(gate.clone()));
                opener.join().unwrap();
                let seen = *ticks.borrow();
                (got, gate.polls(), gate.wakes(), seen)
            })
        });
        assert_eq!(got, value, "the output ({what})");
        assert!(ticks_seen > 0, "the opener ran ({what})");
        assert_eq!(
            polls,
            wakes + 1,
            "polled {polls} times for {wakes} wakes: poll once, then once per wake, never \
             in between (a loop of poll and yield_now spins) ({what})"
        );
    }
}

#[test]
fn a_wake_during_the_poll_is_not_lost() {
    grading("green_await");
    for pending in [1, 2, 5] {
        let (polls, rescued) = within("green_await", BLOCKED, move || {
            RoundRobin::new().block_on(move || {
                let waker = Rc::new(RefCell::new(None::<Waker>));
                let done = Rc::new(RefCell::new(false));
                let rescued = Rc::new(RefCell::new(false));
                // If the awaiter is still parked after 50 turns, its wake-up was lost:
                // wake it again so that the test ends, and say so.
                let (w, d, r) = (waker.clone(), done.clone(), rescued.clone());
                let rescuer = yieldpoint::spawn_local(move || {
                    for _ in 0..50 {
                        yieldpoint::yield_now();
                    }
                    while !*d.borrow() {
                        *r.borrow_mut() = true;
                        if let Some(waker) = w.borrow().clone() {
                            waker.wake();
                        }
                        yieldpoint::yield_now();
                    }
                });
                let polls = green_await(WakesDuringPoll {
                    pending,
                    polls: 0,
                    waker,
                });
                *done.borrow_mut() = true;
                rescuer.join().unwrap();
                let rescued = *rescued.borrow();
                (polls, rescued)
            })
        });
        assert!(
            !rescued,
            "a future that wakes its waker during its poll (before returning Pending) was \
             never polled again: the wake-up was lost (clear the event before the poll, \
             not after it)"
        );
        assert_eq!(polls, pending + 1, "woken {pending} times during its polls");
    }
}

#[test]
fn woken_from_another_os_thread() {
    grading("green_await");
    let mut rng = Rng::new();
    let value = rng.range(0..1000);
    let (got, polls) = within("green_await", BLOCKED, move || {
        RoundRobin::new().block_on(move || {
            let gate = Arc::new(Gate::default());
            let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
            let g = gate.clone();
            // Opens the gate once the awaiter has polled it (its waker is stored).
            let thread = std::thread::spawn(move || {
                ready_rx.recv().unwrap();
                while g.waker.lock().unwrap().is_none() {
                    std::thread::yield_now();
                }
                g.open(value);
            });
            ready_tx.send(()).unwrap();
            let got = green_await(Opened(gate.clone()));
            thread.join().unwrap();
            (got, gate.polls())
        })
    });
    assert_eq!(got, value);
    assert_eq!(
        polls, 2,
        "polled once pending, once after the other thread's wake"
    );
}

#[test]
fn many_awaiters_each_get_their_own_value() {
    grading("green_await");
    let mut rng = Rng::new();
    let n = 3 + rng.below(5);
    let order = rng.shuffled(n);
    let results = within("green_await", BLOCKED, move || {
        RoundRobin::new().block_on(move || {
            let gates: Vec<Arc<Gate>> = (0..n).map(|_| Arc::new(Gate::default())).collect();
            let awaiters: Vec<_> = gates
                .iter()
                .map(|gate| {
                    let gate = gate.clone();
                    yieldpoint::spawn_local(move || {
                        let value = green_await(Opened(gate.clone()));
                        (value, gate.polls())
                    })
                })
                .collect();
            yieldpoint::yield_now(); // every awaiter polls and parks
            for &i in &order {
                gates[i].open(100 + i as u64);
                yieldpoint::yield_now();
            }
            awaiters
                .into_iter()
                .map(|a| a.join().unwrap())
                .collect::<Vec<_>>()
        })
    });
    for (i, (value, polls)) in results.into_iter().enumerate() {
        assert_eq!(
            value,
            100 + i as u64,
            "awaiter {i} gets its own gate's value"
        );
        assert_eq!(
            polls, 2,
            "awaiter {i}: polled once pending, once after its wake"
        );
    }
}
