//! Exercise II.8: make it compile, share state with a coroutine (PEP 342)
//!
//! You learn to share data between a coroutine and its caller: the body is `'static`, so it
//! owns a shared handle (`Rc<RefCell<_>>`) instead of borrowing a local.
//!
//! ```python
//! seen = []
//! def recorder():
//!     while True:
//!         seen.append((yield))
//! ```
//!
//! This file is not a module of the `exercises` crate: its grader compiles and runs it on its
//! own (`cargo test -p exercises ii8_shared_sink`).

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::Coroutine;

fn main() {
    // TODO: make this compile and run; keep what it checks.
    // send(1), send(2) -> seen == [1, 2]
    let mut seen = Vec::new();
    let mut recorder = Coroutine::new(|co, first: u32| {
        let mut value = first;
        loop {
            seen.push(value);
            value = co.yield_(());
        }
    });
    let _ = recorder.send(1);
    let _ = recorder.send(2);
    drop(recorder);
    assert_eq!(seen, [1, 2]);
}
