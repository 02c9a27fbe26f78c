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
    // TODO: a generator over the trimmed, non-blank lines.
    // lines("a\n\n  b \n") -> "a", "b"
    todo!()
}

/// Yields the lines of `source` that contain `pattern`, as it pulls them.
pub fn grep<I>(pattern: &'static str, source: I) -> Generator<&'static str>
where
    I: IntoIterator<Item = &'static str> + 'static,
{
    // TODO: a generator that pulls from `source` and yields only the lines containing
    // `pattern`. Do not collect: `source` may never end.
    // grep("GET", ["GET /a", "POST /b", "GET /c"]) -> "GET /a", "GET /c"
    todo!()
}
