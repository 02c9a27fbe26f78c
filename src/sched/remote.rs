//! The part of a scheduler thread other threads can reach: an inbox of woken tasks and
//! the thread handle that unparks the idle owner.

use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::Thread;

use super::context;
use crate::task::header::Header;

/// A scheduler thread's inbox for wakeups of its tasks.
pub(crate) struct Remote {
    inbox: Mutex<Vec<Arc<Header>>>,
    /// `true` while `inbox` may be non-empty: lets the owner skip the lock.
    pending: AtomicBool,
    /// The owner thread, unparked when work arrives while it is idle.
    thread: Thread,
}

impl Remote {
    /// The inbox of the calling thread's scheduler.
    pub(crate) fn for_current_thread() -> Arc<Remote> {
        Arc::new(Remote {
            inbox: Mutex::new(Vec::new()),
            pending: AtomicBool::new(false),
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
        self.inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
        self.pending.store(true, Ordering::Release);
        self.thread.unpark();
    }

    /// Takes every task woken from other threads.
    pub(crate) fn drain(&self) -> Vec<Arc<Header>> {
        if !self.pending.swap(false, Ordering::AcqRel) {
            return Vec::new();
        }
        std::mem::take(&mut *self.inbox.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Whether wakeups are waiting in the inbox.
    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// The owner thread.
    pub(crate) fn thread(&self) -> &Thread {
        &self.thread
    }
}
