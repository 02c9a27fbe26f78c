//! Known-wrong solution of exercise II.3 (cheat class: easy inputs only (targets whose order is invisible)).
//!
//! `broadcast` sends each line to its targets last to first.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise II.3: push pipelines, broadcast to several sinks (PEP 342; Beazley, "A Curious
//! Course on Coroutines and Concurrency", 2009)
//!
//! You learn that a push pipeline can branch: one coroutine feeds many.
//!
//! ```python
//! @coroutine
//! def broadcast(targets):
//!     while True:
//!         item = (yield)
//!         for target in targets:
//!             target.send(item)
//! ```

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use yieldpoint::Coroutine;

/// A consumer: each `send` pushes one line in; it yields nothing back.
pub type Sink = Coroutine<String, (), ()>;

/// A sink that sends a copy of every line to each of `targets`, in order.
pub fn broadcast(mut targets: Vec<Sink>) -> Sink {
    Coroutine::new(move |co, first: String| {
        let mut line = first;
        loop {
            for target in targets.iter_mut().rev() {
                let _ = target.send(line.clone());
            }
            line = co.yield_(());
        }
    })
}

/// A sink that counts the lines it receives in `count`.
pub fn counter(count: Rc<Cell<usize>>) -> Sink {
    Coroutine::new(move |co, _first: String| loop {
        count.set(count.get() + 1);
        co.yield_(());
    })
}

/// A sink that keeps the lines containing `pattern` (given, as in II.2).
pub fn grep_into(pattern: &'static str, out: Rc<RefCell<Vec<String>>>) -> Sink {
    Coroutine::new(move |co, first: String| {
        let mut line = first;
        loop {
            if line.contains(pattern) {
                out.borrow_mut().push(line);
            }
            line = co.yield_(());
        }
    })
}
