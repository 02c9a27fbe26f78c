//! Known-wrong solution of exercise IV.3 (cheat class: cancel kills instead of throwing).
//!
//! `cancel` closes the coroutine at once and cancels the task: the guards unwind, but the
//! body never sees `Cancelled` at its yield point, so it cannot catch it and carry on.

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
        if self.done() {
            return false;
        }
        self.inner.body.borrow_mut().close();
        self.inner.outcome.cancel();
        true
    }

    /// Resumes the body once and acts on what it does.
    fn step(&self, resume: Resume<V>) {
        self.inner.waiter.replace(None);
        let resume = if self.inner.must_cancel.replace(false) {
            Resume::Throw(FutureError::Cancelled)
        } else {
            resume
        };
        let state = {
            let mut body = self.inner.body.borrow_mut();
            match resume {
                Resume::Send(value) => Ok(body.send(value)),
                Resume::Throw(error) => body.throw(error),
            }
        };
        match state {
            Ok(CoroutineState::Yielded(future)) => {
                self.inner.waiter.replace(Some(future.clone()));
                let task = self.clone();
                future.add_done_callback(move |future| task.wakeup(future));
                // The body cancelled its own task during this step.
                if self.inner.must_cancel.get() && future.cancel() {
                    self.inner.must_cancel.set(false);
                }
            }
            Ok(CoroutineState::Complete(value)) => {
                let _ = self.inner.outcome.set_result(value);
            }
            Err(FutureError::Cancelled) => {
                self.inner.outcome.cancel();
            }
            Err(error) => {
                let _ = self.inner.outcome.set_exception(error.to_string());
            }
        }
    }

    /// The done callback of the awaited future: the next step.
    fn wakeup(&self, future: &Future<V>) {
        match future.result() {
            Ok(value) => self.step(Resume::Send(value)),
            Err(error) => self.step(Resume::Throw(error)),
        }
    }
}
