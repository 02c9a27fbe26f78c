//! Grader for exercise I.3 (`src/part1/log_grep.rs`).

use crate::grading;
use exercises::hint;
use exercises::part1::log_grep::{grep, lines};
use exercises::part1::ACCESS_LOG;

#[test]
fn lines_trims_and_skips_blank_lines() {
    grading("log_grep");
    let got: Vec<&str> = lines("first\n\n   \n  second  \nthird").collect();
    assert_eq!(
        got,
        ["first", "second", "third"],
        "lines() trims each line and skips blank ones{}",
        hint("log_grep")
    );
    assert_eq!(
        lines("").count(),
        0,
        "lines(\"\") yields nothing{}",
        hint("log_grep")
    );
}

#[test]
fn lines_of_the_access_log() {
    grading("log_grep");
    assert_eq!(
        lines(ACCESS_LOG).count(),
        10,
        "data/access.log has 10 lines{}",
        hint("log_grep")
    );
}

// ANCHOR: example_test
#[test]
fn grep_over_lines_of_the_log() {
    grading("log_grep");
    let python: Vec<&str> = grep("/python/", lines(ACCESS_LOG)).collect();
    assert_eq!(
        python.len(),
        4,
        "4 requests in data/access.log are under /python/{}",
        hint("log_grep")
    );
    assert!(
        python.iter().all(|l| l.contains("/python/")),
        "grep yields only matching lines{}",
        hint("log_grep")
    );
    assert!(
        python[0].contains("generators.html"),
        "grep keeps the order of its input{}",
        hint("log_grep")
    );
}
// ANCHOR_END: example_test

#[test]
fn grep_with_no_match_yields_nothing() {
    grading("log_grep");
    assert_eq!(
        grep("DELETE", lines(ACCESS_LOG)).count(),
        0,
        "no DELETE in data/access.log{}",
        hint("log_grep")
    );
    assert_eq!(
        grep("x", Vec::<&'static str>::new()).count(),
        0,
        "grep over no lines{}",
        hint("log_grep")
    );
}

#[test]
fn grep_is_lazy_over_an_endless_source() {
    grading("log_grep");
    let endless = ["tick", "GET /a", "tock"].into_iter().cycle();
    let got: Vec<&str> = grep("GET", endless).take(3).collect();
    assert_eq!(
        got,
        ["GET /a"; 3],
        "grep must pull lazily; collecting an endless source never ends{}",
        hint("log_grep")
    );
}

#[test]
fn stages_compose() {
    grading("log_grep");
    let got: Vec<&str> = grep("404", grep("GET", lines(ACCESS_LOG))).collect();
    assert_eq!(
        got.len(),
        2,
        "two GET requests got a 404{}",
        hint("log_grep")
    );
}
