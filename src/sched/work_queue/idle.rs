//! Idle workers: a list of parked worker threads to wake when work arrives.

use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::{self, Thread};
use std::time::Instant;

/// Worker threads parked for lack of work.
#[derive(Default)]
pub(super) struct Sleepers {
    parked: Mutex<Vec<Thread>>,
    /// `parked.len()`, readable without the lock.
    count: AtomicUsize,
}

impl Sleepers {
    /// Wakes one parked worker, if any. Called after queueing new work.
    pub(super) fn wake_one(&self) {
        // Pairs with the fence in `park`: either we see the sleeper, or it sees the work.
        fence(Ordering::SeqCst);
        if self.count.load(Ordering::SeqCst) == 0 {
            return;
        }
        let thread = {
            let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
            let thread = parked.pop();
            self.count.store(parked.len(), Ordering::SeqCst);
            thread
        };
        if let Some(thread) = thread {
            thread.unpark();
        }
    }

    /// Parks the calling worker until woken or `deadline`, unless `has_work()` says there
    /// is something to do after it registered.
    pub(super) fn park(&self, has_work: impl Fn() -> bool, deadline: Option<Instant>) {
        let me = thread::current();
        {
            let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
            parked.push(me.clone());
            self.count.store(parked.len(), Ordering::SeqCst);
        }
        fence(Ordering::SeqCst);
        if !has_work() {
            match deadline {
                Some(deadline) => {
                    let now = Instant::now();
                    if deadline > now {
                        thread::park_timeout(deadline - now);
                    }
                }
                None => thread::park(),
            }
        }
        let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
        parked.retain(|t| t.id() != me.id());
        self.count.store(parked.len(), Ordering::SeqCst);
    }
}
