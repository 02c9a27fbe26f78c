//! Grader for exercise I.3 (`src/part1/log_grep.rs`).

mod support;

support::exercise!(
    log_grep,
    "../../src/part1/log_grep.rs",
    "../../solutions/part1/log_grep.rs"
);

use crate::support::gen::{bounded, counted, leak, Rng};
use crate::support::grading;
use exercises::ACCESS_LOG;
use log_grep::{grep, lines};

#[test]
fn lines_trims_and_skips_blank_lines() {
    grading("log_grep");
    let got: Vec<&str> = lines("first\n\n   \n  second  \nthird").collect();
    assert_eq!(
        got,
        ["first", "second", "third"],
        "lines() trims each line and skips blank ones"
    );
    assert_eq!(lines("").count(), 0, "lines(\"\") yields nothing");
}

#[test]
fn lines_of_generated_text() {
    grading("log_grep");
    let mut rng = Rng::new();
    for _ in 0..20 {
        let mut text = String::new();
        let mut want = Vec::new();
        for _ in 0..rng.range(0..12) {
            let pad = |rng: &mut Rng| " \t".repeat(rng.below(3));
            if rng.one_in(3) {
                text += &pad(&mut rng);
            } else {
                let len = rng.range(1..8) as usize;
                let line = format!("{} {}", rng.word(len), rng.word(2));
                text += &format!("{}{line}{}", pad(&mut rng), pad(&mut rng));
                want.push(line);
            }
            text.push('\n');
        }
        if rng.one_in(2) {
            text.pop();
        }
        let got = bounded(lines(leak(text.clone())), want.len(), "lines()");
        assert_eq!(got, want, "lines({text:?})");
    }
}

// ANCHOR: example_test
#[test]
fn grep_over_lines_of_the_log() {
    grading("log_grep");
    let python: Vec<&str> = grep("/python/", lines(ACCESS_LOG)).collect();
    let want: Vec<&str> = ACCESS_LOG
        .lines()
        .filter(|l| l.contains("/python/"))
        .collect();
    assert_eq!(python, want, "the lines under /python/, in log order");
}
// ANCHOR_END: example_test

#[test]
fn grep_keeps_every_matching_line_in_order() {
    grading("log_grep");
    let mut rng = Rng::new();
    for _ in 0..20 {
        let len = rng.range(1..4) as usize;
        let pattern = leak(rng.word(len).to_uppercase());
        let source: Vec<&'static str> = (0..rng.range(0..30))
            .map(|_| {
                let hit = rng.one_in(2);
                leak(rng.line_with(pattern, hit))
            })
            .collect();
        let want: Vec<&str> = source
            .iter()
            .copied()
            .filter(|l| l.contains(pattern))
            .collect();
        let got = bounded(grep(pattern, source.clone()), source.len(), "grep");
        assert_eq!(got, want, "grep({pattern:?}, {source:?})");
    }
}

/// Laziness counted at the source: to yield its k-th match, grep pulls exactly up to the
/// line of that match, not a batch ahead.
#[test]
fn grep_pulls_only_as_far_as_it_yields() {
    grading("log_grep");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let lines: Vec<&'static str> = (0..200)
            .map(|_| {
                let hit = rng.one_in(4);
                leak(rng.line_with("GET", hit))
            })
            .collect();
        let (source, pulled) = counted(lines.clone().into_iter().cycle());
        let mut g = grep("GET", source);
        let mut matched = 0;
        for (i, line) in lines.iter().enumerate() {
            if !line.contains("GET") {
                continue;
            }
            matched += 1;
            assert_eq!(g.next(), Some(*line), "grep(\"GET\", ...) match {matched}");
            assert_eq!(
                pulled.get(),
                i + 1,
                "to yield its match {matched} (line {}), grep should have pulled {} lines \
                 from its source, no more: pull one line at a time",
                i + 1,
                i + 1
            );
        }
    }
}

#[test]
fn grep_with_no_match_yields_nothing() {
    grading("log_grep");
    assert_eq!(
        grep("DELETE", lines(ACCESS_LOG)).count(),
        0,
        "no DELETE in data/access.log"
    );
    assert_eq!(
        grep("x", Vec::<&'static str>::new()).count(),
        0,
        "grep over no lines"
    );
}

#[test]
fn stages_compose() {
    grading("log_grep");
    let got: Vec<&str> = grep("404", grep("GET", lines(ACCESS_LOG))).collect();
    let want: Vec<&str> = ACCESS_LOG
        .lines()
        .map(str::trim)
        .filter(|l| l.contains("GET") && l.contains("404"))
        .collect();
    assert_eq!(got, want, "the GET requests that got a 404");
}
