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
        // TODO: push `first` and then every later line into `out`, forever.
        // send("a"), send("b") -> out == ["a", "b"]
        todo!()
    })
}

/// A sink that sends on to `target` the lines containing `pattern`.
pub fn grep(pattern: &'static str, mut target: Sink) -> Sink {
    // TODO: a sink that forwards matching lines to `target`.
    // grep("py", collector(out)): send("python"), send("rust") -> out == ["python"]
    todo!()
}

/// Sends each line to `sink`, in order.
pub fn feed(lines: &[&str], sink: &mut Sink) {
    // TODO: send every line, as an owned String.
    // feed(&["a", "b"], &mut collector(out)) -> out == ["a", "b"]
    todo!()
}
