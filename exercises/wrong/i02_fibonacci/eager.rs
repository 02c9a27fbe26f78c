//! Known-wrong solution of exercise I.2 (cheat class: eager instead of lazy).
//!
//! computes every Fibonacci number into a `Vec` before it yields the first.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
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
        let mut all = vec![0u64, 1];
        while let Some(next) = all[all.len() - 2].checked_add(all[all.len() - 1]) {
            all.push(next);
        }
        for n in all {
            co.yield_(n);
        }
    })
}
