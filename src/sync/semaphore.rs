//! `Semaphore`: a counter of permits tasks wait for.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::wait_list::WaitList;
use crate::task::WaitReason;

/// A count of permits; `acquire` waits while there are none.
///
/// Python: `asyncio.Semaphore` (`acquire`, `release`, `async with sem:`). The permit
/// returned by [`acquire`](Self::acquire) releases itself when dropped, like `async with`.
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
    pub fn new(permits: usize) -> Self {
        Semaphore {
            permits: AtomicUsize::new(permits),
            waiters: WaitList::new(),
        }
    }

    /// Takes a permit, waiting (parking the green thread) until one is free.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting, the cancel unwinds from here.
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.waiters
            .wait_until(WaitReason::Semaphore, || self.try_acquire())
    }

    /// Takes a permit if one is free.
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.permits
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .ok()
            .map(|_| SemaphorePermit { semaphore: self })
    }

    /// Adds a permit and wakes one waiter.
    ///
    /// Python: `sem.release()` (which may also raise the count above its start).
    pub fn release(&self) {
        self.permits.fetch_add(1, Ordering::AcqRel);
        self.waiters.notify_one();
    }

    /// Permits free right now.
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
#[must_use = "dropping the permit releases it at once"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit taken for good (the count stays lower).
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
