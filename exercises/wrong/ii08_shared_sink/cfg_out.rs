//! Known-wrong solution of exercise II.8 (cheat class: make-it-compile checks living in the learner's file).
//!
//! the code is switched off with `#[cfg(any())]` and the checks with an empty `main`: it
//! "compiles and runs".
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
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

#[cfg(any())]
/// A coroutine that records every value sent to it, and a function that returns the values
/// recorded so far (while the coroutine runs, and after it is dropped).
pub fn recorder() -> (Coroutine<u32, (), ()>, impl Fn() -> Vec<u32>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let recorded = seen.clone();
    let recorder = Coroutine::new(move |co, first: u32| {
        let mut value = first;
        loop {
            recorded.borrow_mut().push(value);
            value = co.yield_(());
        }
    });
    (recorder, move || seen.borrow().clone())
}

#[allow(dead_code)]
fn main() {}
