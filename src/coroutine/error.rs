//! Errors of the coroutine module.

use std::error::Error;
use std::fmt;

/// The default error type of [`Coroutine::throw`](super::Coroutine::throw): any error,
/// boxed, like Python's `throw` accepting any exception.
///
/// ```
/// use yieldpoint::{Coroutine, CoroutineState, Exception};
///
/// let mut g = Coroutine::new(|co, ()| match co.try_yield(1) {
///     Ok(()) => "sent",
///     Err(e) if e.to_string() == "reset" => "reset",
///     Err(_) => "other",
/// });
/// assert_eq!(g.send(()), CoroutineState::Yielded(1));
/// assert_eq!(g.throw(Exception::from("reset")).unwrap(), CoroutineState::Complete("reset"));
/// ```
pub type Exception = Box<dyn Error + Send + Sync + 'static>;

/// The error of [`Coroutine::try_send`](super::Coroutine::try_send); it hands the value
/// back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendError<S> {
    /// The coroutine is closed: it returned, panicked, let a throw escape, or was closed.
    /// Permanent: create a new coroutine.
    Finished(S),
}

impl<S> SendError<S> {
    /// The value that could not be sent.
    pub fn into_inner(self) -> S {
        match self {
            SendError::Finished(value) => value,
        }
    }
}

impl<S> fmt::Debug for SendError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Finished(_) => f.write_str("Finished(..)"),
        }
    }
}

impl<S> fmt::Display for SendError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Finished(_) => f.write_str(
                "cannot send to a finished coroutine; check is_finished() or create a new one",
            ),
        }
    }
}

impl<S> Error for SendError<S> {}
