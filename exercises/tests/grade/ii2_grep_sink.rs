//! Grader for exercise II.2 (`src/part2/grep_sink.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use crate::grading;
use exercises::hint;
use exercises::part2::grep_sink::{collector, feed, grep};
use yieldpoint::{CoroutineState, Lifecycle};

#[test]
fn collector_keeps_every_line() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut sink = collector(out.clone());
    assert_eq!(
        sink.send("a".into()),
        CoroutineState::Yielded(()),
        "a sink yields () after each line{}",
        hint("grep_sink")
    );
    let _ = sink.send("b".into());
    assert_eq!(
        *out.borrow(),
        ["a", "b"],
        "collector pushes each line, the first one too{}",
        hint("grep_sink")
    );
    assert_eq!(
        sink.state(),
        Lifecycle::Suspended,
        "a sink never returns by itself{}",
        hint("grep_sink")
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
        "only lines with 'python'{}",
        hint("grep_sink")
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
        "the first line sent is checked too{}",
        hint("grep_sink")
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
        "grep(GET) into grep(404){}",
        hint("grep_sink")
    );
}

#[test]
fn feeding_nothing_starts_nothing() {
    grading("grep_sink");
    let out = Rc::new(RefCell::new(Vec::<String>::new()));
    let mut sink = grep("x", collector(out.clone()));
    feed(&[], &mut sink);
    assert_eq!(
        sink.state(),
        Lifecycle::Created,
        "feed(&[]) sends nothing{}",
        hint("grep_sink")
    );
    assert!(
        out.borrow().is_empty(),
        "nothing collected{}",
        hint("grep_sink")
    );
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
        "dropping grep drops its target and the target's Rc{}",
        hint("grep_sink")
    );
}
