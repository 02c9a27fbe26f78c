//! Known-wrong solution of exercise I.6 (cheat class: run-to-end instead of interleaved).
//!
//! `run` drains each task to its end, then interleaves the saved lines: the right lines in
//! the right order, but the tasks did not take turns.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise I.6: seed 000's `run(tasks)`, round-robin over generators (PEP 255)
//!
//! You learn that a generator is a task: a scheduler resumes each in turn until all end.
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
//! Here the tasks yield the lines the seed prints, and `run` returns them in order.

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
    let mut saved: VecDeque<VecDeque<String>> =
        tasks.into_iter().map(|task| task.collect()).collect();
    let mut output = Vec::new();
    while let Some(mut lines) = saved.pop_front() {
        if let Some(line) = lines.pop_front() {
            output.push(line);
            saved.push_back(lines);
        }
    }
    output
}
