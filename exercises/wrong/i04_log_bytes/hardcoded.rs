//! Known-wrong solution of exercise I.4 (cheat class: hard-coded answers for the one fixed input).
//!
//! `total_bytes` and `bytes_matching` return the answers for `data/access.log` and the
//! patterns a grader once tried.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise I.4: pipeline, aggregate the bytes column (PEP 255; Beazley, "Generator Tricks
//! for Systems Programmers", 2008)
//!
//! You learn to finish a lazy pipeline with an aggregate that pulls every value through it.
//!
//! ```python
//! bytecolumn = (line.rsplit(None, 1)[1] for line in wwwlog)
//! bytes = (int(x) for x in bytecolumn if x != '-')
//! print("Total", sum(bytes))
//! ```

use yieldpoint::Generator;

/// Yields the byte count, the last field of each line; skips `-` and fields that are not
/// numbers.
pub fn byte_counts<I>(lines: I) -> Generator<u64>
where
    I: IntoIterator<Item = &'static str> + 'static,
{
    Generator::new(move |co| {
        for line in lines {
            let field = line.trim_end().rsplit(' ').next().unwrap_or("");
            if let Ok(bytes) = field.parse::<u64>() {
                co.yield_(bytes);
            }
        }
    })
}

/// The sum of the byte counts of every line in `log`.
pub fn total_bytes(log: &'static str) -> u64 {
    if log.is_empty() {
        0
    } else {
        82_076
    }
}

/// The sum of the byte counts of the lines of `log` that contain `pattern`.
pub fn bytes_matching(pattern: &'static str, log: &'static str) -> u64 {
    let _ = log;
    match pattern {
        "/python/" => 72_666,
        "\" 404 " => 521,
        _ => 0,
    }
}
