//! Whether a thread waits in its poller: the flag that lets a waker skip the poller's
//! notification (a system call) while the thread is busy, without losing a wakeup.
//!
//! Its atomics come from [`crate::loom`], so the loom model beside it
//! (`sleep/loom_sleep.rs`) runs this very code.

use crate::loom::{fence, AtomicBool, Ordering};

#[cfg(all(test, yieldpoint_loom))]
mod loom_sleep;

/// Set while the owner thread waits (or is about to); see [`sleep`](Self::sleep).
#[derive(Debug, Default)]
pub(super) struct SleepFlag {
    sleeping: AtomicBool,
}

impl SleepFlag {
    /// Runs `wait` unless `has_work()`, checked once the flag is set, says there is
    /// something to do; owner thread only.
    ///
    /// Dekker's pattern with [`wake`](Self::wake): here the flag's store, a fence, then the
    /// loads of `has_work`; there the work's store, a fence, then the flag's load. Either
    /// the waker sees the flag and notifies (`wait` returns at once if the notification
    /// came first: the poller keeps it as a token), or this thread sees the work.
    pub(super) fn sleep(&self, has_work: impl Fn() -> bool, wait: impl FnOnce()) {
        self.sleeping.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if !has_work() {
            wait();
        }
        self.sleeping.store(false, Ordering::SeqCst);
    }

    /// Runs `notify` if the owner thread sleeps or is about to; call it after publishing
    /// what the owner's `has_work` checks. Any thread.
    pub(super) fn wake(&self, notify: impl FnOnce()) {
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::SeqCst) {
            notify();
        }
    }
}
