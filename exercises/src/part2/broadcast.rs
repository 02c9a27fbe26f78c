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
    // TODO: a sink that sends each line (the first one too) to every target.
    // broadcast(vec![counter(a), counter(b)]): send("x") -> a == 1, b == 1
    todo!()
}

/// A sink that counts the lines it receives in `count`.
pub fn counter(count: Rc<Cell<usize>>) -> Sink {
    // TODO: add one to `count` for every line received.
    // send("a"), send("b") -> count == 2
    todo!()
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
