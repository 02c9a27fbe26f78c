//! Grader for exercise I.4 (`src/part1/log_bytes.rs`).

mod support;

support::exercise!(
    log_bytes,
    "../../src/part1/log_bytes.rs",
    "../../solutions/part1/log_bytes.rs"
);

use crate::support::gen::{bounded, counted, leak, Rng};
use crate::support::grading;
use exercises::ACCESS_LOG;
use log_bytes::{byte_counts, bytes_matching, total_bytes};

/// A generated access log: its text, and each line's path and byte count (`None` for `-`).
fn access_log(rng: &mut Rng, lines: usize) -> (String, Vec<(String, Option<u64>)>) {
    let mut text = String::new();
    let mut rows = Vec::new();
    for _ in 0..lines {
        let len = rng.range(1..5) as usize;
        let path = format!(
            "/{}/{}.html",
            rng.pick(&["python", "rust", "c"]),
            rng.word(len)
        );
        let bytes = (!rng.one_in(4)).then(|| rng.range(0..100_000));
        let status = rng.pick(&[200, 304, 404, 500]);
        let field = bytes.map_or("-".to_string(), |b| b.to_string());
        text += &format!(
            "10.0.0.{} - - [28/Nov/2026:10:00:00] \"GET {path} HTTP/1.1\" {status} {field}\n",
            rng.range(1..255)
        );
        rows.push((path, bytes));
    }
    (text, rows)
}

#[test]
fn byte_counts_skips_dashes() {
    grading("log_bytes");
    let got: Vec<u64> = byte_counts(["x 200 7587", "y 304 -", "z 200 12"]).collect();
    assert_eq!(got, [7587, 12], "the last field of each line, without '-'");
}

#[test]
fn byte_counts_skips_fields_that_are_not_numbers() {
    grading("log_bytes");
    let got: Vec<u64> = byte_counts(["x 200 abc", "", "y 200 5"]).collect();
    assert_eq!(got, [5], "'abc' and an empty line have no byte count");
}

#[test]
fn byte_counts_of_generated_lines() {
    grading("log_bytes");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let lines = rng.below(20);
        let (text, rows) = access_log(&mut rng, lines);
        let want: Vec<u64> = rows.iter().filter_map(|(_, b)| *b).collect();
        let got = bounded(
            byte_counts(leak(text.clone()).lines()),
            lines,
            "byte_counts",
        );
        assert_eq!(got, want, "byte_counts of the lines of:\n{text}");
    }
}

/// Laziness counted at the source: each byte count is yielded as soon as its line is read.
#[test]
fn byte_counts_pulls_only_as_far_as_it_yields() {
    grading("log_bytes");
    let mut rng = Rng::new();
    let (text, rows) = access_log(&mut rng, 100);
    let (source, pulled) = counted(leak(text).lines().cycle());
    let mut g = byte_counts(source);
    for (i, (_, bytes)) in rows.iter().enumerate() {
        if let Some(bytes) = bytes {
            assert_eq!(g.next(), Some(*bytes), "the byte count of line {}", i + 1);
            assert_eq!(
                pulled.get(),
                i + 1,
                "byte_counts should yield line {}'s count having pulled {} lines, no \
                 more: pull one line at a time",
                i + 1,
                i + 1
            );
        }
    }
}

// ANCHOR: example_test
#[test]
fn totals_of_generated_logs() {
    grading("log_bytes");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let lines = rng.below(40);
        let (text, rows) = access_log(&mut rng, lines);
        let want: u64 = rows.iter().filter_map(|(_, b)| *b).sum();
        let got = total_bytes(leak(text.clone()));
        assert!(
            got == want,
            "total_bytes of this log returned {got}:\n{text}"
        );
    }
}
// ANCHOR_END: example_test

#[test]
fn bytes_of_matching_lines_anywhere_in_the_line() {
    grading("log_bytes");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let (text, rows) = access_log(&mut rng, 30);
        // A pattern in the middle of the line: part of a path.
        let (path, _) = rng.pick(&rows).clone();
        let pattern = leak(path[1..path.len() - 3].to_string());
        let want: u64 = rows
            .iter()
            .filter(|(p, _)| p.contains(pattern))
            .filter_map(|(_, b)| *b)
            .sum();
        let got = bytes_matching(pattern, leak(text.clone()));
        assert!(
            got == want,
            "bytes_matching({pattern:?}, log) returned {got} for this log:\n{text}"
        );
    }
    assert_eq!(
        bytes_matching("DELETE", ACCESS_LOG),
        0,
        "no DELETE requests in data/access.log"
    );
    assert_eq!(total_bytes(""), 0, "an empty log has 0 bytes");
}
