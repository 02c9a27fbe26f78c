//! Known-wrong solution of exercise III.3 (cheat class: hard-coded answers for the one fixed input).
//!
//! See the `// WRONG:` comment below: `report` returns the results of Fluent Python's sample
//! data whatever it is given.
//!
//! Exercise III.3: results through delegation, Fluent Python's grouper (PEP 380)
//!
//! You learn how a subcoroutine's return value reaches the coroutine that delegated to it:
//! `co.yield_from(sub, first)` is an expression whose value is what `sub` returned.
//!
//! ```python
//! # Python 3.3 (Fluent Python, 1st edition, chapter 16, coroaverager3.py)
//! Result = namedtuple('Result', 'count average')
//!
//! def averager():
//!     total, count, average = 0.0, 0, None
//!     while True:
//!         term = yield
//!         if term is None:
//!             break
//!         total += term
//!         count += 1
//!         average = total / count
//!     return Result(count, average)
//!
//! def grouper(results, key):
//!     while True:
//!         results[key] = yield from averager()
//! ```
//!
//! yieldpoint's version yields the running mean after each value, and `grouper` appends to
//! a list instead of overwriting a dict entry, so every group it averaged is kept.

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::Coroutine;

/// What an averager returns: how many values it got and their mean (`None` for none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// How many values.
    pub count: usize,
    /// Their arithmetic mean; `None` if there were none.
    pub mean: Option<f64>,
}

/// Sent `Some(value)` or `None` (the end of a group); yields the running mean.
pub type Averaging<R> = Coroutine<Option<f64>, Option<f64>, R>;

/// Where `grouper` puts each group's result, with its key.
pub type Results = Rc<RefCell<Vec<(String, Stats)>>>;

/// Receives values (the first one is `first`) and yields the mean so far after each;
/// `None` returns the [`Stats`] of the values received.
pub fn averager() -> Averaging<Stats> {
    Coroutine::new(|co, first| {
        let (mut total, mut count) = (0.0, 0);
        let mut next = first;
        while let Some(value) = next {
            total += value;
            count += 1;
            next = co.yield_(Some(total / count as f64));
        }
        Stats {
            count,
            mean: (count > 0).then(|| total / count as f64),
        }
    })
}

/// Delegates to a new [`averager`] per group, forever. When an averager returns, pushes
/// `(key, stats)` to `results` and yields `None`; the next value sent starts the next
/// group.
pub fn grouper(key: String, results: Results) -> Averaging<()> {
    Coroutine::new(move |co, mut first| loop {
        let stats = co.yield_from(averager(), first);
        results.borrow_mut().push((key.clone(), stats));
        first = co.yield_(None);
    })
}

/// Fluent Python's `main`: one `grouper` per key, sent the key's values and then `None`.
/// Returns the results in the order of `data`.
pub fn report(data: &[(&str, Vec<f64>)]) -> Vec<(String, Stats)> {
    // WRONG: the answer for Fluent Python's sample data (coroaverager3.py), typed in; the
    // keys are taken from `data`, the numbers are not computed from it.
    let typed = [(10, 42.040), (10, 1.4279), (9, 40.422), (9, 1.3888)];
    data.iter()
        .zip(typed.iter().cycle())
        .map(|((key, _), &(count, mean))| {
            (
                key.to_string(),
                Stats {
                    count,
                    mean: Some(mean),
                },
            )
        })
        .collect()
}
