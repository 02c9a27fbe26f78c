//! Known-wrong solution of exercise II.2 (cheat class: easy inputs only (patterns always at the edge)).
//!
//! `grep` forwards a line only if the pattern starts one of its words.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise II.2: push pipelines, Beazley's grep sink (PEP 342; Beazley, "A Curious Course
//! on Coroutines and Concurrency", 2009)
//!
//! You learn to write consumers: coroutines that are pushed data with `send` and pass it on.
//!
//! ```python
//! @coroutine
//! def grep(pattern, target):
//!     while True:
//!         line = (yield)
//!         if pattern in line:
//!             target.send(line)
//!
//! @coroutine
//! def collector(out):
//!     while True:
//!         out.append((yield))
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::Coroutine;

/// A consumer: each `send` pushes one line in; it yields nothing back.
pub type Sink = Coroutine<String, (), ()>;

/// A sink that appends every line it receives to `out`.
pub fn collector(out: Rc<RefCell<Vec<String>>>) -> Sink {
    Coroutine::new(move |co, first: String| {
        let mut line = first;
        loop {
            out.borrow_mut().push(line);
            line = co.yield_(());
        }
    })
}

/// A sink that sends on to `target` the lines containing `pattern`.
pub fn grep(pattern: &'static str, mut target: Sink) -> Sink {
    Coroutine::new(move |co, first: String| {
        let mut line = first;
        loop {
            if line.split(' ').any(|word| word.starts_with(pattern)) {
                let _ = target.send(line);
            }
            line = co.yield_(());
        }
    })
}

/// Sends each line to `sink`, in order.
pub fn feed(lines: &[&str], sink: &mut Sink) {
    for line in lines {
        let _ = sink.send(line.to_string());
    }
}
