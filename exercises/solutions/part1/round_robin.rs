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
    Generator::new(move |co| {
        while n > 0 {
            co.yield_(format!("Down {n}"));
            n -= 1;
        }
    })
}

/// Yields `"Up 0"`, ..., `"Up stop-1"`.
pub fn countup(stop: u32) -> Task {
    Generator::new(move |co| {
        for x in 0..stop {
            co.yield_(format!("Up {x}"));
        }
    })
}

/// Runs the tasks round-robin, one step each in turn, and returns their lines in the order
/// they were yielded.
pub fn run(tasks: Vec<Task>) -> Vec<String> {
    let mut queue: VecDeque<Task> = tasks.into();
    let mut output = Vec::new();
    while let Some(mut task) = queue.pop_front() {
        if let Some(line) = task.next() {
            output.push(line);
            queue.push_back(task);
        }
    }
    output
}
