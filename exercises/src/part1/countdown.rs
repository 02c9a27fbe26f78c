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
        // TODO: yield n, then n - 1, ... down to 1.
        // countdown(3) -> 3, 2, 1; countdown(0) -> nothing
        todo!()
    })
}

/// Yields `0`, `1`, ..., `stop - 1`.
pub fn countup(stop: u32) -> Generator<u32> {
    // TODO: write the generator, as in countdown.
    // countup(3) -> 0, 1, 2; countup(0) -> nothing
    todo!()
}
