//! Exercise V.6: async code awaits a green thread (PEP 492, the bridge the other way)
//!
//! You learn that a `JoinHandle` is a `Future`: async code awaits a green thread without
//! blocking its executor's thread, and reads how it ended (a value, a panic, a cancel) from
//! the `JoinError`, as asyncio code reads it from the exception `await task` raises.
//!
//! ```python
//! # Python 3.8+ (CancelledError is a BaseException since 3.8)
//! async def outcome(task):
//!     try:
//!         return ("value", await task)
//!     except asyncio.CancelledError:
//!         return ("cancelled",)
//!     except Exception as e:
//!         return ("panicked", str(e))
//!
//! async def cancel_and_wait(task):
//!     task.cancel()
//!     return await outcome(task)   # the task's cleanup has run when this returns
//! ```

use yieldpoint::JoinHandle;

/// How a green thread ended, as async code sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// It returned this value.
    Value(T),
    /// It panicked with this message (`"a panic without a message"` when the payload is
    /// neither a `&str` nor a `String`).
    Panicked(String),
    /// It was cancelled.
    Cancelled,
}

/// Awaits `task` and says how it ended.
///
/// Python: `await task` inside `try`/`except`.
pub async fn outcome<T>(task: JoinHandle<T>) -> Outcome<T> {
    match task.await {
        Ok(value) => Outcome::Value(value),
        Err(error) if error.is_cancelled() => Outcome::Cancelled,
        Err(error) => {
            let payload = match error.try_into_panic() {
                Ok(payload) => payload,
                Err(_) => return Outcome::Cancelled,
            };
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            Outcome::Panicked(message)
        }
    }
}

/// Cancels `task`, then awaits it: when this returns, the task has ended (its cleanup ran).
/// A task that catches the cancel and returns a value is not cancelled.
///
/// Python: `task.cancel(); await task`.
pub async fn cancel_and_wait<T>(task: JoinHandle<T>) -> Outcome<T> {
    task.cancel();
    outcome(task).await
}

/// Awaits every task, in the order given, and returns their outcomes in that order. The
/// tasks run meanwhile, each on its own.
///
/// Python: `await asyncio.gather(*tasks, return_exceptions=True)`.
pub async fn gather<T>(tasks: Vec<JoinHandle<T>>) -> Vec<Outcome<T>> {
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(outcome(task).await);
    }
    outcomes
}
