//! Grader for exercise I.1 (`src/part1/countdown.rs`).

mod support;

support::exercise!(
    countdown,
    "../../src/part1/countdown.rs",
    "../../solutions/part1/countdown.rs"
);

use crate::support::gen::{allocated_by, bounded, Rng, LAZY_BYTES};
use crate::support::grading;
use countdown::{countdown, countup};

// ANCHOR: example_test
#[test]
fn countdown_yields_n_down_to_one() {
    grading("countdown");
    let got: Vec<u32> = countdown(3).collect();
    assert_eq!(got, [3, 2, 1], "countdown(3) should yield 3, 2, 1");
}
// ANCHOR_END: example_test

#[test]
fn countdown_of_zero_and_one() {
    grading("countdown");
    assert_eq!(countdown(0).count(), 0, "countdown(0) should yield nothing");
    let got: Vec<u32> = countdown(1).collect();
    assert_eq!(got, [1], "countdown(1) should yield just 1");
}

#[test]
fn every_item_of_long_sequences() {
    grading("countdown");
    let mut rng = Rng::new();
    for _ in 0..4 {
        let n = rng.range(2..100_000) as u32;
        let down = bounded(countdown(n), n as usize, &format!("countdown({n})"));
        let wrong = down.iter().zip((1..=n).rev()).position(|(a, b)| *a != b);
        assert!(
            down.len() == n as usize && wrong.is_none(),
            "countdown({n}) should yield every number from {n} down to 1 \
             (it yielded {} items; first wrong one at position {wrong:?})",
            down.len()
        );
        let up = bounded(countup(n), n as usize, &format!("countup({n})"));
        let wrong = up.iter().zip(0..n).position(|(a, b)| *a != b);
        assert!(
            up.len() == n as usize && wrong.is_none(),
            "countup({n}) should yield every number from 0 to {n} - 1 \
             (it yielded {} items; first wrong one at position {wrong:?})",
            up.len()
        );
    }
}

#[test]
fn exhausted_generators_stay_exhausted() {
    grading("countdown");
    let mut g = countdown(2);
    assert_eq!(g.by_ref().count(), 2, "countdown(2) yields two numbers");
    assert_eq!(
        g.next(),
        None,
        "an exhausted generator keeps returning None"
    );
    let mut g = countup(2);
    assert_eq!(g.by_ref().count(), 2, "countup(2) yields two numbers");
    assert_eq!(
        g.next(),
        None,
        "an exhausted generator keeps returning None"
    );
}

#[test]
fn countup_of_zero_yields_nothing() {
    grading("countdown");
    assert_eq!(countup(0).count(), 0, "countup(0) should yield nothing");
}

/// Laziness counted inside the body: a body that computes one number per `next()` allocates
/// nothing for it; one that collects its numbers first allocates them all.
#[test]
fn bodies_compute_one_item_per_next() {
    grading("countdown");
    let n = Rng::new().range(1_000_000..2_000_000) as u32;
    for (name, mut g) in [("countdown", countdown(n)), ("countup", countup(n))] {
        let (first, bytes) = allocated_by(|| g.next());
        assert!(first.is_some(), "{name}({n}) should yield");
        assert!(
            bytes < LAZY_BYTES,
            "{name}({n}): the first next() allocated {bytes} bytes; a generator computes \
             each number when it is asked for, it does not collect them first"
        );
        let (_, bytes) = allocated_by(|| g.nth(1000));
        assert!(
            bytes < LAZY_BYTES,
            "{name}({n}): next() allocated {bytes} bytes for 1000 numbers; yield each \
             number as you compute it"
        );
    }
}
