//! How a task's end reaches its `JoinHandle`: the completion word of `state.rs`, with the
//! joiner's [`Waiter`] and the task's [`JoinError`].
//!
//! A task has one owner (the scheduler thread that runs it) and at most one joiner (the
//! `JoinHandle`, whose `join` takes it by value). The owner publishes the task's end (its
//! value is in the task cell, `cell.rs`; its error here) with one release
//! read-modify-write; the joiner reads them after an acquire saw it. `state.rs` draws the
//! bits, says who may touch the waiter when, and has their loom model tests.

use super::state::JoinState;
use super::waiter::{park_current, Waiter};
use super::{JoinError, WaitReason};

/// The end of one task as its owner and its joiner share it.
pub(crate) struct Completion {
    join: JoinState<Waiter, JoinError>,
}

impl Completion {
    pub(crate) fn new() -> Self {
        Completion {
            join: JoinState::new(),
        }
    }

    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.join.is_finished()
    }

    /// Publishes the task's end (with `error` if it produced no value) and wakes its
    /// joiner: `true` if the `JoinHandle` is gone, so the caller must drop the value.
    /// Called by the task's owner thread; a second call changes nothing.
    pub(crate) fn finish(&self, error: Option<JoinError>) -> bool {
        let finished = self.join.finish(error);
        if let Some(joiner) = finished.joiner {
            joiner.wake();
        }
        finished.detached
    }

    /// Parks the calling task (or blocks the calling thread) until the task has finished.
    ///
    /// Only the task's one joiner calls this. A wakeup that finds the task unfinished (a
    /// stale park token) parks again. Inlined, so that a green thread parks in the frame
    /// that called `join` (see "Return-address prediction" in `sched/local.rs`).
    #[inline(always)]
    pub(crate) fn wait(&self) {
        self.join
            .wait(Waiter::current, || park_current(WaitReason::Join));
    }

    /// Records that the `JoinHandle` is gone: `true` if the task has finished, so the
    /// caller must drop the value.
    pub(crate) fn detach(&self) -> bool {
        self.join.detach()
    }

    /// The error the task ended with, if any.
    ///
    /// # Safety
    ///
    /// The caller is the task's one joiner, it saw [`is_finished`](Self::is_finished)
    /// return `true`, and nothing else takes the error.
    pub(crate) unsafe fn take_error(&self) -> Option<JoinError> {
        // SAFETY: per this function's contract, which is `JoinState::take_error`'s.
        unsafe { self.join.take_error() }
    }
}
