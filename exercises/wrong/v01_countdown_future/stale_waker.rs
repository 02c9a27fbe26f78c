//! Known-wrong solution of exercise V.1 (cheat class: a stale waker kept from the first poll).
//!
//! The waker of the first poll is stored and woken ever after; an executor that passes a
//! new waker to a later poll (a task moved, a different task awaiting) is never woken.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Counts down from `n` to zero.
#[derive(Debug)]
pub struct Countdown {
    remaining: u32,
    waker: Option<Waker>,
}

impl Countdown {
    /// A countdown from `n`.
    pub fn new(n: u32) -> Self {
        Countdown { remaining: n, waker: None }
    }

    /// The steps still to take.
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
        let waker = self.waker.get_or_insert_with(|| cx.waker().clone()).clone();
        waker.wake();
        Poll::Pending
    }
}
