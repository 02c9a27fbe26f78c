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
//! Book: Part IV, "Event loops and schedulers".

use std::cell::Cell;
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
        context::with_local(|local| local.add_timer(deadline, TimerAction::Wake(header.clone())));
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
/// check the time yourself. A panic in `f` propagates.
#[track_caller]
pub fn timeout<T>(duration: Duration, f: impl FnOnce() -> T) -> Result<T, Elapsed> {
    let header = context::current_header().expect(
        "timeout() needs a green thread to interrupt; call it inside RoundRobin::block_on or a spawned task",
    );
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, AtomicOrdering::Relaxed);
    let armed = Rc::new(Cell::new(true));
    let action = TimerAction::Timeout {
        task: header.clone(),
        id,
        armed: armed.clone(),
    };
    context::with_local(|local| local.add_timer(deadline_after(duration), action));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    armed.set(false);
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

/// What a timer does when its deadline passes.
pub(crate) enum TimerAction {
    /// Unpark a sleeping task.
    Wake(Arc<Header>),
    /// Interrupt a task inside `timeout` call `id`, unless that call already returned.
    Timeout {
        task: Arc<Header>,
        id: u64,
        armed: Rc<Cell<bool>>,
    },
}

impl TimerAction {
    pub(crate) fn fire(self) {
        match self {
            TimerAction::Wake(task) => task.unpark(),
            TimerAction::Timeout { task, id, armed } => {
                if armed.get() {
                    task.expire_timeout(id);
                }
            }
        }
    }
}

struct Timer {
    deadline: Instant,
    /// Insertion order: equal deadlines fire first-in, first-out.
    seq: u64,
    action: TimerAction,
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

/// One scheduler thread's timers, earliest deadline first (a binary heap).
#[derive(Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<Timer>>,
    seq: u64,
}

impl TimerQueue {
    pub(crate) fn push(&mut self, deadline: Instant, action: TimerAction) {
        self.seq += 1;
        self.heap.push(Reverse(Timer {
            deadline,
            seq: self.seq,
            action,
        }));
    }

    /// Removes and returns the actions of every timer due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Vec<TimerAction> {
        let mut due = Vec::new();
        while self.heap.peek().is_some_and(|t| t.0.deadline <= now) {
            if let Some(Reverse(timer)) = self.heap.pop() {
                due.push(timer.action);
            }
        }
        due
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|t| t.0.deadline)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.heap.clear();
    }
}
