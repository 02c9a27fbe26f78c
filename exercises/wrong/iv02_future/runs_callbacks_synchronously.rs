//! Known-wrong solution of exercise IV.2 (cheat class: callbacks run synchronously).
//!
//! `set_result` and `add_done_callback` call the callbacks at once, inside the caller,
//! as PEP 3148's `concurrent.futures` does; PEP 3156 schedules them with `call_soon`.

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
        match &self.inner.borrow().state {
            State::Pending => Err(FutureError::InvalidState),
            State::Cancelled => Err(FutureError::Cancelled),
            State::Failed(message) => Err(FutureError::Failed(message.clone())),
            State::Finished(value) => Ok(value.clone()),
        }
    }

    /// Its exception, by the rules at the top of the file. Python: `fut.exception()`.
    pub fn exception(&self) -> Result<Option<String>, FutureError> {
        match &self.inner.borrow().state {
            State::Pending => Err(FutureError::InvalidState),
            State::Cancelled => Err(FutureError::Cancelled),
            State::Failed(message) => Ok(Some(message.clone())),
            State::Finished(_) => Ok(None),
        }
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
        self.finish(State::Cancelled).is_ok()
    }

    /// Runs `callback` with the future once it is done, from the loop.
    /// Python: `fut.add_done_callback(callback)`.
    pub fn add_done_callback(&self, callback: impl FnOnce(&Future<T>) + 'static) {
        if self.done() {
            callback(self);
        } else {
            self.inner.borrow_mut().callbacks.push(Box::new(callback));
        }
    }

    /// Moves a pending future to `state` and schedules its callbacks.
    fn finish(&self, state: State<T>) -> Result<(), FutureError> {
        let callbacks = {
            let mut inner = self.inner.borrow_mut();
            if !matches!(inner.state, State::Pending) {
                return Err(FutureError::InvalidState);
            }
            inner.state = state;
            std::mem::take(&mut inner.callbacks)
        };
        for callback in callbacks {
            callback(self);
        }
        Ok(())
    }

    /// Hands `callback` to the loop, to run with this future in a later pass.
    #[allow(dead_code)]
    fn schedule(&self, callback: DoneCallback<T>) {
        let future = self.clone();
        self.lp.call_soon(move |_| callback(&future));
    }
}
