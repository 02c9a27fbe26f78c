//! Exercise I.6: a round-robin `run(tasks)` over generators (PEP 255)
//!
//! You learn that a generator is a task: a scheduler resumes each in turn until all end.
//!
//! Python 3, from Milko Rodríguez's "Context Switching and Cooperative Multitasking in
//! Python" (2018):
//!
//! ```python
//! def run(tasks):
//!     tasks = deque(tasks)
//!     while tasks:
//!         task = tasks.popleft()
//!         try:
//!             next(task)
//!             tasks.append(task)
//!         except StopIteration:
//!             pass
//! ```
//!
//! Here the tasks yield the lines the article prints, and `run` returns them in order.

use std::collections::VecDeque;

use yieldpoint::Generator;

/// A task: each step yields one line of output.
pub type Task = Generator<String>;

/// Yields `"Down n"`, `"Down n-1"`, ..., `"Down 1"`.
pub fn countdown(mut n: u32) -> Task {
    // TODO: the article's countdown, yielding its line instead of printing it.
    // countdown(2) -> "Down 2", "Down 1"
    todo!()
}

/// Yields `"Up 0"`, ..., `"Up stop-1"`.
pub fn countup(stop: u32) -> Task {
    // TODO: the article's countup, yielding its line instead of printing it.
    // countup(2) -> "Up 0", "Up 1"
    todo!()
}

/// Runs the tasks round-robin, one step each in turn, and returns their lines in the order
/// they were yielded.
pub fn run(tasks: Vec<Task>) -> Vec<String> {
    // TODO: a run queue: take the front task, step it once, requeue it if it yielded.
    // run(vec![countdown(2), countup(2)]) -> ["Down 2", "Up 0", "Down 1", "Up 1"]
    todo!()
}
