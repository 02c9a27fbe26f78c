//! A thread-safe drop counter for green-thread tests: proof that cancelling or dropping a
//! task ran the destructors on its stack.
//!
//! Unlike `drop_counter.rs` (`Rc`-based, for coroutines), tokens here are `Send`, so they
//! can move into tasks of a scheduler that requires `Send` closures. Reach it as
//! `support::sync_drop_counter` after `mod support;`, or include it alone with
//! `#[path = "support/sync_drop_counter.rs"] mod sync_drop_counter;`.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts how many of its [`Token`]s have been dropped; clones share the count.
#[derive(Debug, Clone, Default)]
pub struct DropCounter {
    dropped: Arc<AtomicUsize>,
}

impl DropCounter {
    /// A counter with no drops yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new token; dropping it adds one to [`dropped`](Self::dropped).
    pub fn token(&self) -> Token {
        Token {
            dropped: self.dropped.clone(),
        }
    }

    /// How many tokens have been dropped so far.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

/// A value whose destructor increments its [`DropCounter`] (a `finally` block stand-in).
#[derive(Debug)]
pub struct Token {
    dropped: Arc<AtomicUsize>,
}

impl Drop for Token {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}
