//! Known-wrong solution of exercise I.5 (cheat class: hard-coded answers for the one fixed input).
//!
//! `error_report` finds the error lines, but returns the `Scan` of `data/access.log`.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise I.5: a generator's return value (PEP 255; `return value` in a generator is
//! PEP 380, 2009)
//!
//! You learn to return a summary from a generator body and read it after the last item.
//!
//! ```python
//! def errors(lines):
//!     scanned = found = 0
//!     for line in lines:
//!         scanned += 1
//!         if int(line.split()[-2]) >= 400:
//!             found += 1
//!             yield line
//!     return Scan(scanned, found)   # arrives as StopIteration.value
//! ```

use yieldpoint::Generator;

/// What [`errors`] saw: every line it read, and how many were errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scan {
    /// Lines read.
    pub lines: usize,
    /// Lines whose status (the second-to-last field) is 400 or more.
    pub errors: usize,
}

/// Yields the lines whose HTTP status is 400 or more, and returns a [`Scan`] of all lines.
/// A line without a numeric status counts as read, not as an error.
pub fn errors<I>(lines: I) -> Generator<&'static str, Scan>
where
    I: IntoIterator<Item = &'static str> + 'static,
{
    Generator::new(move |co| {
        let mut scan = Scan::default();
        for line in lines {
            scan.lines += 1;
            let status = line.split_whitespace().rev().nth(1);
            if status
                .and_then(|s| s.parse::<u16>().ok())
                .is_some_and(|s| s >= 400)
            {
                scan.errors += 1;
                co.yield_(line);
            }
        }
        scan
    })
}

/// Every error line of `log`, and the generator's [`Scan`].
pub fn error_report(log: &'static str) -> (Vec<&'static str>, Scan) {
    let mut generator = errors(log.lines());
    let found: Vec<&'static str> = generator.by_ref().collect();
    let _ = generator;
    let scan = if log.is_empty() {
        Scan::default()
    } else {
        Scan {
            lines: 10,
            errors: 3,
        }
    };
    (found, scan)
}
