//! Grader for exercise V.3 (`src/part5/thread_waker.rs`): `block_on` drives scripted
//! futures that count their polls and the wake-ups they caused, and panic when polled
//! without one. Wake-ups come during the poll, from other threads, after stray unparks,
//! and from a green thread of a `WorkQueue`. Each `block_on` runs on a thread of its own,
//! so that a lost wake-up (a thread parked for good) fails after 10 s instead of hanging.

mod support;

support::exercise!(
    thread_waker,
    "../../src/part5/thread_waker.rs",
    "../../solutions/part5/thread_waker.rs"
);

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::support::gen::Rng;
use crate::support::grading;
use thread_waker::block_on;

/// Runs `test` on a new thread and returns its result; fails if it has not returned after
/// 10 s: the thread parked and no wake-up reached it.
fn on_own_thread<T: Send + 'static>(what: &str, test: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        grading("thread_waker"); // the hint, for a panic on this thread
        let _ = done.send(test());
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(value) => {
            thread.join().unwrap();
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the thread sends before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "{what}: block_on did not return within 10 s. Its thread is parked and the \
             wake-up that should have woken it was lost (rule 2), for example a wake-up \
             during the poll that was cleared after the poll"
        ),
    }
}

/// What a scripted future saw: its polls, and the wake-ups it arranged.
#[derive(Default)]
struct Seen {
    polls: AtomicUsize,
    wakes: AtomicUsize,
}

impl Seen {
    /// Counts a poll; panics if it is one more than the wake-ups so far allow (rule 1).
    fn poll(&self, what: &str) -> usize {
        let polls = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
        let wakes = self.wakes.load(Ordering::SeqCst);
        assert!(
            polls <= wakes + 1,
            "{what}: poll {polls} came after only {wakes} wake-ups; block_on must poll \
             again only after the waker was woken (park can return with no wake-up at all)"
        );
        polls
    }

    fn wake(&self, waker: &Waker) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        waker.wake_by_ref();
    }
}

// ANCHOR: example_test
#[test]
fn a_wake_up_during_the_poll_is_not_lost() {
    grading("thread_waker");
    for n in [0, 1, 5, 100] {
        let polls = on_own_thread("a future that wakes itself in every poll", move || {
            let seen = Seen::default();
            let mut left = n;
            block_on(std::future::poll_fn(|cx| {
                seen.poll("a self-waking countdown");
                if left == 0 {
                    return Poll::Ready(());
                }
                left -= 1;
                seen.wake(cx.waker()); // before poll returns
                Poll::Pending
            }));
            seen.polls.load(Ordering::SeqCst)
        });
        assert_eq!(polls, n + 1, "a countdown from {n}: polls");
    }
}
// ANCHOR_END: example_test

#[test]
fn a_ready_future_is_polled_once() {
    grading("thread_waker");
    let mut rng = Rng::new();
    let x = rng.range(0..1000);
    let (value, polls) = on_own_thread("a ready future", move || {
        let seen = Seen::default();
        let value = block_on(async {
            seen.poll("async { x * 2 }");
            x * 2
        });
        (value, seen.polls.load(Ordering::SeqCst))
    });
    assert_eq!(value, x * 2, "block_on(async {{ {x} * 2 }})");
    assert_eq!(polls, 1);
}

/// A future woken `wakes` times from a helper thread, each time after it was polled; the
/// helper also unparks the blocked thread `stray` times before each wake-up.
fn woken_from_another_thread(wakes: usize, stray: usize) -> usize {
    on_own_thread("a future woken from another thread", move || {
        let seen = Arc::new(Seen::default());
        let (polled, on_poll) = mpsc::channel::<Waker>();
        let blocked = std::thread::current();
        let helper = {
            let seen = seen.clone();
            std::thread::spawn(move || {
                for waker in on_poll.iter().take(wakes) {
                    for _ in 0..stray {
                        blocked.unpark(); // not a wake-up
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    std::thread::sleep(Duration::from_millis(2));
                    seen.wake(&waker);
                }
            })
        };
        if stray > 0 {
            std::thread::current().unpark(); // a token before the first park, too
        }
        block_on(std::future::poll_fn(|cx| {
            let polls = seen.poll("a future woken from another thread");
            if polls > wakes {
                return Poll::Ready(());
            }
            polled.send(cx.waker().clone()).unwrap();
            Poll::Pending
        }));
        helper.join().unwrap();
        seen.polls.load(Ordering::SeqCst)
    })
}

#[test]
fn a_wake_up_from_another_thread_unparks_it() {
    grading("thread_waker");
    for wakes in [1, 3, 20] {
        assert_eq!(woken_from_another_thread(wakes, 0), wakes + 1);
    }
}

#[test]
fn an_unpark_that_is_not_a_wake_up_does_not_poll() {
    grading("thread_waker");
    for wakes in [1, 4] {
        assert_eq!(woken_from_another_thread(wakes, 3), wakes + 1);
    }
}

#[test]
fn it_awaits_a_green_thread_of_a_work_queue() {
    grading("thread_waker");
    let mut rng = Rng::new();
    let x = rng.range(0..1000);
    let joined = on_own_thread("a JoinHandle of a WorkQueue task", move || {
        let rt = yieldpoint::sched::WorkQueue::new();
        let handle = rt.spawn(move || {
            yieldpoint::sleep(Duration::from_millis(5));
            x + 1
        });
        block_on(handle) // woken from the worker thread when the task ends
    });
    assert_eq!(joined.expect("the task ends"), x + 1);
}
