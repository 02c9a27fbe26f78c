//! Grader for exercise II.3 (`src/part2/broadcast.rs`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::grading;
use exercises::hint;
use exercises::part2::broadcast::{broadcast, counter, grep_into};
use yieldpoint::CoroutineState;

#[test]
fn counter_counts_every_line() {
    grading("broadcast");
    let count = Rc::new(Cell::new(0));
    let mut sink = counter(count.clone());
    for line in ["a", "b", "c"] {
        assert_eq!(
            sink.send(line.into()),
            CoroutineState::Yielded(()),
            "a sink yields () per line{}",
            hint("broadcast")
        );
    }
    assert_eq!(
        count.get(),
        3,
        "three lines sent, the first one included{}",
        hint("broadcast")
    );
}

// ANCHOR: example_test
#[test]
fn broadcast_feeds_every_branch() {
    grading("broadcast");
    let python = Rc::new(RefCell::new(Vec::new()));
    let errors = Rc::new(RefCell::new(Vec::new()));
    let count = Rc::new(Cell::new(0));
    let mut sink = broadcast(vec![
        grep_into("python", python.clone()),
        grep_into("404", errors.clone()),
        counter(count.clone()),
    ]);
    for line in ["GET /python 200", "GET /x 404", "GET /python/y 404"] {
        let _ = sink.send(line.into());
    }
    assert_eq!(
        *python.borrow(),
        ["GET /python 200", "GET /python/y 404"],
        "branch 'python'{}",
        hint("broadcast")
    );
    assert_eq!(
        *errors.borrow(),
        ["GET /x 404", "GET /python/y 404"],
        "branch '404'{}",
        hint("broadcast")
    );
    assert_eq!(
        count.get(),
        3,
        "the counter saw every line{}",
        hint("broadcast")
    );
}
// ANCHOR_END: example_test

#[test]
fn broadcast_to_no_targets_accepts_lines() {
    grading("broadcast");
    let mut sink = broadcast(Vec::new());
    assert_eq!(
        sink.send("x".into()),
        CoroutineState::Yielded(()),
        "broadcast(vec![]) still receives{}",
        hint("broadcast")
    );
    assert_eq!(
        sink.send("y".into()),
        CoroutineState::Yielded(()),
        "and keeps receiving{}",
        hint("broadcast")
    );
}

#[test]
fn broadcasts_nest() {
    grading("broadcast");
    let count = Rc::new(Cell::new(0));
    let mut sink = broadcast(vec![
        broadcast(vec![counter(count.clone()), counter(count.clone())]),
        counter(count.clone()),
    ]);
    let _ = sink.send("x".into());
    let _ = sink.send("y".into());
    assert_eq!(count.get(), 6, "2 lines x 3 counters{}", hint("broadcast"));
}

#[test]
fn dropping_broadcast_drops_its_targets() {
    grading("broadcast");
    let count = Rc::new(Cell::new(0));
    let mut sink = broadcast(vec![counter(count.clone()), counter(count.clone())]);
    let _ = sink.send("x".into());
    drop(sink);
    assert_eq!(
        Rc::strong_count(&count),
        1,
        "the targets are dropped with the broadcast{}",
        hint("broadcast")
    );
}
