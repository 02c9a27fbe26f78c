//! Grader for exercise II.1 (`src/part2/averager.rs`).

mod support;

support::exercise!(
    averager,
    "../../src/part2/averager.rs",
    "../../solutions/part2/averager.rs"
);

use crate::support::grading;
use averager::{averager, Stats};
use yieldpoint::{CoroutineState, Lifecycle};

// ANCHOR: example_test
#[test]
fn yields_the_running_mean() {
    grading("averager");
    let mut avg = averager();
    assert_eq!(
        avg.send(Some(10.0)),
        CoroutineState::Yielded(10.0),
        "the first send needs no priming"
    );
    assert_eq!(
        avg.send(Some(20.0)),
        CoroutineState::Yielded(15.0),
        "mean of 10, 20"
    );
    assert_eq!(
        avg.send(Some(30.0)),
        CoroutineState::Yielded(20.0),
        "mean of 10, 20, 30"
    );
    let done = avg.send(None);
    assert_eq!(
        done,
        CoroutineState::Complete(Stats {
            count: 3,
            mean: Some(20.0)
        }),
        "None ends it"
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
        "nothing runs before the first send"
    );
    let _ = avg.send(Some(1.0));
    assert_eq!(
        avg.state(),
        Lifecycle::Suspended,
        "suspended at the yield after one value"
    );
    let _ = avg.send(None);
    assert_eq!(avg.state(), Lifecycle::Closed, "closed after returning");
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
        "send(None) first"
    );
}

#[test]
fn negative_and_fractional_values() {
    grading("averager");
    let mut avg = averager();
    assert_eq!(
        avg.send(Some(-4.0)),
        CoroutineState::Yielded(-4.0),
        "mean of -4"
    );
    assert_eq!(
        avg.send(Some(5.0)),
        CoroutineState::Yielded(0.5),
        "mean of -4, 5"
    );
    let done = avg.send(None);
    assert_eq!(
        done,
        CoroutineState::Complete(Stats {
            count: 2,
            mean: Some(0.5)
        }),
        "stats of -4, 5"
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
        "each coroutine has its own total"
    );
    assert_eq!(
        a.send(Some(0.0)),
        CoroutineState::Yielded(50.0),
        "a's mean of 100, 0"
    );
}

/// Values the learner cannot see in advance, not evenly spaced: the running mean of each
/// prefix, and the stats at the end.
#[test]
fn running_mean_of_generated_values() {
    grading("averager");
    let mut rng = crate::support::gen::Rng::new();
    for _ in 0..20 {
        let values: Vec<f64> = (0..rng.range(1..12))
            .map(|_| rng.range(0..2000) as f64 / 8.0 - 100.0)
            .collect();
        let mut avg = averager();
        let mut sum = 0.0;
        for (i, &x) in values.iter().enumerate() {
            sum += x;
            let want = sum / (i + 1) as f64;
            let got = avg.send(Some(x));
            assert!(
                matches!(got, CoroutineState::Yielded(m) if (m - want).abs() < 1e-9),
                "after sending {:?}, the averager yielded {got:?}: the mean of all values \
                 sent so far",
                &values[..=i]
            );
        }
        let done = avg.send(None);
        let ok = matches!(done, CoroutineState::Complete(Stats { count, mean: Some(m) })
            if count as usize == values.len() && (m - sum / values.len() as f64).abs() < 1e-9);
        assert!(
            ok,
            "after sending {values:?} then None, it returned {done:?}"
        );
    }
}
