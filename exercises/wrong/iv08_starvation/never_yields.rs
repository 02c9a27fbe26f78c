//! Known-wrong solution of exercise IV.8 (cheat class: a CPU loop without yield points).
//!
//! The loop runs every iteration in one step: correct results, and every other task of the
//! scheduler waits until it ends.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise IV.8: don't block the loop (PEP 3156)
//!
//! You learn the two cures for a CPU-bound task on a cooperative scheduler: yield now and
//! then so that the other tasks get their turns, or move the work to a pool thread so that
//! only the task that asked for it waits.
//!
//! ```python
//! # Python 3.7+ ("Cooperative Multitasking: The Core of Python Asyncio")
//! async def compute_intensive_task():
//!     result = 0
//!     for i in range(1_000_000):
//!         result += i * i
//!         # Yield every 10,000 iterations to let other tasks run
//!         if i % 10000 == 0:
//!             await asyncio.sleep(0)  # Sleep for 0 seconds just to yield control
//!     return result
//!
//! async def run_in_thread(cpu_bound_function, *args):
//!     loop = asyncio.get_running_loop()
//!     return await loop.run_in_executor(None, cpu_bound_function, *args)
//! ```

/// How many iterations a CPU loop runs between two yield points.
pub const YIELD_EVERY: u64 = 10_000;

/// The article's loop: calls `step(i)` for each `i` in `0..n`, in order, and yields to the
/// other tasks once every [`YIELD_EVERY`] iterations.
pub fn compute_intensive_task(n: u64, mut step: impl FnMut(u64)) {
    // WRONG: no yield point in the loop.
    for i in 0..n {
        step(i);
    }
}

/// `await loop.run_in_executor(None, f)`: runs `f` on a pool thread and returns its
/// result; the calling green thread waits (parks), and the other tasks of its scheduler
/// run meanwhile.
pub fn run_in_executor<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    yieldpoint::spawn_blocking(f)
}
