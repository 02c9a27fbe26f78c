//! Grader for exercise I.4 (`src/part1/log_bytes.rs`).

use crate::grading;
use exercises::hint;
use exercises::part1::log_bytes::{byte_counts, bytes_matching, total_bytes};
use exercises::part1::ACCESS_LOG;

#[test]
fn byte_counts_skips_dashes() {
    grading("log_bytes");
    let got: Vec<u64> = byte_counts(["x 200 7587", "y 304 -", "z 200 12"]).collect();
    assert_eq!(
        got,
        [7587, 12],
        "the last field of each line, without '-'{}",
        hint("log_bytes")
    );
}

#[test]
fn byte_counts_skips_fields_that_are_not_numbers() {
    grading("log_bytes");
    let got: Vec<u64> = byte_counts(["x 200 abc", "", "y 200 5"]).collect();
    assert_eq!(
        got,
        [5],
        "'abc' and an empty line have no byte count{}",
        hint("log_bytes")
    );
}

#[test]
fn byte_counts_is_lazy() {
    grading("log_bytes");
    let endless = ["x 200 1"].into_iter().cycle();
    assert_eq!(
        byte_counts(endless).take(4).sum::<u64>(),
        4,
        "byte_counts must pull lazily{}",
        hint("log_bytes")
    );
}

// ANCHOR: example_test
#[test]
fn total_of_the_access_log() {
    grading("log_bytes");
    assert_eq!(
        total_bytes(ACCESS_LOG),
        82_076,
        "the bytes column of data/access.log sums to 82076{}",
        hint("log_bytes")
    );
    assert_eq!(
        total_bytes(""),
        0,
        "an empty log has 0 bytes{}",
        hint("log_bytes")
    );
}
// ANCHOR_END: example_test

#[test]
fn bytes_of_matching_lines() {
    grading("log_bytes");
    assert_eq!(
        bytes_matching("/python/", ACCESS_LOG),
        72_666,
        "bytes served under /python/{}",
        hint("log_bytes")
    );
    assert_eq!(
        bytes_matching("\" 404 ", ACCESS_LOG),
        521,
        "bytes of the 404 responses{}",
        hint("log_bytes")
    );
    assert_eq!(
        bytes_matching("DELETE", ACCESS_LOG),
        0,
        "no DELETE requests{}",
        hint("log_bytes")
    );
}
