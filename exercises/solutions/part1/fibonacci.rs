//! Exercise I.2: an unbounded generator that stops on overflow (PEP 255)
//!
//! You learn that a generator may describe an endless sequence, and how its body ends it.
//!
//! ```python
//! def fibonacci():
//!     a, b = 0, 1
//!     while True:
//!         yield a
//!         a, b = b, a + b
//! ```
//!
//! Python's integers never overflow; a `u64` does after F(93), so the Rust version ends there.

use yieldpoint::Generator;

/// Yields F(0) = 0, F(1) = 1, F(2) = 1, ... up to the last Fibonacci number that fits a `u64`.
pub fn fibonacci() -> Generator<u64> {
    Generator::new(|co| {
        let (mut a, mut b) = (0u64, 1u64);
        loop {
            co.yield_(a);
            match a.checked_add(b) {
                Some(next) => (a, b) = (b, next),
                None => {
                    // `b` fits but `a + b` does not: `b` is the last one.
                    co.yield_(b);
                    return;
                }
            }
        }
    })
}
