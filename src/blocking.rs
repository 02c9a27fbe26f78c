//! Running blocking work off the scheduler: `spawn_blocking`.
//!
//! Python: `await asyncio.to_thread(f)` / `loop.run_in_executor(None, f)` (the articles
//! "Cooperative Multitasking: The Core of Python Asyncio" and "Python Cooperative
//! Scheduling — Core Concepts"). A green thread that calls a blocking function (file I/O,
//! a long computation, a C library) stops every other task on its OS thread.
//! `spawn_blocking` runs the function on a thread pool instead, and parks only the calling
//! green thread until it returns.
//!
//! The pool is the `blocking` crate's (smol): threads are started on demand, up to 500 by
//! default (`BLOCKING_MAX_THREADS` sets the bound), and exit after a second of idleness.
//!
//! Book: the Introduction, "Starvation"; Part IV, "Don't block the loop".

use std::panic::{self, AssertUnwindSafe};

use crate::future::await_as;
use crate::task::WaitReason;

/// Runs `f` on the blocking thread pool and returns its result; the calling green thread
/// parks meanwhile, so the other tasks keep running.
///
/// Outside a scheduler it still runs `f` on the pool and blocks the calling OS thread.
///
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// let sum = RoundRobin::new().block_on(|| {
///     yieldpoint::spawn_blocking(|| (0..1_000_000u64).map(|i| i * i).sum::<u64>())
/// });
/// assert_eq!(sum, 333_332_833_333_500_000);
/// ```
///
/// # Panics
///
/// If `f` panics, the panic is resumed in the caller with its payload. If the calling task
/// is cancelled while it waits, the cancel unwinds from here: if `f` has not started it
/// never runs; if it has, it runs to its end on the pool (a thread cannot be interrupted)
/// and its result is dropped.
#[doc(alias = "to_thread")]
#[doc(alias = "run_in_executor")]
pub fn spawn_blocking<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let work = blocking::unblock(move || panic::catch_unwind(AssertUnwindSafe(f)));
    match await_as(WaitReason::Blocking, work) {
        Ok(value) => value,
        Err(payload) => panic::resume_unwind(payload),
    }
}
