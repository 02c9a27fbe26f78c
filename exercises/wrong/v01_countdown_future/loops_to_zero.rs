//! Known-wrong solution of exercise V.1 (cheat class: run to the end instead of one step per poll).
//!
//! The whole countdown runs inside the first poll, which is then Ready: a loop inside
//! `poll` is a blocking call, and nothing else runs until it ends.

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
        while self.remaining > 0 {
            self.remaining -= 1;
        }
        Poll::Ready(())
    }
}
