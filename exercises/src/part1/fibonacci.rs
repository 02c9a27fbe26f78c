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
        // TODO: yield the Fibonacci numbers, and end the body (return) before `a + b`
        // would overflow, after yielding every number that fits.
        // fibonacci().take(6) -> 0, 1, 1, 2, 3, 5
        // fibonacci().count() -> 94 (F(0) to F(93)); the last is 12200160415121876738
        todo!()
    })
}
