//! Exercise I.5: a generator's return value (PEP 255; `return value` in a generator is
//! PEP 380, Python 3.3, 2012)
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
        // TODO: yield each error line and return the Scan.
        // ["a 200 5", "b 404 9", "c 500 -"] -> yields "b 404 9", "c 500 -";
        //                                      returns Scan { lines: 3, errors: 2 }
        todo!()
    })
}

/// Every error line of `log`, and the generator's [`Scan`].
pub fn error_report(log: &'static str) -> (Vec<&'static str>, Scan) {
    // TODO: collect the items of errors(log.lines()), then take its return value.
    // error_report("a 200 5\nb 404 9") -> (["b 404 9"], Scan { lines: 2, errors: 1 })
    todo!()
}
