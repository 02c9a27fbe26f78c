//! Grader for exercise III.2 (`src/part3/forward_throw.rs`).

mod support;

support::exercise!(
    forward_throw,
    "../../src/part3/forward_throw.rs",
    "../../solutions/part3/forward_throw.rs"
);

use crate::support::grading;
use crate::support::part3::numbers;
use forward_throw::{inner, outer, Signal, Trace, Worker};
use yieldpoint::{CoroutineState, Lifecycle};

/// A script of sends (never 0) and `Skip`s, different for each seed, with the totals a
/// correct worker yields and the trace lines its skips write.
struct Script {
    first: u32,
    steps: Vec<Option<u32>>, // Some(n): send n; None: throw Skip
}

fn script(seed: u64) -> Script {
    let mut numbers = numbers(seed);
    let mut next = move || numbers() as u32;
    let first = 1 + next() % 50;
    let steps = (0..4 + next() % 9)
        .map(|_| (next() % 3 != 0).then(|| 1 + next() % 97))
        .collect();
    Script { first, steps }
}

const SEEDS: [u64; 5] = [1, 7, 19, 2024, 65_537];

/// Plays `script` on a started-from-scratch `worker`, checking each yield; returns the
/// total and the skip lines expected in the trace.
fn play(worker: &mut Worker, script: &Script, trace: &Trace, who: &str) -> (u32, Vec<String>) {
    let mut total = script.first;
    let mut skips = Vec::new();
    assert_eq!(
        worker.send(script.first),
        CoroutineState::Yielded(total),
        "{who}: the first send yields the first value"
    );
    for step in &script.steps {
        let got = match *step {
            Some(n) => {
                total += n;
                Ok(worker.send(n))
            }
            None => {
                skips.push(format!("inner skipped {total}"));
                worker.throw(Signal::Skip)
            }
        };
        assert_eq!(
            got,
            Ok(CoroutineState::Yielded(total)),
            "{who}: after {step:?} (None is a thrown Skip) the running total is yielded"
        );
        assert_eq!(
            *trace.borrow(),
            skips,
            "{who}: only Skips are traced so far, by inner, as they happen"
        );
    }
    (total, skips)
}

#[test]
fn inner_adds_skips_and_returns() {
    grading("forward_throw");
    for seed in SEEDS {
        let script = script(seed);
        let trace = Trace::default();
        let mut worker = inner(trace.clone());
        let (total, mut want) = play(&mut worker, &script, &trace, "inner");
        assert_eq!(
            worker.send(0),
            CoroutineState::Complete(total),
            "inner: a sent 0 returns the total"
        );
        want.push("inner dropped".into());
        assert_eq!(
            *trace.borrow(),
            want,
            "inner: its Guard is dropped when it returns"
        );
    }
}

#[test]
fn outer_forwards_sends_and_skips_and_gets_the_return_value() {
    grading("forward_throw");
    for seed in SEEDS {
        let script = script(seed);
        let trace = Trace::default();
        let mut worker = outer(trace.clone());
        let (total, mut want) = play(&mut worker, &script, &trace, "outer");
        assert_eq!(worker.state(), Lifecycle::Suspended);
        assert_eq!(
            worker.send(0),
            CoroutineState::Complete(2 * total),
            "outer returns twice what inner returned"
        );
        want.extend([
            "inner dropped".to_string(),
            format!("outer got {total}"),
            "outer dropped".to_string(),
        ]);
        assert_eq!(
            *trace.borrow(),
            want,
            "inner returns (its Guard dropped), then outer gets the total, then returns"
        );
    }
}

// ANCHOR: example_test
#[test]
fn abort_unwinds_inner_then_outer() {
    grading("forward_throw");
    for seed in SEEDS {
        let script = script(seed);
        let trace = Trace::default();
        let mut worker = outer(trace.clone());
        let (_, mut want) = play(&mut worker, &script, &trace, "outer");
        assert_eq!(
            worker.throw(Signal::Abort),
            Err(Signal::Abort),
            "an Abort escapes inner, then outer: throw returns Err"
        );
        want.extend(["inner dropped".to_string(), "outer dropped".to_string()]);
        assert_eq!(
            *trace.borrow(),
            want,
            "the Abort unwinds inner first, then outer, and outer gets no total"
        );
        assert_eq!(worker.state(), Lifecycle::Closed, "");
    }
}
// ANCHOR_END: example_test

#[test]
fn close_and_drop_close_inner_first() {
    grading("forward_throw");
    for (i, seed) in SEEDS.into_iter().enumerate() {
        let script = script(seed);
        let trace = Trace::default();
        let mut worker = outer(trace.clone());
        let (_, mut want) = play(&mut worker, &script, &trace, "outer");
        if i % 2 == 0 {
            worker.close();
        } else {
            drop(worker);
        }
        want.extend(["inner dropped".to_string(), "outer dropped".to_string()]);
        assert_eq!(
            *trace.borrow(),
            want,
            "closing or dropping a suspended outer closes inner first"
        );
    }
}

#[test]
fn a_throw_before_the_first_send_runs_nothing() {
    grading("forward_throw");
    let trace = Trace::default();
    let mut worker = outer(trace.clone());
    assert_eq!(worker.throw(Signal::Skip), Err(Signal::Skip), "");
    assert!(trace.borrow().is_empty(), "the body never started");
}
