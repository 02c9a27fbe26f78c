//! Grader for exercise II.4 (`src/part2/tally.rs`).

mod support;

support::exercise!(
    tally,
    "../../src/part2/tally.rs",
    "../../solutions/part2/tally.rs"
);

use crate::support::grading;
use tally::{tally, Command};
use yieldpoint::{CoroutineState, Lifecycle};

// ANCHOR: example_test
#[test]
fn reset_is_caught_and_the_tally_goes_on() {
    grading("tally");
    let mut t = tally();
    assert_eq!(t.send(5), CoroutineState::Yielded(5), "send(5) first");
    assert_eq!(t.send(2), CoroutineState::Yielded(7), "5 + 2");
    assert_eq!(
        t.throw(Command::Reset),
        Ok(CoroutineState::Yielded(0)),
        "Reset yields 0"
    );
    assert_eq!(
        t.send(4),
        CoroutineState::Yielded(4),
        "counting again from 0"
    );
    assert_eq!(
        t.state(),
        Lifecycle::Suspended,
        "a caught throw leaves it suspended"
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
        "Stop returns 3 + 4"
    );
    assert_eq!(t.state(), Lifecycle::Closed, "closed after returning");
}

#[test]
fn reset_twice_then_stop() {
    grading("tally");
    let mut t = tally();
    let _ = t.send(9);
    assert_eq!(
        t.throw(Command::Reset),
        Ok(CoroutineState::Yielded(0)),
        "first Reset"
    );
    assert_eq!(
        t.throw(Command::Reset),
        Ok(CoroutineState::Yielded(0)),
        "Reset at 0 stays 0"
    );
    assert_eq!(
        t.throw(Command::Stop),
        Ok(CoroutineState::Complete(0)),
        "Stop right after Reset"
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
        "a finished tally hands the error back"
    );
}

#[test]
fn first_send_of_zero() {
    grading("tally");
    let mut t = tally();
    assert_eq!(t.send(0), CoroutineState::Yielded(0), "send(0) first");
    assert_eq!(
        t.send(u32::from(u8::MAX)),
        CoroutineState::Yielded(255),
        "0 + 255"
    );
}

/// Sends and throws the learner cannot see in advance, with totals far beyond a `u16`.
#[test]
fn generated_sends_and_throws() {
    grading("tally");
    let mut rng = crate::support::gen::Rng::new();
    for _ in 0..20 {
        let mut t = tally();
        let mut total: u32 = rng.range(0..100_000_000) as u32;
        let mut script = vec![format!("send({total})")];
        assert_eq!(t.send(total), CoroutineState::Yielded(total), "{script:?}");
        for _ in 0..rng.range(0..30) {
            if rng.one_in(5) {
                total = 0;
                script.push("throw(Reset)".into());
                assert_eq!(
                    t.throw(Command::Reset),
                    Ok(CoroutineState::Yielded(0)),
                    "{script:?}"
                );
            } else {
                let n = rng.range(0..100_000_000) as u32;
                total += n;
                script.push(format!("send({n})"));
                let got = t.send(n);
                assert!(
                    got == CoroutineState::Yielded(total),
                    "after {script:?} the tally yielded {got:?}"
                );
            }
        }
        script.push("throw(Stop)".into());
        let got = t.throw(Command::Stop);
        assert!(
            got == Ok(CoroutineState::Complete(total)),
            "after {script:?} the tally returned {got:?}"
        );
    }
}
