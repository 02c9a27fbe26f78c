//! Exercise II.8: make it compile, share state with a coroutine (PEP 342)
//!
//! You learn to share data between a coroutine and its caller: the body is `'static`, so it
//! owns a shared handle (`Rc<RefCell<_>>`) instead of borrowing a local.
//!
//! ```python
//! def recorder():
//!     seen = []
//!     def body():
//!         while True:
//!             seen.append((yield))
//!     return body(), lambda: list(seen)
//! ```
//!
//! This file is not a module of the `exercises` crate: it does not compile until solved. Its
//! grader compiles it on its own, as a module of a small program whose `main` sends values
//! of its own and reads them back (`cargo test -p exercises ii08_shared_sink`).

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::Coroutine;

/// A coroutine that records every value sent to it, and a function that returns the values
/// recorded so far (while the coroutine runs, and after it is dropped).
pub fn recorder() -> (Coroutine<u32, (), ()>, impl Fn() -> Vec<u32>) {
    // TODO: make this compile; change only the body of `recorder`, keep what it does.
    // send(1), send(2) -> read() == [1, 2]
    let mut seen = Vec::new();
    let recorder = Coroutine::new(|co, first: u32| {
        let mut value = first;
        loop {
            seen.push(value);
            value = co.yield_(());
        }
    });
    (recorder, move || seen.clone())
}
