//! Exercise IV.2: a `Future` whose done callbacks run on the loop (PEP 3156)
//!
//! You learn what a future is: a box for a result that is not there yet, plus a list of
//! callbacks to run once it is. The callbacks never run inside `set_result`: they are
//! handed to the loop with `call_soon`, so whoever sets the result finishes its own work
//! first. This is the layer between IV.1's loop and IV.3's tasks.
//!
//! ```python
//! # Python 3.4+ (asyncio/futures.py, shortened)
//! class Future:
//!     def set_result(self, result):
//!         if self._state != _PENDING:
//!             raise InvalidStateError(f'{self._state}: {self!r}')
//!         self._result = result
//!         self._state = _FINISHED
//!         self.__schedule_callbacks()     # loop.call_soon(callback, self) for each
//!
//!     def add_done_callback(self, fn):
//!         if self._state != _PENDING:
//!             self._loop.call_soon(fn, self)
//!         else:
//!             self._callbacks.append(fn)
//! ```
//!
//! The rules are asyncio's (the grader checks each):
//!
//! - A future is pending, then done exactly once: with a result (`set_result`), an
//!   exception (`set_exception`) or cancelled (`cancel`). Setting a done future is
//!   `Err(FutureError::InvalidState)` and changes nothing.
//! - `cancel()` returns `false` on a done future (it stays as it is), `true` otherwise.
//! - Becoming done schedules each done callback with `call_soon`, in the order they were
//!   added, each once; `add_done_callback` on a done future schedules the callback at once.
//!   A callback gets the future.
//! - `result()`: pending → `Err(InvalidState)`, cancelled → `Err(Cancelled)`, exception
//!   → `Err(Failed(message))`, else `Ok(a clone of the result)`, as often as asked.
//! - `exception()`: pending → `Err(InvalidState)`, cancelled → `Err(Cancelled)`, exception
//!   → `Ok(Some(message))`, result → `Ok(None)`.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use exercises::part4::event_loop::Loop;

/// Why a future gives no result. Python: the exception `result()` raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FutureError {
    /// It is not done (or it is done, for a `set_*`). Python: `asyncio.InvalidStateError`.
    InvalidState,
    /// It was cancelled. Python: `asyncio.CancelledError`.
    Cancelled,
    /// The exception it was given, as its message.
    Failed(String),
}

impl fmt::Display for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::InvalidState => f.write_str("invalid state"),
            FutureError::Cancelled => f.write_str("cancelled"),
            FutureError::Failed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FutureError {}

/// Where a future is.
enum State<T> {
    Pending,
    Finished(T),
    Failed(String),
    Cancelled,
}

/// A done callback.
type DoneCallback<T> = Box<dyn FnOnce(&Future<T>)>;

struct Inner<T> {
    state: State<T>,
    callbacks: Vec<DoneCallback<T>>,
}

/// A result that is not there yet. Clones are handles to the same future.
pub struct Future<T> {
    lp: Rc<Loop>,
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future {
            lp: self.lp.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<T: Clone + 'static> Future<T> {
    /// A pending future whose callbacks run on `lp`. Python: `loop.create_future()`.
    pub fn new(lp: &Rc<Loop>) -> Self {
        Future {
            lp: lp.clone(),
            inner: Rc::new(RefCell::new(Inner {
                state: State::Pending,
                callbacks: Vec::new(),
            })),
        }
    }

    /// Whether it is done: finished, failed or cancelled.
    pub fn done(&self) -> bool {
        !matches!(self.inner.borrow().state, State::Pending)
    }

    /// Whether it was cancelled.
    pub fn cancelled(&self) -> bool {
        matches!(self.inner.borrow().state, State::Cancelled)
    }

    /// Its result, by the rules at the top of the file. Python: `fut.result()`.
    pub fn result(&self) -> Result<T, FutureError> {
        // TODO: one arm per state.
        // pending -> Err(InvalidState); set_exception("boom") -> Err(Failed("boom"))
        todo!()
    }

    /// Its exception, by the rules at the top of the file. Python: `fut.exception()`.
    pub fn exception(&self) -> Result<Option<String>, FutureError> {
        // TODO: one arm per state.
        // set_result(7) -> Ok(None); cancel() -> Err(Cancelled)
        todo!()
    }

    /// Finishes it with `value`. Python: `fut.set_result(value)`.
    pub fn set_result(&self, value: T) -> Result<(), FutureError> {
        self.finish(State::Finished(value))
    }

    /// Finishes it with an exception. Python: `fut.set_exception(exc)`.
    pub fn set_exception(&self, message: impl Into<String>) -> Result<(), FutureError> {
        self.finish(State::Failed(message.into()))
    }

    /// Cancels it if it is pending; returns whether it did. Python: `fut.cancel()`.
    pub fn cancel(&self) -> bool {
        // TODO: cancel() on a pending future -> true, and it is cancelled;
        // on a done one -> false, and it stays as it was
        todo!()
    }

    /// Runs `callback` with the future once it is done, from the loop.
    /// Python: `fut.add_done_callback(callback)`.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + 'static) {
        // TODO: keep it while pending; on a done future, schedule it now.
        // set_result(1); add_done_callback(cb) -> cb has not run; lp.run_once() -> it has
        todo!()
    }

    /// Moves a pending future to `state` and schedules its callbacks.
    fn finish(&self, state: State<T>) -> Result<(), FutureError> {
        // TODO: refuse a done future; else store `state` and schedule every callback once,
        // in order. Release the `RefCell` borrow before scheduling.
        // set_result(1) -> Ok(()); set_result(2) -> Err(InvalidState), result() is Ok(1)
        todo!()
    }

    /// Hands `callback` to the loop, to run with this future in a later pass.
    fn schedule(&self, callback: DoneCallback<T>) {
        let future = self.clone();
        self.lp.call_soon(move |_| callback(&future));
    }
}
