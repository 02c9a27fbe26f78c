//! Idle workers: the count of those searching for work, and a list of parked worker
//! threads to wake when work arrives and nobody searches.
//!
//! Its atomics, lock and threads come from [`crate::loom`], so the loom model beside it
//! (`idle/loom_idle.rs`) runs this very code: a worker that parks while work is pushed
//! from another thread is always woken or finds the work (no lost wakeup), whoever comes
//! first.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::loom::{fence, AtomicUsize, Mutex, Ordering};
use crate::reactor::Reactor;

#[cfg(all(test, yieldpoint_loom))]
mod loom_idle;

/// How a parked worker waits and is woken: its reactor (a loom thread in the model).
pub(super) trait Sleeper: Clone {
    /// Waits until woken or `deadline`, unless `has_work()` says there is something to do
    /// once the wait counts (see `Reactor::park`).
    fn sleep(&self, deadline: Option<Instant>, has_work: &impl Fn() -> bool);
    /// Wakes the sleeper's current or coming [`sleep`](Self::sleep).
    fn wake(&self);
    /// Whether both are the same worker.
    fn is(&self, other: &Self) -> bool;
}

impl Sleeper for Arc<Reactor> {
    fn sleep(&self, deadline: Option<Instant>, has_work: &impl Fn() -> bool) {
        self.park(deadline, has_work);
    }

    fn wake(&self) {
        self.unpark();
    }

    fn is(&self, other: &Self) -> bool {
        Arc::ptr_eq(self, other)
    }
}

/// Worker threads parked for lack of work.
pub(super) struct Sleepers<S = Arc<Reactor>> {
    parked: Mutex<Vec<S>>,
    /// `parked.len()`, readable without the lock.
    count: AtomicUsize,
    /// Workers looking for work before they park: new work needs no wakeup while one is.
    searching: AtomicUsize,
}

/// How long an idle worker keeps looking for work before it parks.
const SEARCH_FOR: Duration = Duration::from_micros(50);

impl<S> Default for Sleepers<S> {
    fn default() -> Self {
        Sleepers {
            parked: Mutex::new(Vec::new()),
            count: AtomicUsize::new(0),
            searching: AtomicUsize::new(0),
        }
    }
}

impl<S: Sleeper> Sleepers<S> {
    /// Wakes one parked worker, if any and if no worker is searching (that one will find
    /// the work). Called after queueing new work.
    pub(super) fn wake_one(&self) {
        // Pairs with the fence in `park`: either we see the sleeper, or it sees the work.
        fence(Ordering::SeqCst);
        if self.searching.load(Ordering::SeqCst) > 0 || self.count.load(Ordering::SeqCst) == 0 {
            return;
        }
        let sleeper = {
            let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
            let sleeper = parked.pop();
            self.count.store(parked.len(), Ordering::SeqCst);
            sleeper
        };
        if let Some(sleeper) = sleeper {
            sleeper.wake();
        }
    }

    /// Wakes every parked worker (after a shutdown flag was set).
    pub(super) fn wake_all(&self) {
        fence(Ordering::SeqCst);
        let parked = {
            let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
            self.count.store(0, Ordering::SeqCst);
            std::mem::take(&mut *parked)
        };
        for sleeper in parked {
            sleeper.wake();
        }
    }

    /// Searches for a while, then parks the calling worker (`me`) until woken or
    /// `deadline`, unless `has_work()` says there is something to do after it registered.
    ///
    /// A searcher stops counting as one before it registers to park, and checks
    /// `has_work()` once more after the fence: so either `wake_one` sees it searching or
    /// parked, or it sees the new work.
    ///
    /// `spin` is the worker's own: whether it searches for [`SEARCH_FOR`] or looks once.
    /// A search that finds nothing turns it off (this worker's work does not come from
    /// other threads within a spin: an I/O-driven worker, whose spin would only take the
    /// CPU from others); a park that another thread ends with work soon after it began
    /// turns it back on (a spin would have caught that work without the wake-up's cost).
    pub(super) fn park(
        &self,
        me: &S,
        spin: &Cell<bool>,
        has_work: impl Fn() -> bool,
        deadline: Option<Instant>,
    ) {
        let spin_for = if spin.get() {
            SEARCH_FOR
        } else {
            Duration::ZERO
        };
        if self.search(&has_work, spin_for) {
            return;
        }
        spin.set(false);
        {
            let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
            parked.push(me.clone());
            self.count.store(parked.len(), Ordering::SeqCst);
        }
        fence(Ordering::SeqCst);
        if !has_work() {
            let parked_at = Instant::now();
            me.sleep(deadline, &has_work);
            if has_work() && parked_at.elapsed() <= 2 * SEARCH_FOR {
                spin.set(true);
            }
        }
        let mut parked = self.parked.lock().unwrap_or_else(|e| e.into_inner());
        parked.retain(|s| !s.is(me));
        self.count.store(parked.len(), Ordering::SeqCst);
    }

    /// Looks for work for `spin_for` (at least once); `true` if some arrived.
    fn search(&self, has_work: &impl Fn() -> bool, spin_for: Duration) -> bool {
        self.searching.fetch_add(1, Ordering::SeqCst);
        let until = Instant::now() + spin_for;
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

#[cfg(all(test, not(yieldpoint_loom)))]
mod tests {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::thread::{self, Thread};
    use std::time::{Duration, Instant};

    use super::{Sleeper, Sleepers};

    /// A worker that sleeps as a parked OS thread.
    #[derive(Clone)]
    struct Parked(Thread);

    impl Sleeper for Parked {
        fn sleep(&self, deadline: Option<Instant>, has_work: &impl Fn() -> bool) {
            let until = deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(5));
            while !has_work() {
                match until.checked_duration_since(Instant::now()) {
                    Some(left) => thread::park_timeout(left),
                    None => return,
                }
            }
        }

        fn wake(&self) {
            self.0.unpark();
        }

        fn is(&self, other: &Self) -> bool {
            self.0.id() == other.0.id()
        }
    }

    /// A search that finds nothing turns the worker's spin off, and a park that ends at
    /// its deadline without work leaves it off: an idle or I/O-driven worker stops spinning.
    #[test]
    fn a_fruitless_search_turns_the_spin_off() {
        let sleepers = Sleepers::<Parked>::default();
        let me = Parked(thread::current());
        let spin = Cell::new(true);
        let deadline = Instant::now() + Duration::from_millis(1);
        sleepers.park(&me, &spin, || false, Some(deadline));
        assert!(!spin.get());
    }

    /// A park that another thread ends with work soon after it began turns the spin back
    /// on. The wake must come within two spins (100 µs) of the park, which a loaded machine
    /// may miss: one success in 50 tries is asked.
    #[test]
    fn work_that_comes_soon_after_a_park_turns_the_spin_on() {
        let turned_on = (0..50).any(|_| {
            let sleepers = Arc::new(Sleepers::<Parked>::default());
            let work = Arc::new(AtomicBool::new(false));
            let waker = {
                let (sleepers, work) = (sleepers.clone(), work.clone());
                thread::spawn(move || {
                    while sleepers.count.load(Ordering::SeqCst) == 0 {
                        std::hint::spin_loop();
                    }
                    work.store(true, Ordering::SeqCst);
                    sleepers.wake_one();
                })
            };
            let spin = Cell::new(false);
            let has_work = || work.load(Ordering::SeqCst);
            sleepers.park(&Parked(thread::current()), &spin, has_work, None);
            waker.join().unwrap();
            spin.get()
        });
        assert!(turned_on);
    }
}
