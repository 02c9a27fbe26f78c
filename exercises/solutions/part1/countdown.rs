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
        let mut x = 0;
        while x < stop {
            co.yield_(x);
            x += 1;
        }
    })
}
