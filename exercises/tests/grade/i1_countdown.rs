//! Grader for exercise I.1 (`src/part1/countdown.rs`).

use std::cell::Cell;
use std::rc::Rc;

use crate::grading;
use exercises::hint;
use exercises::part1::countdown::{countdown, countup};

// ANCHOR: example_test
#[test]
fn countdown_yields_n_down_to_one() {
    grading("countdown");
    let got: Vec<u32> = countdown(3).collect();
    assert_eq!(
        got,
        [3, 2, 1],
        "countdown(3) should yield 3, 2, 1{}",
        hint("countdown")
    );
}
// ANCHOR_END: example_test

#[test]
fn countdown_of_zero_and_one() {
    grading("countdown");
    assert_eq!(
        countdown(0).count(),
        0,
        "countdown(0) should yield nothing{}",
        hint("countdown")
    );
    let got: Vec<u32> = countdown(1).collect();
    assert_eq!(
        got,
        [1],
        "countdown(1) should yield just 1{}",
        hint("countdown")
    );
}

#[test]
fn countdown_is_lazy_and_fused() {
    grading("countdown");
    let mut g = countdown(1_000_000);
    assert_eq!(
        g.next(),
        Some(1_000_000),
        "the first item of countdown(1000000){}",
        hint("countdown")
    );
    assert_eq!(
        g.nth(999_998),
        Some(1),
        "the last item of countdown(1000000){}",
        hint("countdown")
    );
    assert_eq!(
        g.next(),
        None,
        "countdown should end after 1{}",
        hint("countdown")
    );
    assert_eq!(
        g.next(),
        None,
        "an exhausted generator keeps returning None{}",
        hint("countdown")
    );
}

#[test]
fn countup_yields_zero_to_stop() {
    grading("countdown");
    let got: Vec<u32> = countup(4).collect();
    assert_eq!(
        got,
        [0, 1, 2, 3],
        "countup(4) should yield 0, 1, 2, 3{}",
        hint("countdown")
    );
}

#[test]
fn countup_of_zero_yields_nothing() {
    grading("countdown");
    assert_eq!(
        countup(0).count(),
        0,
        "countup(0) should yield nothing{}",
        hint("countdown")
    );
}

#[test]
fn generators_interleave_with_iterator_adapters() {
    grading("countdown");
    let pulled = Rc::new(Cell::new(0));
    let seen = pulled.clone();
    let counted = countup(10).inspect(move |_| seen.set(seen.get() + 1));
    let got: Vec<u32> = counted.zip(countdown(3)).map(|(a, b)| a * b).collect();
    assert_eq!(
        got,
        [0, 2, 2],
        "countup(10) zipped with countdown(3), multiplied{}",
        hint("countdown")
    );
    assert!(
        pulled.get() <= 4,
        "zip should pull at most 4 items from countup(10), it pulled {}: is countup lazy?{}",
        pulled.get(),
        hint("countdown")
    );
}
