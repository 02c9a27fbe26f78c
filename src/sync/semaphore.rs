//! `Semaphore`: a counter of permits tasks wait for.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::wait_list::{AsyncGrant, WaitList};
use crate::task::WaitReason;

/// A count of permits; `acquire` waits while there are none.
///
/// Python: `asyncio.Semaphore` (`acquire`, `release`, `async with sem:`). The permit
/// returned by [`acquire`](Self::acquire) releases itself when dropped, like `async with`.
///
/// # Fairness
///
/// FIFO, as asyncio's `Semaphore` (and tokio's): waiters get permits in the order they
/// started waiting. A release hands its permit straight to the longest-waiting task (or OS
/// thread, or future) instead of adding it to the count, so a task that releases and
/// acquires again at once, or one that arrives later, waits behind them (`try_acquire`
/// fails meanwhile). Only with nobody waiting does the count go up. A waiter handed a
/// permit and cancelled before it runs (or an `acquire_async` future dropped then) passes
/// it on.
///
/// ```
/// use yieldpoint::sync::Semaphore;
///
/// let pool = Semaphore::new(2);
/// let a = pool.acquire();
/// let _b = pool.acquire();
/// assert!(pool.try_acquire().is_none());
/// drop(a);
/// assert!(pool.try_acquire().is_some());
/// ```
pub struct Semaphore {
    permits: AtomicUsize,
    waiters: WaitList,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Semaphore;
    ///
    /// let sem = Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        Semaphore {
            permits: AtomicUsize::new(permits),
            waiters: WaitList::new(),
        }
    }

    /// Takes a permit, waiting (parking the green thread) until one is free.
    ///
    /// Python: `await sem.acquire()` / `async with sem:`.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting, the cancel unwinds from here.
    ///
    /// # Examples
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use yieldpoint::{sched::RoundRobin, sync::Semaphore};
    ///
    /// let (rt, sem, peak) = (RoundRobin::new(), Rc::new(Semaphore::new(2)), Rc::new(Cell::new(0)));
    /// for _ in 0..5 {
    ///     let (sem, peak) = (sem.clone(), peak.clone());
    ///     rt.spawn(move || {
    ///         let _permit = sem.acquire(); // parks while 2 tasks hold permits
    ///         peak.set(peak.get().max(2 - sem.available_permits())); // tasks holding one now
    ///         yieldpoint::yield_now();
    ///     });
    /// }
    /// rt.run();
    /// assert_eq!(peak.get(), 2);
    /// ```
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.waiters.take_or_wait(
            WaitReason::Semaphore,
            || self.try_acquire(),
            || SemaphorePermit { semaphore: self },
            || self.release(),
        )
    }

    /// [`acquire`](Self::acquire) for async code: a future of a permit that waits without
    /// blocking the executor's thread.
    ///
    /// Dropping the future before it is ready unlists it, and passes on a wakeup it was
    /// given, so no permit is stranded (cancel-safe). Python: `await sem.acquire()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Semaphore;
    ///
    /// let sem = Semaphore::new(1);
    /// let held = futures::executor::block_on(sem.acquire_async());
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(held);
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn acquire_async(&self) -> impl Future<Output = SemaphorePermit<'_>> + Send + '_ {
        let mut wait = AsyncGrant::new(&self.waiters, || self.release());
        std::future::poll_fn(move |cx| {
            wait.poll_take(
                cx,
                || self.try_acquire(),
                || SemaphorePermit { semaphore: self },
            )
        })
    }

    /// Takes a permit if one is free.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Semaphore;
    ///
    /// let sem = Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// drop(permit);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.permits
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .ok()
            .map(|_| SemaphorePermit { semaphore: self })
    }

    /// Adds a permit and wakes one waiter.
    ///
    /// Python: `sem.release()` (which may also raise the count above its start).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Semaphore;
    ///
    /// let sem = Semaphore::new(1);
    /// sem.release(); // may go above the starting count, as in Python
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn release(&self) {
        self.waiters.grant_one(|| {
            self.permits.fetch_add(1, Ordering::AcqRel);
        });
    }

    /// Permits free right now.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Semaphore;
    ///
    /// let sem = Semaphore::new(2);
    /// let _permit = sem.acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.load(Ordering::Acquire)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .finish()
    }
}

/// A permit from [`Semaphore::acquire`]; released when dropped.
///
/// # Examples
/// ```
/// use yieldpoint::sync::{Semaphore, SemaphorePermit};
///
/// let sem = Semaphore::new(1);
/// {
///     let _permit: SemaphorePermit<'_> = sem.acquire();
///     assert_eq!(sem.available_permits(), 0);
/// } // dropped: released
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "dropping the permit releases it at once"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit taken for good (the count stays lower).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Semaphore;
    ///
    /// let sem = Semaphore::new(2);
    /// sem.acquire().forget();
    /// assert_eq!(sem.available_permits(), 1); // for good
    /// ```
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.release();
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").finish_non_exhaustive()
    }
}
