//! The part of a scheduler thread other threads can reach: an inbox of woken tasks and
//! the thread handle that unparks the idle owner.

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

    /// Makes `task` (owned by this scheduler) runnable: straight onto the run queue when
    /// called on the owner thread, else through the inbox.
    pub(crate) fn schedule(&self, task: Arc<Header>) {
        let mut task = Some(task);
        context::with_local(|local| local.push_if_owner(self, &mut task));
        let Some(task) = task else {
            return;
        };
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
