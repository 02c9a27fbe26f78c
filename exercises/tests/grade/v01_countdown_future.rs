//! Grader for exercise V.1 (`src/part5/countdown_future.rs`): the countdown is polled by
//! hand, with a new counting waker for every poll, and only after it woke the last one
//! (the rule of every executor). Each poll must take one step, and each `Pending` must
//! wake the waker of that poll, once.

mod support;

support::exercise!(
    countdown_future,
    "../../src/part5/countdown_future.rs",
    "../../solutions/part5/countdown_future.rs"
);

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::support::gen::Rng;
use crate::support::grading;
use countdown_future::Countdown;

/// A waker that counts its wake-ups.
#[derive(Default)]
struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// Drives `Countdown::new(n)` as an executor does: one poll per wake-up, a new waker for
/// each poll. Returns the number of polls it took to be ready.
fn drive(n: u32) -> u32 {
    let mut countdown = pin!(Countdown::new(n));
    assert_eq!(countdown.remaining(), n, "Countdown::new({n}).remaining()");
    let mut earlier: Vec<Arc<CountingWaker>> = Vec::new();
    let mut polls = 0;
    loop {
        let waker = Arc::new(CountingWaker::default());
        let waker_handle = Waker::from(waker.clone());
        let mut cx = Context::from_waker(&waker_handle);
        polls += 1;
        assert!(
            polls <= n + 1,
            "Countdown::new({n}) was polled {polls} times and is not ready: it must be \
             ready on poll {} (one step per poll, then Ready)",
            n + 1
        );
        let outcome = countdown.as_mut().poll(&mut cx);
        for (i, old) in earlier.iter().enumerate() {
            assert_eq!(
                old.wakes.load(Ordering::SeqCst),
                1,
                "Countdown::new({n}): poll {} woke the waker of poll {} again; wake the \
                 waker of the poll that returns Pending, the one in its Context (an \
                 executor may pass a new one each time)",
                polls,
                i + 1
            );
        }
        match outcome {
            Poll::Ready(()) => {
                assert_eq!(
                    polls,
                    n + 1,
                    "Countdown::new({n}) was ready on poll {polls}; it must count down one \
                     step per poll and be ready on poll {} (n Pending, then Ready)",
                    n + 1
                );
                assert_eq!(countdown.remaining(), 0, "remaining() once ready");
                return polls;
            }
            Poll::Pending => {
                let wakes = waker.wakes.load(Ordering::SeqCst);
                assert!(
                    wakes != 0,
                    "Countdown::new({n}): poll {polls} returned Pending without waking its \
                     waker; an executor polls only woken futures, so this one would never \
                     be polled again (a hang)"
                );
                assert_eq!(
                    wakes, 1,
                    "Countdown::new({n}): poll {polls} woke its waker {wakes} times; once is \
                     what Pending needs (each wake-up asks for one more poll)"
                );
                assert_eq!(
                    countdown.remaining(),
                    n - polls,
                    "Countdown::new({n}).remaining() after {polls} polls"
                );
                earlier.push(waker);
            }
        }
    }
}

// ANCHOR: example_test
#[test]
fn polled_n_plus_one_times_and_woken_each_time() {
    grading("countdown_future");
    for n in [0, 1, 2, 3, 10] {
        assert_eq!(drive(n), n + 1);
    }
}
// ANCHOR_END: example_test

#[test]
fn generated_counts() {
    grading("countdown_future");
    let mut rng = Rng::new();
    for _ in 0..20 {
        let n = rng.range(0..500) as u32;
        drive(n);
    }
}

#[test]
fn zero_is_ready_at_once() {
    grading("countdown_future");
    let mut countdown = pin!(Countdown::new(0));
    let waker = Arc::new(CountingWaker::default());
    let waker_handle = Waker::from(waker.clone());
    let mut cx = Context::from_waker(&waker_handle);
    assert_eq!(
        countdown.as_mut().poll(&mut cx),
        Poll::Ready(()),
        "Countdown::new(0) is ready on its first poll"
    );
    assert_eq!(
        waker.wakes.load(Ordering::SeqCst),
        0,
        "Countdown::new(0) woke its waker although it was ready: a Ready future asks for \
         no more polls"
    );
}

#[test]
fn awaited_by_an_async_fn_it_completes_inside_it() {
    grading("countdown_future");
    // Awaiting it inside an async block forwards each Pending up to the executor: the
    // block is polled as often as the countdown, n + 1 times.
    let n = 4;
    let after = Arc::new(AtomicUsize::new(0));
    let seen = after.clone();
    let mut task = pin!(async move {
        Countdown::new(n).await;
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let waker = Arc::new(CountingWaker::default());
    let mut polls = 0;
    loop {
        let waker_handle = Waker::from(waker.clone());
        let mut cx = Context::from_waker(&waker_handle);
        polls += 1;
        assert!(polls <= n + 1, "the async block was polled {polls} times");
        if task.as_mut().poll(&mut cx).is_ready() {
            break;
        }
        assert_eq!(
            waker.wakes.load(Ordering::SeqCst),
            polls as usize,
            "each Pending of the countdown wakes the task that awaits it"
        );
    }
    assert_eq!(polls, n + 1, "an async block awaiting Countdown::new({n})");
    assert_eq!(after.load(Ordering::SeqCst), 1);
}
