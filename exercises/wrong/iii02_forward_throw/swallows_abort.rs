//! Known-wrong solution of exercise III.2 (cheat class: cleanup of a suspended coroutine never exercised).
//!
//! See the `// WRONG:` comment below.
//!
//! Exercise III.2: yield from forwards throw and close (PEP 380)
//!
//! You learn PEP 380's rules for errors: a `throw` at the delegating coroutine goes to the
//! inner one first; if the inner one handles it, the delegation goes on; if not, it unwinds
//! the inner coroutine, then the outer one. A close closes the inner coroutine first.
//!
//! ```python
//! # Python 3.3
//! def inner(trace, total):
//!     try:
//!         while True:
//!             try:
//!                 sent = yield total
//!             except Skip:
//!                 trace.append("inner skipped %d" % total)
//!                 continue
//!             if sent == 0:
//!                 return total
//!             total += sent
//!     finally:
//!         trace.append("inner dropped")
//!
//! def outer(trace, first):
//!     try:
//!         total = yield from inner(trace, first)
//!         trace.append("outer got %d" % total)
//!         return 2 * total
//!     finally:
//!         trace.append("outer dropped")
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::Coroutine;

/// What the caller throws at a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Handled by `inner`: it logs it and goes on.
    Skip,
    /// Not handled: it unwinds both coroutines.
    Abort,
}

/// The events, in order.
pub type Trace = Rc<RefCell<Vec<String>>>;

/// A worker is sent numbers, yields its running total, returns a total, and is thrown
/// [`Signal`]s.
pub type Worker = Coroutine<u32, u32, u32, Signal>;

/// Writes `"<name> dropped"` to the trace when dropped: Python's `finally`.
#[derive(Debug)]
pub struct Guard {
    /// `"inner"` or `"outer"`.
    pub name: &'static str,
    /// The shared trace.
    pub trace: Trace,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.trace
            .borrow_mut()
            .push(format!("{} dropped", self.name));
    }
}

/// Holds a `Guard` named `"inner"` while it runs. Starts its total with `first` and yields
/// it; each value sent is added and the new total yielded; a sent `0` returns the total.
/// A thrown `Skip` writes `"inner skipped <total>"` and yields the total again; any other
/// signal propagates.
pub fn inner(trace: Trace) -> Worker {
    Coroutine::typed(move |co, first| {
        let _guard = Guard {
            name: "inner",
            trace: trace.clone(),
        };
        let mut total = first;
        loop {
            match co.try_yield(total) {
                Ok(0) => return total,
                Ok(sent) => total += sent,
                Err(Signal::Skip) => trace.borrow_mut().push(format!("inner skipped {total}")),
                Err(signal) => co.raise(signal),
            }
        }
    })
}

/// Holds a `Guard` named `"outer"` while it runs; delegates to [`inner`] with the first
/// value, then writes `"outer got <total>"` and returns twice the total.
pub fn outer(trace: Trace) -> Worker {
    Coroutine::typed(move |co, first| {
        let _guard = Guard {
            name: "outer",
            trace: trace.clone(),
        };
        // WRONG: catches the error inner let through and returns as if inner had finished.
        let total = co.try_yield_from(inner(trace.clone()), first).unwrap_or(0);
        trace.borrow_mut().push(format!("outer got {total}"));
        2 * total
    })
}
