//! Counting destructors: proof that unwinding a coroutine's stack ran its `Drop`s.
//!
//! Python's `finally` blocks are what `close` and an uncaught `throw` must run; in Rust
//! that is every destructor on the coroutine's stack. A [`DropCounter`] hands out
//! [`Token`]s and counts how many were dropped; a [`DropLog`] records the order.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Counts how many of its [`Token`]s have been dropped.
///
/// Clones share the count, so one clone can move into a coroutine body while the test
/// keeps another.
#[derive(Debug, Clone, Default)]
pub struct DropCounter {
    dropped: Rc<Cell<usize>>,
}

impl DropCounter {
    /// A counter with no drops yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new token; dropping it adds one to [`dropped`](Self::dropped).
    pub fn token(&self) -> Token {
        Token {
            dropped: Rc::clone(&self.dropped),
        }
    }

    /// How many tokens have been dropped so far.
    pub fn dropped(&self) -> usize {
        self.dropped.get()
    }
}

/// A value whose destructor increments its [`DropCounter`] (a `finally` block stand-in).
#[derive(Debug)]
pub struct Token {
    dropped: Rc<Cell<usize>>,
}

impl Drop for Token {
    fn drop(&mut self) {
        self.dropped.set(self.dropped.get() + 1);
    }
}

/// Records the labels of dropped [`LogEntry`]s in drop order, to check that unwinding
/// runs destructors innermost first, like nested `finally` blocks.
#[derive(Debug, Clone, Default)]
pub struct DropLog {
    labels: Rc<RefCell<Vec<&'static str>>>,
}

impl DropLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A value that appends `label` to this log when dropped.
    pub fn entry(&self, label: &'static str) -> LogEntry {
        LogEntry {
            label,
            labels: Rc::clone(&self.labels),
        }
    }

    /// The labels dropped so far, oldest first.
    pub fn labels(&self) -> Vec<&'static str> {
        self.labels.borrow().clone()
    }
}

/// A value whose destructor appends its label to its [`DropLog`].
#[derive(Debug)]
pub struct LogEntry {
    label: &'static str,
    labels: Rc<RefCell<Vec<&'static str>>>,
}

impl Drop for LogEntry {
    fn drop(&mut self) {
        self.labels.borrow_mut().push(self.label);
    }
}
