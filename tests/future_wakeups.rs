//! Wakers of green threads that await futures (`future::await_`) are sound in every order:
//! a wake before the poll returns, wakes from other OS threads by the million, and a wake
//! after the task ended (the last is in `future_join.rs`, with the scheduler's drop).
//!
//! Python: `loop.call_soon_threadsafe(fut.set_result, v)`: another thread completes a future
//! a coroutine awaits.

#[macro_use]
mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// One green thread's signal: the round it may pass, and the waker of its poll for the
/// round it waits for.
#[derive(Default)]
struct Signal {
    /// Rounds fired so far.
    fired: AtomicU64,
    /// The round the green thread waits for, and its waker.
    waiting: Mutex<Option<(u64, Waker)>>,
}

/// The future of round `round` of `signal`.
struct Round<'a> {
    signal: &'a Signal,
    round: u64,
}

impl Future for Round<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut waiting = self.signal.waiting.lock().unwrap();
        if self.signal.fired.load(Ordering::SeqCst) >= self.round {
            return Poll::Ready(());
        }
        *waiting = Some((self.round, cx.waker().clone()));
        Poll::Pending
    }
}

/// How many wake-ups the big test makes: `YIELDPOINT_WAKEUPS` if set, else 10⁶.
fn wakeups() -> u64 {
    std::env::var("YIELDPOINT_WAKEUPS").map_or(1_000_000, |n| n.parse().expect("a number"))
}

/// Inside a scheduler: `tasks` green threads await `wakeups / tasks` rounds each; two OS
/// threads fire each round of each signal once the green thread waits for it, and wake it.
/// Returns the wakes made; every green thread must finish.
fn wake_parked_green_threads(tasks: usize, wakeups: u64) -> u64 {
    let rounds = wakeups / tasks as u64;
    let signals: Arc<Vec<Signal>> = Arc::new((0..tasks).map(|_| Signal::default()).collect());
    let finished = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|i| {
            let (signals, finished) = (signals.clone(), finished.clone());
            let small = yieldpoint::task::Builder::new().stack_size(0); // 10,000 stacks
            small
                .spawn(move || {
                    for round in 1..=rounds {
                        yieldpoint::future::await_(Round {
                            signal: &signals[i],
                            round,
                        });
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap()
        })
        .collect();
    let wakers: Vec<_> = (0..2)
        .map(|half| {
            let signals = signals.clone();
            std::thread::spawn(move || {
                let mut wakes = 0u64;
                for round in 1..=rounds {
                    for signal in signals.iter().skip(half).step_by(2) {
                        let waker = loop {
                            let mut waiting = signal.waiting.lock().unwrap();
                            match waiting.take() {
                                Some((r, waker)) if r == round => {
                                    signal.fired.store(round, Ordering::SeqCst);
                                    break waker;
                                }
                                other => *waiting = other,
                            }
                            drop(waiting);
                            std::thread::yield_now(); // the green thread has not polled yet
                        };
                        waker.wake();
                        wakes += 1;
                    }
                }
                wakes
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(finished.load(Ordering::SeqCst), tasks);
    yieldpoint::spawn_blocking(move || wakers.into_iter().map(|w| w.join().unwrap()).sum())
}

/// A future that wakes its own waker during its first poll, then returns `Pending`.
struct WakesDuringPoll {
    polls: u32,
}

impl Future for WakesDuringPoll {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls += 1;
        if self.polls == 1 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.polls)
    }
}

on_both_schedulers! {
    /// 10⁶ wake-ups from two OS threads (`YIELDPOINT_WAKEUPS` sets the count) reach 10,000
    /// parked green threads: none is lost, every task finishes.
    #[test]
    fn a_million_cross_thread_wakeups_reach_ten_thousand_parked_green_threads() {
        let rt = rt();
        let (tasks, wakeups) = (10_000, wakeups());
        let wakes = rt.block_on(move || wake_parked_green_threads(tasks, wakeups));
        assert_eq!(wakes, wakeups / tasks as u64 * tasks as u64);
    }

    /// A wake during the poll, before it returns `Pending`: the green thread does not park
    /// for good, it polls again at once.
    #[test]
    fn a_wake_before_the_poll_returns_is_not_lost() {
        let polls = rt().block_on(|| yieldpoint::future::await_(WakesDuringPoll { polls: 0 }));
        assert_eq!(polls, 2);
    }

    /// A waker woken after its task ended does nothing.
    #[test]
    fn a_wake_after_the_task_ended_does_nothing() {
        let rt = rt();
        let kept: Arc<Mutex<Option<Waker>>> = Arc::default();
        let keeps = kept.clone();
        let value = rt.block_on(move || {
            yieldpoint::spawn(move || {
                yieldpoint::future::await_(std::future::poll_fn(|cx| {
                    *keeps.lock().unwrap() = Some(cx.waker().clone());
                    Poll::Ready(7)
                }))
            })
            .join()
            .unwrap()
        });
        assert_eq!(value, 7);
        let waker = kept.lock().unwrap().take().unwrap();
        waker.wake_by_ref();
        assert_eq!(rt.block_on(|| 8), 8); // the scheduler goes on unharmed
        waker.wake();
    }
}
