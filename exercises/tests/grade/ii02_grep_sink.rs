//! Grader for exercise II.2 (`src/part2/grep_sink.rs`).

mod support;

support::exercise!(
    grep_sink,
    "../../src/part2/grep_sink.rs",
    "../../solutions/part2/grep_sink.rs"
);

use std::cell::RefCell;
use std::rc::Rc;

use crate::support::grading;
use grep_sink::{collector, feed, grep};
use yieldpoint::{CoroutineState, Lifecycle};

#[test]
fn collector_keeps_every_line() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut sink = collector(out.clone());
    assert_eq!(
        sink.send("a".into()),
        CoroutineState::Yielded(()),
        "a sink yields () after each line"
    );
    let _ = sink.send("b".into());
    assert_eq!(
        *out.borrow(),
        ["a", "b"],
        "collector pushes each line, the first one too"
    );
    assert_eq!(
        sink.state(),
        Lifecycle::Suspended,
        "a sink never returns by itself"
    );
}

// ANCHOR: example_test
#[test]
fn grep_forwards_matching_lines() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut sink = grep("python", collector(out.clone()));
    feed(
        &["python generators", "rust iterators", "python coroutines"],
        &mut sink,
    );
    assert_eq!(
        *out.borrow(),
        ["python generators", "python coroutines"],
        "only lines with 'python'"
    );
}
// ANCHOR_END: example_test

#[test]
fn grep_matching_the_first_line_only() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut sink = grep("first", collector(out.clone()));
    feed(&["first", "second"], &mut sink);
    assert_eq!(
        *out.borrow(),
        ["first"],
        "the first line sent is checked too"
    );
}

#[test]
fn greps_chain() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut sink = grep("GET", grep("404", collector(out.clone())));
    feed(
        &["GET /a 404", "GET /b 200", "POST /c 404", "GET /d 404"],
        &mut sink,
    );
    assert_eq!(
        *out.borrow(),
        ["GET /a 404", "GET /d 404"],
        "grep(GET) into grep(404)"
    );
}

#[test]
fn feeding_nothing_starts_nothing() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::<String>::new()));
    let mut sink = grep("x", collector(out.clone()));
    feed(&[], &mut sink);
    assert_eq!(sink.state(), Lifecycle::Created, "feed(&[]) sends nothing");
    assert!(out.borrow().is_empty(), "nothing collected");
}

#[test]
fn dropping_the_head_closes_the_chain() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut sink = grep("x", collector(out.clone()));
    feed(&["x1"], &mut sink);
    drop(sink);
    assert_eq!(
        Rc::strong_count(&out),
        1,
        "dropping grep drops its target and the target's Rc"
    );
}

/// Lines the learner cannot see in advance, the pattern anywhere in them: each matching
/// line reaches the collector as soon as it is sent.
#[test]
fn grep_forwards_each_matching_line_at_once() {
    grading("grep_sink");
    let mut rng = crate::support::gen::Rng::new();
    for _ in 0..20 {
        let len = rng.range(1..4) as usize;
        let pattern = crate::support::gen::leak(rng.word(len).to_uppercase());
        let out = Rc::new(RefCell::new(Vec::new()));
        let mut sink = grep(pattern, collector(out.clone()));
        let mut want = Vec::new();
        let mut sent = Vec::new();
        for _ in 0..rng.range(1..20) {
            let hit = rng.one_in(2);
            let line = rng.line_with(pattern, hit);
            if hit {
                want.push(line.clone());
            }
            sent.push(line.clone());
            feed(&[line.as_str()], &mut sink);
            assert_eq!(
                *out.borrow(),
                want,
                "grep({pattern:?}) after the lines {sent:?}"
            );
        }
    }
}

#[test]
fn closing_the_head_closes_the_chain() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut sink = grep("x", grep("y", collector(out.clone())));
    feed(&["xy", "x"], &mut sink);
    sink.close();
    assert_eq!(sink.state(), Lifecycle::Closed, "close() closes grep");
    assert_eq!(
        Rc::strong_count(&out),
        1,
        "closing the suspended head of a chain unwinds it, which drops (and closes) every \
         sink after it"
    );
    assert_eq!(*out.borrow(), ["xy"], "only the line with x and y");
}
