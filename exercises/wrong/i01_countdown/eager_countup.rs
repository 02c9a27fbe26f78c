//! Known-wrong solution of exercise I.1 (cheat class: eager instead of lazy).
//!
//! `countup` collects its numbers into a `Vec`, then yields them: right items, but all
//! computed before the first `next()`.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise I.1: a generator as a lazy iterator (PEP 255)
//!
//! You learn to write a `Generator` whose body runs only as far as the caller pulls.
//!
//! ```python
//! def countdown(n):
//!     while n > 0:
//!         yield n
//!         n -= 1
//!
//! def countup(stop):
//!     x = 0
//!     while x < stop:
//!         yield x
//!         x += 1
//! ```

use yieldpoint::Generator;

/// Yields `n`, `n - 1`, ..., `1`.
pub fn countdown(mut n: u32) -> Generator<u32> {
    Generator::new(move |co| {
        while n > 0 {
            co.yield_(n);
            n -= 1;
        }
    })
}

/// Yields `0`, `1`, ..., `stop - 1`.
pub fn countup(stop: u32) -> Generator<u32> {
    Generator::new(move |co| {
        let all: Vec<u32> = (0..stop).collect();
        for x in all {
            co.yield_(x);
        }
    })
}
