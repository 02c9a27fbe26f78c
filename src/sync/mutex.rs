//! `Mutex`: mutual exclusion whose guard may be held across yield points.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

use super::wait_list::WaitList;
use crate::task::WaitReason;

/// A lock that parks the green thread (not the OS thread) while another holds it.
///
/// Between two yield points a task runs alone, so a `Mutex` is only needed to keep state
/// consistent *across* a yield point: seed 002's `transfer_dangerous` reads a balance,
/// awaits, then writes it back; holding the guard across the `await` makes it safe.
///
/// Python: `asyncio.Lock` (`async with lock:`). Unlike `std::sync::Mutex` there is no
/// poisoning: a panic while holding the guard releases the lock.
///
/// ```
/// use std::sync::Arc;
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sync::Mutex;
///
/// let balance = RoundRobin::new().block_on(|| {
///     let balance = Arc::new(Mutex::new(100));
///     let tasks: Vec<_> = (0..10)
///         .map(|_| {
///             let balance = balance.clone();
///             yieldpoint::spawn(move || {
///                 let mut b = balance.lock();
///                 let read = *b;
///                 yieldpoint::yield_now(); // other tasks run; they wait for the lock
///                 *b = read - 1;
///             })
///         })
///         .collect();
///     tasks.into_iter().for_each(|t| t.join().unwrap());
///     let left = *balance.lock();
///     left
/// });
/// assert_eq!(balance, 90);
/// ```
pub struct Mutex<T: ?Sized> {
    locked: AtomicBool,
    waiters: WaitList,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out at most one `&mut T` at a time (the `locked` flag), so
// sharing the mutex between threads only moves `T` between them: `T: Send` suffices, as
// for `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: the mutex owns its `T`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub fn new(value: T) -> Self {
        Mutex {
            locked: AtomicBool::new(false),
            waiters: WaitList::new(),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, out of the mutex.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks, parking the green thread while another task holds the lock.
    ///
    /// Locking twice from the same task without dropping the first guard waits forever, as
    /// with any non-reentrant lock.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting, the cancel unwinds from here.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.waiters
            .wait_until(WaitReason::Mutex, || self.try_lock())
    }

    /// Locks if the lock is free.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| MutexGuard {
                mutex: self,
                _not_send: PhantomData,
            })
    }

    /// A mutable reference to the value; no locking needed with `&mut self`.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("locked", &self.locked.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Access to a [`Mutex`]'s value; unlocks when dropped.
#[must_use = "dropping the guard unlocks the mutex at once"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// `!Send`: the guard is released on the thread (and task) that took it.
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared guard only gives `&T`, so sharing it needs `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while `locked` is held by it: no other reference
        // to the value exists.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only access through the guard.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.locked.store(false, Ordering::Release);
        self.mutex.waiters.notify_one();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
