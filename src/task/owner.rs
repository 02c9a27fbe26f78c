//! The part of a scheduler thread that other threads reach: an inbox of woken tasks and
//! what wakes the idle owner thread.
//!
//! Every started task has one owner (the thread that runs it, see `sched`), recorded in its
//! header; a wakeup from another thread goes through the owner's inbox (the protocol and
//! its loom model: `state.rs`).

use std::sync::Arc;
use std::thread::Thread;

use super::cell::TaskRef;
use super::context;
use super::state::Inbox;

/// Wakes an idle scheduler thread: implemented by the thread's reactor, where it waits.
pub(crate) trait Unpark: Send + Sync {
    /// Wakes the thread if it waits (or is about to: the waiter checks again what was
    /// published before this call, see `reactor::Reactor::park`).
    fn unpark(&self);
}

/// A scheduler thread's inbox for wakeups of its tasks.
pub(crate) struct Owner {
    /// Tasks woken from other threads.
    inbox: Inbox<TaskRef>,
    /// The owner thread.
    thread: Thread,
    /// Wakes the owner thread when work arrives while it is idle.
    unparker: Arc<dyn Unpark>,
}

impl Owner {
    /// The inbox of a scheduler that runs on the calling thread and idles where
    /// `unparker` wakes it.
    pub(crate) fn for_current_thread(unparker: Arc<dyn Unpark>) -> Arc<Owner> {
        Arc::new(Owner {
            inbox: Inbox::new(),
            thread: std::thread::current(),
            unparker,
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
        self.unparker.unpark();
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

    /// Wakes the owner thread if it is idle, with no task to run: it then looks at what
    /// else was asked of it (a task dump on a signal, `sched::signal`).
    pub(crate) fn wake_thread(&self) {
        self.unparker.unpark();
    }

    /// The owner thread.
    pub(crate) fn thread(&self) -> &Thread {
        &self.thread
    }
}
