//! Grader for exercise I.2 (`src/part1/fibonacci.rs`).

mod support;

support::exercise!(
    fibonacci,
    "../../src/part1/fibonacci.rs",
    "../../solutions/part1/fibonacci.rs"
);

use crate::support::gen::{allocated_by, bounded, LAZY_BYTES};
use crate::support::grading;
use fibonacci::fibonacci;

#[test]
fn starts_with_zero_one_one() {
    grading("fibonacci");
    let got: Vec<u64> = fibonacci().take(10).collect();
    assert_eq!(
        got,
        [0, 1, 1, 2, 3, 5, 8, 13, 21, 34],
        "the first ten Fibonacci numbers"
    );
}

#[test]
fn take_stops_pulling() {
    grading("fibonacci");
    let mut g = fibonacci();
    let first: Vec<u64> = g.by_ref().take(3).collect();
    assert_eq!(first, [0, 1, 1], "fibonacci().take(3)");
    assert_eq!(
        g.next(),
        Some(2),
        "the generator should resume where take(3) stopped"
    );
}

#[test]
fn every_number_that_fits_and_no_more() {
    grading("fibonacci");
    let all = bounded(fibonacci(), 200, "fibonacci()");
    let mut want = vec![0u64, 1];
    while let Some(next) = want[want.len() - 2].checked_add(want[want.len() - 1]) {
        want.push(next);
    }
    if let Some(i) = (0..all.len().min(want.len())).find(|&i| all[i] != want[i]) {
        panic!("F({i}) is wrong: each number is the sum of the two before it");
    }
    assert!(
        all.len() >= want.len(),
        "fibonacci() ended after {} numbers: it should yield every Fibonacci number that \
         fits in a u64, the last one included",
        all.len()
    );
    assert!(
        all.len() <= want.len(),
        "fibonacci() yielded {} numbers: it should end after the last one that fits in a u64",
        all.len()
    );
}

#[test]
fn exhausted_generator_stays_exhausted() {
    grading("fibonacci");
    let mut g = fibonacci();
    let _ = bounded(g.by_ref(), 200, "fibonacci()");
    assert_eq!(g.next(), None, "next() after the end");
}

/// Laziness counted inside the body: computing one number per `next()` allocates nothing.
#[test]
fn the_body_computes_one_number_per_next() {
    grading("fibonacci");
    let mut g = fibonacci();
    let (_, bytes) = allocated_by(|| g.next());
    assert!(
        bytes < 256,
        "the first next() allocated {bytes} bytes: compute each number when it is asked \
         for, do not collect them first"
    );
    let (_, bytes) = allocated_by(|| g.nth(50));
    assert!(bytes < LAZY_BYTES, "next() allocated {bytes} bytes");
}
