//! Known-wrong solution of exercise IV.9 (cheat class: make-it-compile checks living in the learner's file).
//!
//! the code is switched off with `#[cfg(any())]` and the checks with an empty `main`: it
//! "compiles and runs".
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise IV.9: make it compile, an `Rc` held across a yield on a `WorkQueue` (PEP 3156)
//!
//! You learn what "started tasks never move" buys: a work-queue task may keep an `Rc`
//! across its yield points, because once it has started it stays on its OS thread; but it
//! cannot be handed one when it is spawned, because a task that has not started may be
//! stolen by another worker.
//!
//! ```python
//! # Python: asyncio has one loop per thread and its tasks never change threads, so the
//! # question does not come up; a task's local state is its own.
//! async def word_counts(lines):
//!     counts = collections.Counter()
//!     for line in lines:
//!         counts.update(line.split())
//!         await asyncio.sleep(0)
//!     return counts
//! ```
//!
//! This file is not a module of the `exercises` crate: it does not compile until solved. Its
//! grader compiles it on its own, as a module of a small program whose `main` calls
//! `word_counts` on a `WorkQueue` (`cargo test -p exercises iv09_rc_across_yield`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use yieldpoint::sched::WorkQueue;
use yieldpoint::JoinHandle;

/// Word counts, shared by the functions of one task.
pub type Counts = Rc<RefCell<BTreeMap<String, usize>>>;

/// Adds the whitespace-separated words of `line` to `counts`.
pub fn count_line(counts: &Counts, line: &str) {
    let mut counts = counts.borrow_mut();
    for word in line.split_whitespace() {
        *counts.entry(word.to_string()).or_default() += 1;
    }
}

#[cfg(any())]
/// Counts the words of `lines` in a task on `rt`, yielding after each line so that the
/// other tasks of its worker get turns; the task returns the counts.
pub fn word_counts(rt: &WorkQueue, lines: Vec<String>) -> JoinHandle<BTreeMap<String, usize>> {
    // The closure is `Send` (it owns only `lines`): it may start on any worker. The `Rc` is
    // made once the task runs, and a started task never leaves its worker.
    rt.spawn(move || {
        let counts: Counts = Rc::default();
        for line in &lines {
            count_line(&counts, line);
            yieldpoint::yield_now(); // `counts` is held across this yield point
        }
        counts.take()
    })
}

#[allow(dead_code)]
fn main() {}
