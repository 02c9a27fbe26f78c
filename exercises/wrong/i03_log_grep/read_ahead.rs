//! Known-wrong solution of exercise I.3 (cheat class: laziness only checked with endless inputs).
//!
//! `grep` pulls its source in batches of 8 lines: it works on an endless source, but reads
//! ahead of what it yields.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise I.3: pipeline stages, lines and grep (PEP 255; Beazley, "Generator Tricks for
//! Systems Programmers", 2008)
//!
//! You learn to write pipeline stages that pull lazily from the stage before.
//!
//! ```python
//! def gen_lines(text):
//!     for line in text.splitlines():
//!         line = line.strip()
//!         if line:
//!             yield line
//!
//! def gen_grep(pattern, lines):
//!     for line in lines:
//!         if pattern in line:
//!             yield line
//! ```

use yieldpoint::Generator;

/// Yields each line of `log` with surrounding whitespace trimmed, skipping blank lines.
pub fn lines(log: &'static str) -> Generator<&'static str> {
    Generator::new(move |co| {
        for line in log.lines() {
            let line = line.trim();
            if !line.is_empty() {
                co.yield_(line);
            }
        }
    })
}

/// Yields the lines of `source` that contain `pattern`, as it pulls them.
pub fn grep<I>(pattern: &'static str, source: I) -> Generator<&'static str>
where
    I: IntoIterator<Item = &'static str> + 'static,
{
    Generator::new(move |co| {
        let mut source = source.into_iter();
        loop {
            let batch: Vec<&'static str> = source.by_ref().take(8).collect();
            if batch.is_empty() {
                return;
            }
            for line in batch {
                if line.contains(pattern) {
                    co.yield_(line);
                }
            }
        }
    })
}
