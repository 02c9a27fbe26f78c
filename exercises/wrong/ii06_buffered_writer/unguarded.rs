//! Known-wrong solution of exercise II.6 (cheat class: cleanup of a suspended coroutine never exercised).
//!
//! keeps the buffer in a local `Vec`, not in the `Flush` guard: full batches are written,
//! the rest is lost when the suspended writer is closed or dropped.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise II.6: close and cleanup with `Drop` (PEP 342)
//!
//! You learn that `close()` unwinds a suspended coroutine, so a guard's `Drop` plays
//! Python's `finally`.
//!
//! ```python
//! def writer(capacity, out):
//!     buffer = []
//!     try:
//!         while True:
//!             buffer.append((yield))
//!             if len(buffer) == capacity:
//!                 out.append(buffer)
//!                 buffer = []
//!     finally:
//!         if buffer:
//!             out.append(buffer)    # runs on close() and on garbage collection
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::Coroutine;

/// Where the writer puts each batch of lines.
pub type Batches = Rc<RefCell<Vec<Vec<String>>>>;

/// Holds the lines not yet written; writes them as a last batch when dropped, if any.
#[derive(Debug)]
pub struct Flush {
    /// Lines received since the last batch.
    pub buffer: Vec<String>,
    /// Where batches go.
    pub out: Batches,
}

impl Drop for Flush {
    fn drop(&mut self) {
        if !self.buffer.is_empty() {
            self.out.borrow_mut().push(std::mem::take(&mut self.buffer));
        }
    }
}

/// A sink that writes lines to `out` in batches of `capacity` (at least 1); closing or
/// dropping it writes the rest.
pub fn writer(capacity: usize, out: Batches) -> Coroutine<String, (), ()> {
    let capacity = capacity.max(1);
    Coroutine::new(move |co, first: String| {
        let mut buffer = Vec::new();
        let mut line = first;
        loop {
            buffer.push(line);
            if buffer.len() == capacity {
                out.borrow_mut().push(std::mem::take(&mut buffer));
            }
            line = co.yield_(());
        }
    })
}
