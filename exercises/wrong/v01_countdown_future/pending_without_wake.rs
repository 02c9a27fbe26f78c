//! Known-wrong solution of exercise V.1 (cheat class: Pending without arranging a wake-up).
//!
//! Each poll takes one step, but `Pending` wakes nobody: a real executor never polls it
//! again, and the task that awaits it hangs.

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

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.remaining == 0 {
            return Poll::Ready(());
        }
        self.remaining -= 1;
        Poll::Pending
    }
}
