//! Known-wrong solution of exercise V.1 (cheat class: off by one, Ready on the step to zero).
//!
//! The poll that takes the last step returns Ready at once: `n` polls instead of `n + 1`,
//! and `Countdown::new(0)` underflows.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Counts down from `n` to zero.
#[derive(Debug)]
pub struct Countdown {
    remaining: u32,
}

impl Countdown {
    /// A countdown from `n`.
    pub fn new(n: u32) -> Self {
        Countdown { remaining: n }
    }

    /// The steps still to take.
    pub fn remaining(&self) -> u32 {
        self.remaining
    }
}

impl Future for Countdown {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.remaining -= 1;
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
