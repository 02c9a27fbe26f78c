//! Exercise III.1: make it compile, a Yielder stays in its coroutine (PEP 380)
//!
//! You learn why a stackful coroutine does not need `yield from`: any plain function, or a
//! method of a struct, can yield through the body's `&Yielder`, as long as the borrow stays
//! inside the body. A struct that holds the `Yielder` borrows it, so it needs a lifetime.
//!
//! ```python
//! # Python 3.3: a helper that yields must itself be a generator, called with yield from.
//! def emit(count, line):
//!     yield "%d: %s" % (count, line)
//!
//! def numbered(text):
//!     count = 0
//!     for line in text.splitlines():
//!         if line.strip():
//!             count += 1
//!             yield from emit(count, line)
//!     return count
//! ```
//!
//! This file is not a module of the `exercises` crate: its grader compiles it with a
//! `main` of its own that uses `Emitter` and `numbered` (`cargo test -p exercises
//! iii01_emitter`). Keep the names and what they do.

use yieldpoint::{Generator, Yielder};

/// Numbers the lines it emits and yields each as `"<n>: <line>"`, through the `Yielder`
/// of the coroutine that created it.
pub struct Emitter {
    // TODO: make this file compile. The body's Yielder lives only while the body runs,
    // so a struct cannot hold it as `&'static`: give `Emitter` a lifetime instead.
    // Do not change what the functions do.
    co: &'static Yielder<(), String>,
    count: usize,
}

impl Emitter {
    /// An emitter that yields through `co`, numbering from 1.
    pub fn new(co: &'static Yielder<(), String>) -> Self {
        Emitter { co, count: 0 }
    }

    /// Yields `"<n>: <line>"`, where `n` counts the lines emitted so far.
    pub fn emit(&mut self, line: &str) {
        self.count += 1;
        self.co.yield_(format!("{}: {line}", self.count));
    }

    /// How many lines it emitted.
    pub fn count(&self) -> usize {
        self.count
    }
}

/// Yields the lines of `text` that are not blank, numbered from 1; returns how many.
pub fn numbered(text: String) -> Generator<String, usize> {
    // TODO: with the lifetime above, this body compiles as it is.
    // "a\n\nb" -> yields "1: a", "2: b"; returns 2
    Generator::new(move |co| {
        let mut out = Emitter::new(co);
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            out.emit(line);
        }
        out.count()
    })
}
