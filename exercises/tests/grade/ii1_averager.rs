//! Grader for exercise II.1 (`src/part2/averager.rs`).

use crate::grading;
use exercises::hint;
use exercises::part2::averager::{averager, Stats};
use yieldpoint::{CoroutineState, Lifecycle};

// ANCHOR: example_test
#[test]
fn yields_the_running_mean() {
    grading("averager");
    let mut avg = averager();
    assert_eq!(
        avg.send(Some(10.0)),
        CoroutineState::Yielded(10.0),
        "the first send needs no priming{}",
        hint("averager")
    );
    assert_eq!(
        avg.send(Some(20.0)),
        CoroutineState::Yielded(15.0),
        "mean of 10, 20{}",
        hint("averager")
    );
    assert_eq!(
        avg.send(Some(30.0)),
        CoroutineState::Yielded(20.0),
        "mean of 10, 20, 30{}",
        hint("averager")
    );
    let done = avg.send(None);
    assert_eq!(
        done,
        CoroutineState::Complete(Stats {
            count: 3,
            mean: Some(20.0)
        }),
        "None ends it{}",
        hint("averager")
    );
}
// ANCHOR_END: example_test

#[test]
fn lifecycle_follows_the_sends() {
    grading("averager");
    let mut avg = averager();
    assert_eq!(
        avg.state(),
        Lifecycle::Created,
        "nothing runs before the first send{}",
        hint("averager")
    );
    let _ = avg.send(Some(1.0));
    assert_eq!(
        avg.state(),
        Lifecycle::Suspended,
        "suspended at the yield after one value{}",
        hint("averager")
    );
    let _ = avg.send(None);
    assert_eq!(
        avg.state(),
        Lifecycle::Closed,
        "closed after returning{}",
        hint("averager")
    );
}

#[test]
fn none_first_returns_empty_stats() {
    grading("averager");
    let mut avg = averager();
    assert_eq!(
        avg.send(None),
        CoroutineState::Complete(Stats {
            count: 0,
            mean: None
        }),
        "send(None) first{}",
        hint("averager")
    );
}

#[test]
fn negative_and_fractional_values() {
    grading("averager");
    let mut avg = averager();
    assert_eq!(
        avg.send(Some(-4.0)),
        CoroutineState::Yielded(-4.0),
        "mean of -4{}",
        hint("averager")
    );
    assert_eq!(
        avg.send(Some(5.0)),
        CoroutineState::Yielded(0.5),
        "mean of -4, 5{}",
        hint("averager")
    );
    let done = avg.send(None);
    assert_eq!(
        done,
        CoroutineState::Complete(Stats {
            count: 2,
            mean: Some(0.5)
        }),
        "stats of -4, 5{}",
        hint("averager")
    );
}

#[test]
fn two_averagers_are_independent() {
    grading("averager");
    let (mut a, mut b) = (averager(), averager());
    let _ = a.send(Some(100.0));
    assert_eq!(
        b.send(Some(1.0)),
        CoroutineState::Yielded(1.0),
        "each coroutine has its own total{}",
        hint("averager")
    );
    assert_eq!(
        a.send(Some(0.0)),
        CoroutineState::Yielded(50.0),
        "a's mean of 100, 0{}",
        hint("averager")
    );
}
