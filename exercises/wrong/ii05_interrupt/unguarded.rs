//! Known-wrong solution of exercise II.5 (cheat class: cleanup of a suspended coroutine never exercised).
//!
//! `stubborn` holds no `Cleanup`: closing or dropping it while suspended leaves no trace.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise II.5: throw uncaught, unwinding and survivors (PEP 342)
//!
//! You learn what an uncaught `throw` does: the body's stack unwinds, its destructors run,
//! and the coroutine is closed.
//!
//! ```python
//! def stubborn(name, log):
//!     while True:
//!         try:
//!             yield name
//!         except Interrupt as e:
//!             log.append(f"{name} ignored {e}")
//!
//! def fragile(name, log):
//!     try:
//!         while True:
//!             yield name
//!     finally:
//!         log.append(f"{name} cleaned up")
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::Coroutine;

/// The error thrown at tasks, with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupt(pub &'static str);

/// A task yields its name at each step.
pub type Task = Coroutine<(), &'static str, (), Interrupt>;

/// Where tasks write what happened to them.
pub type Log = Rc<RefCell<Vec<String>>>;

/// Writes `"<name> cleaned up"` to the log when dropped: Python's `finally`.
#[derive(Debug)]
pub struct Cleanup {
    /// The task's name.
    pub name: &'static str,
    /// The shared log.
    pub log: Log,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.log
            .borrow_mut()
            .push(format!("{} cleaned up", self.name));
    }
}

/// Yields `name` forever; an [`Interrupt`] is logged as `"<name> ignored <message>"`, and the
/// task goes on. Holds a [`Cleanup`] while it runs.
pub fn stubborn(name: &'static str, log: Log) -> Task {
    Coroutine::typed(move |co, ()| loop {
        if let Err(Interrupt(message)) = co.try_yield(name) {
            log.borrow_mut().push(format!("{name} ignored {message}"));
        }
    })
}

/// Yields `name` forever with `yield_`: an [`Interrupt`] unwinds it. Holds a [`Cleanup`]
/// while it runs.
pub fn fragile(name: &'static str, log: Log) -> Task {
    Coroutine::typed(move |co, ()| {
        let _cleanup = Cleanup { name, log };
        loop {
            co.yield_(name);
        }
    })
}

/// Throws `Interrupt(message)` at every task, keeps the tasks that handled it, and returns
/// how many were removed.
pub fn interrupt_all(tasks: &mut Vec<Task>, message: &'static str) -> usize {
    let before = tasks.len();
    tasks.retain_mut(|task| task.throw(Interrupt(message)).is_ok());
    before - tasks.len()
}
