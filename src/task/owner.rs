//! The part of a scheduler thread that other threads reach: an inbox of woken tasks and
//! the thread handle that unparks the idle owner.
//!
//! Every started task has one owner (the thread that runs it, see `sched`), recorded in its
//! header; a wakeup from another thread goes through the owner's inbox (the protocol and
//! its loom model: `state.rs`).

use std::sync::Arc;
use std::thread::Thread;

use super::cell::TaskRef;
use super::context;
use super::state::Inbox;

/// A scheduler thread's inbox for wakeups of its tasks.
pub(crate) struct Owner {
    /// Tasks woken from other threads.
    inbox: Inbox<TaskRef>,
    /// The owner thread, unparked when work arrives while it is idle.
    thread: Thread,
}

impl Owner {
    /// The inbox of a scheduler that runs on the calling thread.
    pub(crate) fn for_current_thread() -> Arc<Owner> {
        Arc::new(Owner {
            inbox: Inbox::new(),
            thread: std::thread::current(),
        })
    }

    /// Whether this is the inbox of the scheduler running on the calling thread.
    #[inline]
    pub(crate) fn is_current(&self) -> bool {
        context::is_current_owner(self)
    }

    /// Makes `task` (owned by this scheduler, which runs on another thread) runnable:
    /// queues it in the inbox and unparks the owner thread.
    pub(crate) fn send(&self, task: TaskRef) {
        self.inbox.push(task);
        self.thread.unpark();
    }

    /// Takes every task woken from other threads.
    pub(crate) fn drain(&self) -> Vec<TaskRef> {
        self.inbox.drain()
    }

    /// Whether wakeups are waiting in the inbox.
    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        self.inbox.has_pending()
    }

    /// The owner thread.
    pub(crate) fn thread(&self) -> &Thread {
        &self.thread
    }
}
