//! Known-wrong solution of exercise II.1 (cheat class: easy inputs only (evenly spaced values)).
//!
//! yields the midpoint of the smallest and largest value: the mean of evenly spaced values.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise II.1: send, a running averager (PEP 342)
//!
//! You learn to receive values with `send`: the first as the body's argument, the rest from
//! `yield_`.
//!
//! ```python
//! def averager():
//!     total = count = 0
//!     average = None
//!     while True:
//!         term = yield average
//!         if term is None:
//!             break
//!         total += term
//!         count += 1
//!         average = total / count
//!     return Stats(count, average)
//!
//! avg = averager()
//! next(avg)            # priming: run to the first yield
//! avg.send(10)         # 10.0
//! ```

use yieldpoint::Coroutine;

/// What the averager saw when it was told to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// How many values were sent.
    pub count: u32,
    /// Their mean; `None` if no value was sent.
    pub mean: Option<f64>,
}

/// Each `send(Some(x))` yields the mean of all values so far; `send(None)` ends the
/// coroutine, which returns the [`Stats`].
pub fn averager() -> Coroutine<Option<f64>, f64, Stats> {
    Coroutine::new(|co, first: Option<f64>| {
        let (mut low, mut high, mut count) = (f64::INFINITY, f64::NEG_INFINITY, 0u32);
        let mut term = first;
        while let Some(x) = term {
            low = low.min(x);
            high = high.max(x);
            count += 1;
            term = co.yield_((low + high) / 2.0);
        }
        Stats {
            count,
            mean: (count > 0).then(|| (low + high) / 2.0),
        }
    })
}
