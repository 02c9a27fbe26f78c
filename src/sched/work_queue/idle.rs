//! Idle workers: the count of those searching for work, and a list of parked worker
//! threads to wake when work arrives and nobody searches.
//!
//! Its atomics, lock and threads come from [`crate::loom`], so the loom model beside it
//! (`idle/loom_idle.rs`) runs this very code: a worker that parks while work is pushed
//! from another thread is always woken or finds the work (no lost wakeup), whoever comes
//! first.

use std::time::Instant;

use crate::loom::thread::{self, Thread};
use crate::loom::{fence, AtomicUsize, Mutex, Ordering};

#[cfg(all(test, yieldpoint_loom))]
mod loom_idle;

/// Worker threads parked for lack of work.
#[derive(Default)]
pub(super) struct Sleepers {
    parked: Mutex<Vec<Thread>>,
    /// `parked.len()`, readable without the lock.
    count: AtomicUsize,
    /// Workers looking for work before they park: new work needs no wakeup while one is.
    searching: AtomicUsize,
}

/// How long an idle worker keeps looking for work before it parks.
const SEARCH_FOR: std::time::Duration = std::time::Duration::from_micros(50);

impl Sleepers {
    /// Wakes one parked worker, if any and if no worker is searching (that one will find
    /// the work). Called after queueing new work.
    pub(super) fn wake_one(&self) {
        // Pairs with the fence in `park`: either we see the sleeper, or it sees the work.
        fence(Ordering::SeqCst);
        if self.searching.load(Ordering::SeqCst) > 0 || self.count.load(Ordering::SeqCst) == 0 {
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

    /// Searches for a while, then parks the calling worker until woken or `deadline`,
    /// unless `has_work()` says there is something to do after it registered.
    ///
    /// A searcher stops counting as one before it registers to park, and checks
    /// `has_work()` once more after the fence: so either `wake_one` sees it searching or
    /// parked, or it sees the new work.
    pub(super) fn park(&self, has_work: impl Fn() -> bool, deadline: Option<Instant>) {
        if self.search(&has_work) {
            return;
        }
        let me = thread::current();
        {
            let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
            parked.push(me.clone());
            self.count.store(parked.len(), Ordering::SeqCst);
        }
        fence(Ordering::SeqCst);
        if !has_work() {
            match deadline {
                Some(deadline) => park_until(deadline),
                None => thread::park(),
            }
        }
        let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
        parked.retain(|t| t.id() != me.id());
        self.count.store(parked.len(), Ordering::SeqCst);
    }

    /// Looks for work for a short while; `true` if some arrived.
    fn search(&self, has_work: &impl Fn() -> bool) -> bool {
        self.searching.fetch_add(1, Ordering::SeqCst);
        let until = Instant::now() + SEARCH_FOR;
        let found = loop {
            if has_work() {
                break true;
            }
            // A loom model has no clock: it searches once (the interleavings around the
            // search are what it checks).
            if cfg!(yieldpoint_loom) || Instant::now() >= until {
                break false;
            }
            for _ in 0..32 {
                std::hint::spin_loop();
            }
        };
        self.searching.fetch_sub(1, Ordering::SeqCst);
        found
    }
}

/// Parks the calling worker until `deadline` (or a wakeup).
#[cfg(not(yieldpoint_loom))]
fn park_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        std::thread::park_timeout(deadline - now);
    }
}

/// Loom has no clock: a timed park is a park (the models set no deadlines).
#[cfg(yieldpoint_loom)]
fn park_until(_deadline: Instant) {
    thread::park();
}
