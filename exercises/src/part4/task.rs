//! Exercise IV.3: a `Task` drives a coroutine with send and throw (PEP 3156)
//!
//! You learn how a task turns a coroutine into something the event loop can run: each
//! time the future the coroutine awaits is done, the task resumes the coroutine with
//! Part II's `send` (the result) or `throw` (the error, or the cancellation). The
//! coroutine never sees the loop; the loop never sees the coroutine.
//!
//! ```python
//! # Python 3.4 (asyncio/tasks.py, Task._step and Task.cancel, shortened)
//! def _step(self, value=None, exc=None):
//!     if self._must_cancel:
//!         exc = CancelledError(); self._must_cancel = False
//!     self._fut_waiter = None
//!     try:
//!         result = coro.send(value) if exc is None else coro.throw(exc)
//!     except StopIteration as e: self.set_result(e.value)
//!     except CancelledError: super().cancel()     # the task ends cancelled
//!     except Exception as e: self.set_exception(e)
//!     else:                                       # it yielded a future: wait on it
//!         result.add_done_callback(self._wakeup)
//!         self._fut_waiter = result
//!         if self._must_cancel and self._fut_waiter.cancel():
//!             self._must_cancel = False
//!
//! def cancel(self):
//!     if self.done(): return False
//!     if self._fut_waiter is not None and self._fut_waiter.cancel():
//!         return True            # the waiter's callback wakes us with CancelledError
//!     self._must_cancel = True   # no waiter to cancel: the next step throws it
//!     return True
//! ```
//!
//! The rules (the grader checks each):
//!
//! - `Task::new` schedules the first step with `call_soon`; nothing runs before that. The
//!   first step sends `V::default()` (Python sends `None`).
//! - A step resumes the body: `send(value)`, or `throw(error)` for an error, or
//!   `throw(FutureError::Cancelled)` if a cancel is pending. Then:
//!   the body yielded a future → the task waits on it (a done callback that runs the next
//!   step with its result or its error); the body returned → `set_result` on the task's
//!   outcome; `throw` returned `Err(Cancelled)` → the outcome is cancelled; another error
//!   → `set_exception` with its message.
//! - `cancel()`: `false` if the task is done. Otherwise `true`, and the cancel reaches the
//!   body as `Err(Cancelled)` at its yield point: through the awaited future if that can
//!   still be cancelled, else at the next step. A body that catches it carries on.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use exercises::part4::event_loop::Loop;
use exercises::part4::future::{Future, FutureError};
use yieldpoint::{Coroutine, CoroutineState};

/// A coroutine a task can drive: it yields the future it awaits and is sent its result
/// (or thrown its error), and returns `R`.
pub type Body<V, R> = Coroutine<V, Future<V>, R, FutureError>;

/// How a step resumes the body.
enum Resume<V> {
    Send(V),
    Throw(FutureError),
}

struct TaskInner<V, R> {
    body: RefCell<Body<V, R>>,
    /// The future the body awaits; `None` while a step is pending or running.
    waiter: RefCell<Option<Future<V>>>,
    /// A cancel that found no future to cancel: the next step throws `Cancelled`.
    must_cancel: Cell<bool>,
    /// What the task ends with: the body's return value, its error, or cancelled.
    outcome: Future<R>,
}

/// A coroutine driven by the loop. Clones are handles to the same task.
pub struct Task<V, R> {
    inner: Rc<TaskInner<V, R>>,
}

impl<V, R> Clone for Task<V, R> {
    fn clone(&self) -> Self {
        Task {
            inner: self.inner.clone(),
        }
    }
}

impl<V: Clone + Default + 'static, R: Clone + 'static> Task<V, R> {
    /// Wraps `body` in a task and schedules its first step. Python: `loop.create_task(coro)`.
    pub fn new(lp: &Rc<Loop>, body: Body<V, R>) -> Self {
        let task = Task {
            inner: Rc::new(TaskInner {
                body: RefCell::new(body),
                waiter: RefCell::new(None),
                must_cancel: Cell::new(false),
                outcome: Future::new(lp),
            }),
        };
        let first = task.clone();
        lp.call_soon(move |_| first.step(Resume::Send(V::default())));
        task
    }

    /// The task's outcome, a future (in asyncio, the task *is* that future).
    pub fn outcome(&self) -> Future<R> {
        self.inner.outcome.clone()
    }

    /// Whether the task has ended.
    pub fn done(&self) -> bool {
        self.inner.outcome.done()
    }

    /// Asks the body to stop, by the rules at the top of the file. Python: `task.cancel()`.
    pub fn cancel(&self) -> bool {
        // TODO: done -> false. Else try to cancel the awaited future (`waiter`; clone it
        // out of the RefCell first); if that fails, set `must_cancel`. Either way -> true.
        // body awaiting a pending future: cancel() -> true, and that future is cancelled
        todo!()
    }

    /// Resumes the body once and acts on what it does.
    fn step(&self, resume: Resume<V>) {
        // TODO: clear `waiter`; a pending cancel (`must_cancel`) turns `resume` into a
        // throw of `Cancelled`; resume the body with `send` or `throw` (Part II), then act
        // on the outcome by the rules at the top of the file. Release the `body` borrow
        // before acting: waiting on a future or setting the outcome may reach this task.
        // body `co.yield_(fut)`, fut.set_result(5) -> the next step sends 5 in
        // body returns 7 -> task.outcome().result() == Ok(7)
        todo!()
    }

    /// The done callback of the awaited future: the next step.
    fn wakeup(&self, future: &Future<V>) {
        // TODO: the future's result is sent in, its error thrown in.
        // fut.set_exception("boom") -> the body sees Err(FutureError::Failed("boom"))
        todo!()
    }
}
