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
    // TODO: a generator yielding the last space-separated field of each line as a u64.
    // ["... 200 7587", "... 304 -", "... 200 12"] -> 7587, 12
    todo!()
}

/// The sum of the byte counts of every line in `log`.
pub fn total_bytes(log: &'static str) -> u64 {
    // TODO: log's lines -> byte_counts -> sum.
    // total_bytes("a 200 10\nb 304 -\nc 200 5") -> 15
    todo!()
}

/// The sum of the byte counts of the lines of `log` that contain `pattern`.
pub fn bytes_matching(pattern: &'static str, log: &'static str) -> u64 {
    // TODO: log's lines -> keep those containing pattern -> byte_counts -> sum.
    // bytes_matching("/py", "GET /py 200 10\nGET /c 200 5") -> 10
    todo!()
}
