//! `Event`: a flag tasks can wait for.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::wait_list::{AsyncWait, WaitList};
use crate::task::WaitReason;

/// A flag that tasks wait on until another sets it.
///
/// Python: `asyncio.Event` (`set`, `clear`, `is_set`, `wait`).
///
/// ```
/// use std::sync::Arc;
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sync::Event;
///
/// RoundRobin::new().block_on(|| {
///     let ready = Arc::new(Event::new());
///     let waiter = {
///         let ready = ready.clone();
///         yieldpoint::spawn(move || { ready.wait(); "went" })
///     };
///     yieldpoint::yield_now();
///     assert!(!waiter.is_finished());
///     ready.set();
///     assert_eq!(waiter.join().unwrap(), "went");
/// });
/// ```
#[derive(Default)]
pub struct Event {
    flag: AtomicBool,
    /// How many times `set` was called: a waiter returns once it changes, even if the flag
    /// was cleared again before the waiter ran (Python's `set(); clear()` still releases
    /// the tasks that were waiting).
    sets: AtomicU64,
    waiters: WaitList,
}

impl Event {
    /// An event that is not set.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Event;
    ///
    /// assert!(!Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag and wakes every waiter.
    ///
    /// Python: `event.set()`.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::Event;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let go = Arc::new(Event::new());
    ///     let waiters: Vec<_> = (0..3)
    ///         .map(|_| { let go = go.clone(); yieldpoint::spawn(move || go.wait()) })
    ///         .collect();
    ///     yieldpoint::yield_now(); // all three park in `wait`
    ///     go.set(); // wakes every one
    ///     waiters.into_iter().for_each(|w| w.join().unwrap());
    ///     assert!(go.is_set());
    /// });
    /// ```
    pub fn set(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.sets.fetch_add(1, Ordering::SeqCst);
        self.waiters.notify_all();
    }

    /// Clears the flag; later `wait`s block until the next `set`.
    ///
    /// Python: `event.clear()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Event;
    ///
    /// let event = Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        self.flag.store(false, Ordering::SeqCst);
    }

    /// Whether the flag is set.
    ///
    /// Python: `event.is_set()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Event;
    ///
    /// let event = Event::new();
    /// assert!(!event.is_set());
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// [`wait`](Self::wait) for async code: a future that is ready once the event is set
    /// (or was set and cleared since the call), without blocking the executor's thread.
    ///
    /// Dropping the future before it is ready unlists it (cancel-safe). Python:
    /// `await event.wait()` from a coroutine of another loop than the setter's.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use yieldpoint::sched::WorkQueue;
    /// use yieldpoint::sync::Event;
    ///
    /// let rt = WorkQueue::builder().workers(1).build();
    /// let ready = Arc::new(Event::new());
    /// let setter = ready.clone();
    /// rt.spawn(move || setter.set()); // a green thread sets it
    /// futures::executor::block_on(ready.wait_async()); // async code waits for it
    /// assert!(ready.is_set());
    /// ```
    pub fn wait_async(&self) -> impl Future<Output = ()> + Send + '_ {
        let sets = self.sets.load(Ordering::SeqCst);
        let mut wait = AsyncWait::new(&self.waiters);
        std::future::poll_fn(move |cx| {
            wait.poll_until(cx, || {
                (self.is_set() || self.sets.load(Ordering::SeqCst) != sets).then_some(())
            })
        })
    }

    /// Waits until the flag is set; returns at once if it is. A `set` during the wait
    /// releases it even if the flag is cleared again before this task runs.
    ///
    /// Python: `await event.wait()`.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting, the cancel unwinds from here.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::Event;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let event = Arc::new(Event::new());
    ///     let e = event.clone();
    ///     let waiter = yieldpoint::spawn(move || e.wait());
    ///     yieldpoint::yield_now(); // the waiter parks
    ///     event.set();
    ///     event.clear(); // the `set` already released the waiter
    ///     waiter.join().unwrap();
    ///     assert!(!event.is_set());
    /// });
    /// ```
    pub fn wait(&self) {
        let sets = self.sets.load(Ordering::SeqCst);
        self.waiters.wait_until(WaitReason::Event, || {
            (self.is_set() || self.sets.load(Ordering::SeqCst) != sets).then_some(())
        });
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .finish()
    }
}
