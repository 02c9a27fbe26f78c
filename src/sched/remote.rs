//! The part of a scheduler thread other threads can reach: an inbox of woken tasks and
//! the thread handle that unparks the idle owner.

use std::ptr;
use std::sync::Arc;
use std::thread::Thread;

use super::context;
use crate::task::header::Header;
use crate::task::state::Inbox;

/// A scheduler thread's inbox for wakeups of its tasks.
pub(crate) struct Remote {
    /// Tasks woken from other threads (the protocol and its loom model: `task/state.rs`).
    inbox: Inbox<Arc<Header>>,
    /// The owner thread, unparked when work arrives while it is idle.
    thread: Thread,
}

impl Remote {
    /// The inbox of the calling thread's scheduler.
    pub(crate) fn for_current_thread() -> Arc<Remote> {
        Arc::new(Remote {
            inbox: Inbox::new(),
            thread: std::thread::current(),
        })
    }

    /// Whether this is the inbox of the scheduler running on the calling thread.
    #[inline]
    pub(crate) fn is_current(&self) -> bool {
        context::with_local(|local| ptr::eq(&*local.remote, self)).unwrap_or(false)
    }

    /// Makes `task` (owned by this scheduler, which runs on another thread) runnable:
    /// queues it in the inbox and unparks the owner thread.
    pub(crate) fn send(&self, task: Arc<Header>) {
        self.inbox.push(task);
        self.thread.unpark();
    }

    /// Takes every task woken from other threads.
    pub(crate) fn drain(&self) -> Vec<Arc<Header>> {
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
