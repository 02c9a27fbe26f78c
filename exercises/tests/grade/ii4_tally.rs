//! Grader for exercise II.4 (`src/part2/tally.rs`).

use crate::grading;
use exercises::hint;
use exercises::part2::tally::{tally, Command};
use yieldpoint::{CoroutineState, Lifecycle};

// ANCHOR: example_test
#[test]
fn reset_is_caught_and_the_tally_goes_on() {
    grading("tally");
    let mut t = tally();
    assert_eq!(
        t.send(5),
        CoroutineState::Yielded(5),
        "send(5) first{}",
        hint("tally")
    );
    assert_eq!(
        t.send(2),
        CoroutineState::Yielded(7),
        "5 + 2{}",
        hint("tally")
    );
    assert_eq!(
        t.throw(Command::Reset),
        Ok(CoroutineState::Yielded(0)),
        "Reset yields 0{}",
        hint("tally")
    );
    assert_eq!(
        t.send(4),
        CoroutineState::Yielded(4),
        "counting again from 0{}",
        hint("tally")
    );
    assert_eq!(
        t.state(),
        Lifecycle::Suspended,
        "a caught throw leaves it suspended{}",
        hint("tally")
    );
}
// ANCHOR_END: example_test

#[test]
fn stop_returns_the_total() {
    grading("tally");
    let mut t = tally();
    let _ = t.send(3);
    let _ = t.send(4);
    assert_eq!(
        t.throw(Command::Stop),
        Ok(CoroutineState::Complete(7)),
        "Stop returns 3 + 4{}",
        hint("tally")
    );
    assert_eq!(
        t.state(),
        Lifecycle::Closed,
        "closed after returning{}",
        hint("tally")
    );
}

#[test]
fn reset_twice_then_stop() {
    grading("tally");
    let mut t = tally();
    let _ = t.send(9);
    assert_eq!(
        t.throw(Command::Reset),
        Ok(CoroutineState::Yielded(0)),
        "first Reset{}",
        hint("tally")
    );
    assert_eq!(
        t.throw(Command::Reset),
        Ok(CoroutineState::Yielded(0)),
        "Reset at 0 stays 0{}",
        hint("tally")
    );
    assert_eq!(
        t.throw(Command::Stop),
        Ok(CoroutineState::Complete(0)),
        "Stop right after Reset{}",
        hint("tally")
    );
}

#[test]
fn throw_after_stop_is_refused() {
    grading("tally");
    let mut t = tally();
    let _ = t.send(1);
    let _ = t.throw(Command::Stop);
    assert_eq!(
        t.throw(Command::Reset),
        Err(Command::Reset),
        "a finished tally hands the error back{}",
        hint("tally")
    );
}

#[test]
fn first_send_of_zero() {
    grading("tally");
    let mut t = tally();
    assert_eq!(
        t.send(0),
        CoroutineState::Yielded(0),
        "send(0) first{}",
        hint("tally")
    );
    assert_eq!(
        t.send(u32::from(u8::MAX)),
        CoroutineState::Yielded(255),
        "0 + 255{}",
        hint("tally")
    );
}
