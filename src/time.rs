//! Time: `sleep`, `sleep_until`, `timeout` (the timer queue behind them is
//! `sched::timer`).
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

use std::error::Error;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::sched::context::with_local;
use crate::sched::timer::TimerAction;
use crate::task::context::{self, TimeoutUnwind};
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
pub(crate) fn deadline_after(duration: Duration) -> Instant {
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
    let Some(header) = context::current_task() else {
        let now = Instant::now();
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
        return;
    };
    while Instant::now() < deadline {
        // Dropped when the park returns or unwinds (a cancel, a timeout): a timer that has
        // not fired is cancelled then, not left in the queue until its deadline.
        let _timer =
            with_local(|local| local.add_timer(deadline, TimerAction::Wake(header.clone())));
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
    let header = context::current_task().expect(
        "timeout() needs a green thread to interrupt; call it inside RoundRobin::block_on or a spawned task",
    );
    if !context::on_task_stack() {
        timeout_inside_a_coroutine();
    }
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let action = TimerAction::Timeout {
        task: header.clone(),
        id,
    };
    let timer = with_local(|local| local.add_timer(deadline_after(duration), action));
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
    with_local(|local| local.timer_count())
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
