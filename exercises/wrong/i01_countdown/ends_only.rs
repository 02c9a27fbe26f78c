//! Known-wrong solution of exercise I.1 (cheat class: easy inputs only (only the ends of a long sequence checked)).
//!
//! `countdown` of a long sequence yields 0 in place of its middle number: its first and last
//! items, and its length, are right.
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
        let start = n;
        while n > 0 {
            co.yield_(if start > 10 && n == start / 2 { 0 } else { n });
            n -= 1;
        }
    })
}

/// Yields `0`, `1`, ..., `stop - 1`.
pub fn countup(stop: u32) -> Generator<u32> {
    Generator::new(move |co| {
        let mut x = 0;
        while x < stop {
            co.yield_(x);
            x += 1;
        }
    })
}
