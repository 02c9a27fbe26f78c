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
//! This file is not a module of the `exercises` crate: its grader compiles and runs it on its
//! own (`cargo test -p exercises i7_owned_words`).

use yieldpoint::Generator;

/// Yields the whitespace-separated words of `text`.
fn words(text: String) -> Generator<String> {
    Generator::new(move |co| {
        for word in text.split_whitespace() {
            co.yield_(word.to_string());
        }
    })
}

fn main() {
    let got: Vec<String> = words(String::from("to be or not")).collect();
    assert_eq!(got, ["to", "be", "or", "not"]);
    assert_eq!(words(String::new()).count(), 0);
}
