//! Exercise I.7: make it compile, a generator owns its data (PEP 255)
//!
//! You learn why a generator body must be `'static`: it runs after the function that built
//! it has returned, so it owns what it reads.
//!
//! ```python
//! def words(text):
//!     for word in text.split():
//!         yield word
//! ```
//!
//! This file is not a module of the `exercises` crate: it does not compile until solved. Its
//! grader compiles it on its own, as a module of a small program whose `main` calls
//! `words` on texts of its own (`cargo test -p exercises i07_owned_words`).

use yieldpoint::Generator;

/// Yields the whitespace-separated words of `text`.
pub fn words(text: String) -> Generator<String> {
    // TODO: make this compile; change only the body of `words`.
    // words("to be or not") -> "to", "be", "or", "not"
    Generator::new(|co| {
        for word in text.split_whitespace() {
            co.yield_(word);
        }
    })
}

