//! Time: `sleep`, `sleep_until`, `timeout`, and the timer queue behind them.
//!
//! Python: `asyncio.sleep(delay)` and `asyncio.timeout(delay)` / `asyncio.wait_for`
//! (PEP 3156). Inside a green thread, `sleep` parks only the task; the scheduler keeps
//! running the others and wakes it when its deadline passes. Outside a scheduler, `sleep`
//! sleeps the OS thread.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use yieldpoint::sched::RoundRobin;
//!
//! let rt = RoundRobin::new();
//! let started = Instant::now();
//! rt.block_on(|| {
//!     // Three tasks sleep at the same time: the whole takes ~20 ms, not 60 ms.
//!     let sleepers: Vec<_> = (0..3)
//!         .map(|_| yieldpoint::spawn(|| yieldpoint::sleep(Duration::from_millis(20))))
//!         .collect();
//!     for s in sleepers {
//!         s.join().unwrap();
//!     }
//! });
//! assert!(started.elapsed() >= Duration::from_millis(20));
//! ```
//!
//! Book: Part IV, "Event loops and schedulers" (its chapter on timers is coming).

use std::cell::{Cell, RefCell};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::error::Error;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::sched::{context, TimeoutUnwind};
use crate::task::header::Header;
use crate::task::WaitReason;

/// Suspends the current green thread for at least `duration`; other tasks run meanwhile.
///
/// `Duration::ZERO` just yields (Python's `await asyncio.sleep(0)`). Outside a scheduler
/// it sleeps the OS thread (`std::thread::sleep`).
///
/// Python: `await asyncio.sleep(delay)`.
///
/// # Panics
///
/// If the task is cancelled while sleeping, the cancel unwinds from here (destructors run).
///
/// # Examples
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let log = Arc::new(Mutex::new(Vec::new()));
///     let late = log.clone();
///     let sleeper = yieldpoint::spawn(move || {
///         yieldpoint::sleep(Duration::from_millis(5));
///         late.lock().unwrap().push("slept");
///     });
///     log.lock().unwrap().push("main ran meanwhile");
///     sleeper.join().unwrap();
///     assert_eq!(*log.lock().unwrap(), ["main ran meanwhile", "slept"]);
/// });
/// ```
pub fn sleep(duration: Duration) {
    if duration.is_zero() {
        crate::task::yield_now();
        return;
    }
    sleep_until(deadline_after(duration));
}

/// `now + duration`, or a deadline decades away when that overflows the clock
/// (`Duration::MAX` means "until cancelled").
fn deadline_after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// Suspends the current green thread until `deadline`; see [`sleep`].
///
/// # Examples
/// ```
/// use std::time::{Duration, Instant};
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     yieldpoint::sleep_until(deadline);
///     assert!(Instant::now() >= deadline);
///     yieldpoint::sleep_until(deadline); // already passed: returns at once
/// });
/// ```
pub fn sleep_until(deadline: Instant) {
    let Some(header) = context::current_header() else {
        let now = Instant::now();
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
        return;
    };
    while Instant::now() < deadline {
        // Dropped when the park returns or unwinds (a cancel, a timeout): a timer that has
        // not fired is cancelled then, not left in the queue until its deadline.
        let _timer = context::with_local(|local| {
            local.add_timer(deadline, TimerAction::Wake(header.clone()))
        });
        context::park_task(WaitReason::Sleep);
    }
}

/// The error of [`timeout`]: the deadline passed before the function finished.
///
/// Python: `TimeoutError` from `asyncio.timeout`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let err = yieldpoint::timeout(Duration::from_millis(1), || loop {
///         yieldpoint::sleep(Duration::from_millis(5));
///     })
///     .unwrap_err();
///     assert!(err.to_string().starts_with("deadline has elapsed"));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed; the function was interrupted at a yield point")
    }
}

impl Error for Elapsed {}

/// Runs `f` in the current green thread, interrupting it at its next yield point once
/// `duration` has passed.
///
/// The interruption unwinds `f`'s stack frames (destructors run) back to this call, which
/// returns `Err(Elapsed)`. A function that never reaches a yield point cannot be
/// interrupted: cooperative scheduling has no preemption.
///
/// Python: `async with asyncio.timeout(delay):` (3.11) / `asyncio.wait_for`.
///
/// ```
/// use std::time::Duration;
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let slow = yieldpoint::timeout(Duration::from_millis(10), || {
///         yieldpoint::sleep(Duration::from_secs(60));
///     });
///     assert!(slow.is_err());
///     let quick = yieldpoint::timeout(Duration::from_secs(60), || 7);
///     assert_eq!(quick, Ok(7));
/// });
/// ```
///
/// # Errors
///
/// [`Elapsed`] if the deadline passed first.
///
/// # Panics
///
/// Outside a green thread (nothing could interrupt `f`): run it inside a scheduler, or
/// check the time yourself. Inside a coroutine (a [`Generator`](crate::Generator)) that a
/// green thread drives: the green thread's yield points are outside that coroutine, so
/// put the `timeout` around the code that drives it. A panic in `f` propagates.
#[track_caller]
pub fn timeout<T>(duration: Duration, f: impl FnOnce() -> T) -> Result<T, Elapsed> {
    let header = context::current_header().expect(
        "timeout() needs a green thread to interrupt; call it inside RoundRobin::block_on or a spawned task",
    );
    if !context::on_task_stack() {
        timeout_inside_a_coroutine();
    }
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, AtomicOrdering::Relaxed);
    let action = TimerAction::Timeout {
        task: header.clone(),
        id,
    };
    let timer = context::with_local(|local| local.add_timer(deadline_after(duration), action));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    // Cancels the timer unless it fired: it leaves the queue instead of staying there
    // until its deadline.
    drop(timer);
    header.clear_timeout(id);
    match result {
        Ok(value) => Ok(value),
        Err(payload) => match payload.downcast::<TimeoutUnwind>() {
            Ok(unwind) if unwind.0 == id => Err(Elapsed(())),
            Ok(other) => panic::resume_unwind(other),
            Err(payload) => panic::resume_unwind(payload),
        },
    }
}

/// Not part of the API (a test hook): how many entries the timer queue of the scheduler
/// running on this thread holds, cancelled ones not yet compacted included; `None`
/// outside a scheduler.
#[doc(hidden)]
pub fn queued_timers() -> Option<usize> {
    context::with_local(|local| local.timer_count())
}

/// The expiry of a `timeout` called inside a coroutine (a `Generator`) that a task drives
/// would reach the task at its next yield point, outside that coroutine, and unwind the
/// task instead of returning `Err(Elapsed)` here; refuse the call instead.
#[cold]
#[inline(never)]
#[track_caller]
fn timeout_inside_a_coroutine() -> ! {
    panic!(
        "timeout() inside a coroutine (a Generator) that a green thread drives cannot \
         interrupt it, since the green thread yields outside that coroutine; put the \
         timeout around the code that drives the coroutine instead"
    )
}

/// What a timer does when its deadline passes.
pub(crate) enum TimerAction {
    /// Unpark a sleeping task.
    Wake(Arc<Header>),
    /// Interrupt a task inside `timeout` call `id`.
    Timeout { task: Arc<Header>, id: u64 },
}

impl TimerAction {
    pub(crate) fn fire(self) {
        match self {
            TimerAction::Wake(task) => task.unpark(),
            TimerAction::Timeout { task, id } => task.expire_timeout(id),
        }
    }
}

/// A timer's owner's hold on it: dropping it (the `sleep` or `timeout` call is over,
/// returned or unwound) cancels the timer if it has not fired yet.
///
/// The entry stays in the heap until the queue next compacts (lazy deletion), but never
/// fires; see [`TimerQueue`].
#[must_use = "dropping the handle cancels the timer"]
pub(crate) struct TimerHandle(Rc<TimerEntry>);

impl Drop for TimerHandle {
    fn drop(&mut self) {
        let entry = &self.0;
        if entry.queued.replace(false) {
            entry.cancelled.set(entry.cancelled.get() + 1);
        }
    }
}

/// What a timer in the heap and its [`TimerHandle`] share.
struct TimerEntry {
    /// In the heap and neither fired nor cancelled.
    queued: Cell<bool>,
    /// The queue's count of cancelled entries still in its heap.
    cancelled: Rc<Cell<usize>>,
}

struct Timer {
    deadline: Instant,
    /// Insertion order: equal deadlines fire first-in, first-out.
    seq: u64,
    action: TimerAction,
    entry: Rc<TimerEntry>,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

/// Fewest cancelled entries worth a rebuild of the heap.
const COMPACT_MIN: usize = 32;

/// One scheduler thread's timers, earliest deadline first (a binary heap).
///
/// # Cancelled timers
///
/// A `timeout` that returns, or a `sleep` that ends early (cancelled, or interrupted by
/// a timeout), cancels its timer through its [`TimerHandle`]. A binary heap cannot remove
/// an arbitrary entry cheaply, so the entry is only marked, counted, and skipped when it
/// comes due (lazy deletion). Once cancelled entries are more than half of the heap (and
/// at least [`COMPACT_MIN`]), the next operation on the queue rebuilds the heap without
/// them, in time linear in its length: each rebuild follows at least as many
/// cancellations as it keeps entries, so it costs O(1) amortized per timer. The heap thus
/// holds at most about twice the live timers (tokio's timer wheel and Go's timer heap
/// bound their dead entries the same way). Without it, a million finished
/// `timeout(1h, ..)` calls kept a million entries for an hour.
#[derive(Default)]
pub(crate) struct TimerQueue {
    /// Interior mutability so that `next_deadline` and `is_empty`, which the scheduler
    /// calls through a shared borrow, can drop cancelled entries first.
    heap: RefCell<BinaryHeap<Reverse<Timer>>>,
    seq: u64,
    /// Cancelled entries still in `heap`.
    cancelled: Rc<Cell<usize>>,
}

impl TimerQueue {
    /// Adds a timer; it fires (see [`pop_due`](Self::pop_due)) unless the returned handle
    /// is dropped first.
    pub(crate) fn push(&mut self, deadline: Instant, action: TimerAction) -> TimerHandle {
        self.compact();
        self.seq += 1;
        let entry = Rc::new(TimerEntry {
            queued: Cell::new(true),
            cancelled: self.cancelled.clone(),
        });
        self.heap.get_mut().push(Reverse(Timer {
            deadline,
            seq: self.seq,
            action,
            entry: entry.clone(),
        }));
        TimerHandle(entry)
    }

    /// Removes and returns the actions of every timer due at `now`; cancelled ones are
    /// dropped unfired.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Vec<TimerAction> {
        self.compact();
        let heap = self.heap.get_mut();
        let mut due = Vec::new();
        while heap.peek().is_some_and(|t| t.0.deadline <= now) {
            if let Some(Reverse(timer)) = heap.pop() {
                if timer.entry.queued.replace(false) {
                    due.push(timer.action);
                } else {
                    self.cancelled.set(self.cancelled.get() - 1);
                }
            }
        }
        due
    }

    /// The earliest deadline of a timer that was not cancelled.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.compact();
        let mut heap = self.heap.borrow_mut();
        while let Some(top) = heap.peek() {
            if top.0.entry.queued.get() {
                return Some(top.0.deadline);
            }
            heap.pop();
            self.cancelled.set(self.cancelled.get() - 1);
        }
        None
    }

    /// Whether no timer is set (cancelled ones do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.compact();
        self.heap.borrow().len() == self.cancelled.get()
    }

    /// Entries in the heap, cancelled ones included (what the queue holds in memory).
    pub(crate) fn len(&self) -> usize {
        self.heap.borrow().len()
    }

    /// Removes every timer; none fires.
    pub(crate) fn clear(&mut self) {
        for timer in self.heap.get_mut().drain() {
            timer.0.entry.queued.set(false);
        }
        self.cancelled.set(0);
    }

    /// Rebuilds the heap without its cancelled entries once they are the majority.
    fn compact(&self) {
        let cancelled = self.cancelled.get();
        if cancelled < COMPACT_MIN {
            return;
        }
        let Ok(mut heap) = self.heap.try_borrow_mut() else {
            return;
        };
        if cancelled * 2 > heap.len() {
            compact_cold(&mut heap);
            self.cancelled.set(0);
        }
    }
}

#[cold]
#[inline(never)]
fn compact_cold(heap: &mut BinaryHeap<Reverse<Timer>>) {
    heap.retain(|timer| timer.0.entry.queued.get());
    heap.shrink_to(heap.len() * 2);
}

impl Drop for TimerQueue {
    fn drop(&mut self) {
        self.clear();
    }
}
