//! Grader for exercise I.2 (`src/part1/fibonacci.rs`).

use crate::grading;
use exercises::hint;
use exercises::part1::fibonacci::fibonacci;

#[test]
fn starts_with_zero_one_one() {
    grading("fibonacci");
    let got: Vec<u64> = fibonacci().take(10).collect();
    assert_eq!(
        got,
        [0, 1, 1, 2, 3, 5, 8, 13, 21, 34],
        "the first ten Fibonacci numbers{}",
        hint("fibonacci")
    );
}

#[test]
fn take_stops_pulling() {
    grading("fibonacci");
    // Taking 3 must not run the body to the end.
    let mut g = fibonacci();
    let first: Vec<u64> = g.by_ref().take(3).collect();
    assert_eq!(first, [0, 1, 1], "fibonacci().take(3){}", hint("fibonacci"));
    assert_eq!(
        g.next(),
        Some(2),
        "the generator should resume where take(3) stopped{}",
        hint("fibonacci")
    );
}

#[test]
fn ends_with_the_last_u64_fibonacci_number() {
    grading("fibonacci");
    let all: Vec<u64> = fibonacci().collect();
    assert_eq!(
        all.len(),
        94,
        "F(0) to F(93) fit in a u64: 94 numbers{}",
        hint("fibonacci")
    );
    assert_eq!(
        all.last(),
        Some(&12_200_160_415_121_876_738),
        "the last one is F(93){}",
        hint("fibonacci")
    );
    assert!(
        all.windows(3).all(|w| w[0] + w[1] == w[2]),
        "each number is the sum of the two before it{}",
        hint("fibonacci")
    );
}

#[test]
fn exhausted_generator_stays_exhausted() {
    grading("fibonacci");
    let mut g = fibonacci();
    assert_eq!(
        g.by_ref().count(),
        94,
        "fibonacci().count(){}",
        hint("fibonacci")
    );
    assert_eq!(g.next(), None, "next() after the end{}", hint("fibonacci"));
}
