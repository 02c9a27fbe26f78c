//! `Mutex`: mutual exclusion whose guard may be held across yield points.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

use super::wait_list::{AsyncGrant, WaitList};
use crate::task::WaitReason;

/// A lock that parks the green thread (not the OS thread) while another holds it.
///
/// Between two yield points a task runs alone, so a `Mutex` is only needed to keep state
/// consistent *across* a yield point: the `transfer_dangerous` of the article "Python
/// Cooperative Scheduling — Core Concepts" reads a balance, awaits, then writes it back;
/// holding the guard across the `await` makes it safe.
///
/// Python: `asyncio.Lock` (`async with lock:`). Unlike `std::sync::Mutex` there is no
/// poisoning: a panic while holding the guard releases the lock.
///
/// # Fairness
///
/// FIFO, as asyncio's `Lock` (and tokio's `Mutex`): waiters get the lock in the order they
/// started waiting. The unlock hands the lock straight to the longest-waiting task (or OS
/// thread, or future), which owns it from then on, before it even runs; so a task that
/// unlocks and locks again at once queues behind the waiters instead of overtaking them
/// (`try_lock` then fails). Only with nobody waiting does the unlock leave the lock free. A
/// waiter that was handed the lock and is cancelled before it runs (or a `lock_async`
/// future dropped then) passes it on to the next. The price of fairness: a lock handed
/// over stays taken until its new owner runs, where an unfair lock would let a running
/// task take it meanwhile.
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
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Mutex;
    ///
    /// let names = Mutex::new(Vec::<&str>::new());
    /// assert!(names.try_lock().unwrap().is_empty());
    /// ```
    pub fn new(value: T) -> Self {
        Mutex {
            locked: AtomicBool::new(false),
            waiters: WaitList::new(),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, out of the mutex.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Mutex;
    ///
    /// let counter = Mutex::new(1);
    /// *counter.try_lock().unwrap() += 1;
    /// assert_eq!(counter.into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks, parking the green thread while another task holds the lock.
    ///
    /// Python: `await lock.acquire()` / `async with lock:`.
    ///
    /// Locking twice from the same task without dropping the first guard waits forever, as
    /// with any non-reentrant lock.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting, the cancel unwinds from here.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::Mutex;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let log = Arc::new(Mutex::new(Vec::new()));
    ///     let other = log.clone();
    ///     let mut guard = log.lock();
    ///     let writer = yieldpoint::spawn(move || other.lock().push("task"));
    ///     yieldpoint::yield_now(); // the task runs and parks in `lock`
    ///     guard.push("main");
    ///     drop(guard); // unlocks and wakes the task
    ///     writer.join().unwrap();
    ///     assert_eq!(*log.lock(), ["main", "task"]);
    /// });
    /// ```
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.waiters.take_or_wait(
            WaitReason::Mutex,
            || self.try_lock(),
            || self.handed_over(),
            || self.unlock(),
        )
    }

    /// [`lock`](Self::lock) for async code: a future of the guard that waits without
    /// blocking the executor's thread.
    ///
    /// Dropping the future before it is ready unlists it, and passes on a wakeup it was
    /// given, so the lock is not stranded (cancel-safe). Python: `async with lock:`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Mutex;
    ///
    /// let counter = Mutex::new(0);
    /// futures::executor::block_on(async {
    ///     *counter.lock_async().await += 1;
    /// });
    /// assert_eq!(*counter.lock(), 1);
    /// ```
    pub fn lock_async(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        let mut wait = AsyncGrant::new(&self.waiters, || self.unlock());
        std::future::poll_fn(move |cx| {
            wait.poll_take(cx, || self.try_lock(), || self.handed_over())
        })
    }

    /// Locks if the lock is free.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Mutex;
    ///
    /// let lock = Mutex::new(0);
    /// let guard = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_none()); // held
    /// drop(guard);
    /// assert!(lock.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| self.handed_over())
    }

    /// The guard of a waiter that the lock was handed to (or that took it): the lock
    /// stays taken from the release to here.
    fn handed_over(&self) -> MutexGuard<'_, T> {
        MutexGuard {
            mutex: self,
            _not_send: PhantomData,
        }
    }

    /// Hands the lock to the longest-waiting waiter, or unlocks it if none waits.
    fn unlock(&self) {
        self.waiters
            .grant_one(|| self.locked.store(false, Ordering::Release));
    }

    /// A mutable reference to the value; no locking needed with `&mut self`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Mutex;
    ///
    /// let mut total = Mutex::new(10);
    /// *total.get_mut() += 5; // `&mut self`: no other reference can hold the lock
    /// assert_eq!(*total.try_lock().unwrap(), 15);
    /// ```
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
///
/// # Examples
/// ```
/// use yieldpoint::sync::{Mutex, MutexGuard};
///
/// let list = Mutex::new(vec![1]);
/// {
///     let mut guard: MutexGuard<'_, Vec<i32>> = list.try_lock().unwrap();
///     guard.push(2); // `DerefMut` to the value
///     assert!(list.try_lock().is_none());
/// } // the guard is dropped here: unlocked
/// assert_eq!(*list.try_lock().unwrap(), [1, 2]);
/// ```
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
        self.mutex.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
