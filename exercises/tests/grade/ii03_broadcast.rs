//! Grader for exercise II.3 (`src/part2/broadcast.rs`).

mod support;

support::exercise!(
    broadcast,
    "../../src/part2/broadcast.rs",
    "../../solutions/part2/broadcast.rs"
);

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::support::grading;
use broadcast::{broadcast, counter, grep_into};
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
            "a sink yields () per line"
        );
    }
    assert_eq!(count.get(), 3, "three lines sent, the first one included");
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
        "branch 'python'"
    );
    assert_eq!(
        *errors.borrow(),
        ["GET /x 404", "GET /python/y 404"],
        "branch '404'"
    );
    assert_eq!(count.get(), 3, "the counter saw every line");
}
// ANCHOR_END: example_test

#[test]
fn broadcast_to_no_targets_accepts_lines() {
    grading("broadcast");
    let mut sink = broadcast(Vec::new());
    assert_eq!(
        sink.send("x".into()),
        CoroutineState::Yielded(()),
        "broadcast(vec![]) still receives"
    );
    assert_eq!(
        sink.send("y".into()),
        CoroutineState::Yielded(()),
        "and keeps receiving"
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
    assert_eq!(count.get(), 6, "2 lines x 3 counters");
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
        "the targets are dropped with the broadcast"
    );
}

/// A sink that writes `"<name> got <line>"` to `log` for every line.
fn logging(name: usize, log: &Rc<RefCell<Vec<String>>>) -> yieldpoint::Coroutine<String, (), ()> {
    let log = log.clone();
    yieldpoint::Coroutine::new(move |co, first: String| {
        let mut line = first;
        loop {
            log.borrow_mut().push(format!("{name} got {line}"));
            line = co.yield_(());
        }
    })
}

/// The order in which the targets receive each line is visible: each target logs it.
#[test]
fn each_line_reaches_every_target_in_order() {
    grading("broadcast");
    let mut rng = crate::support::gen::Rng::new();
    for _ in 0..10 {
        let targets = rng.range(1..6) as usize;
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut sink = broadcast((0..targets).map(|i| logging(i, &log)).collect());
        let mut want = Vec::new();
        for _ in 0..rng.range(1..6) {
            let line = rng.word(3);
            let _ = sink.send(line.clone());
            want.extend((0..targets).map(|i| format!("{i} got {line}")));
            assert_eq!(
                *log.borrow(),
                want,
                "broadcast to {targets} targets: each line goes to target 0, then 1, ..., \
                 as soon as it is sent"
            );
        }
    }
}

#[test]
fn closing_broadcast_closes_its_targets() {
    grading("broadcast");
    let count = Rc::new(Cell::new(0));
    let mut sink = broadcast(vec![counter(count.clone()), counter(count.clone())]);
    let _ = sink.send("x".into());
    sink.close();
    assert_eq!(
        Rc::strong_count(&count),
        1,
        "closing a suspended broadcast unwinds it and drops its targets"
    );
    assert_eq!(count.get(), 2, "one line, two counters");
}
