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
        // TODO: write the buffered lines to `out` as one batch, unless there are none.
        // buffer == ["e"] -> out gets ["e"]; buffer == [] -> out unchanged
    }
}

/// A sink that writes lines to `out` in batches of `capacity` (at least 1); closing or
/// dropping it writes the rest.
pub fn writer(capacity: usize, out: Batches) -> Coroutine<String, (), ()> {
    let capacity = capacity.max(1);
    Coroutine::new(move |co, first: String| {
        // TODO: keep the lines in a Flush guard; write a batch each time it is full.
        // capacity 2: send a, b, c, d, e, then close() -> out == [[a, b], [c, d], [e]]
        todo!()
    })
}
