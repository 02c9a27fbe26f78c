//! Exercise V.1: a countdown future, written by hand (PEP 492 and `std::future::Future`)
//!
//! You learn what `poll` promises: `Poll::Pending` means "poll me again after I wake you",
//! so a future that is not done must arrange its own wake-up before it returns, through the
//! waker of the `Context` it was just given.
//!
//! ```python
//! # Part I's countdown as an awaitable: each step is one bare `yield`, the loop that
//! # drives it sends None back in (PEP 492, "Await Expression": __await__ returns an
//! # iterator).
//! class Countdown:
//!     def __init__(self, n):
//!         self.remaining = n
//!     def __await__(self):
//!         while self.remaining > 0:
//!             self.remaining -= 1
//!             yield          # Poll::Pending, and "run me again soon"
//!         return None        # Poll::Ready(())
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Counts down from `n` to zero, one step per poll, and is ready once it reaches zero:
/// polled `n + 1` times in all by an executor that polls only woken futures.
#[derive(Debug)]
pub struct Countdown {
    remaining: u32,
}

impl Countdown {
    /// A countdown from `n`.
    pub fn new(n: u32) -> Self {
        Countdown { remaining: n }
    }

    /// The steps still to take: `n` before the first poll, one fewer after each poll that
    /// returned `Pending`, and zero once the countdown is ready.
    pub fn remaining(&self) -> u32 {
        self.remaining
    }
}

impl Future for Countdown {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        // Pending is a promise to wake: through this poll's waker (an executor may hand a
        // different one each time), once, before returning.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
