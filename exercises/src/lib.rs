//! The yieldpoint workbook's exercises.
//!
//! Each module in `part1` and `part2` is a stub with `todo!()` holes: fill them in, then
//! grade it with `cargo test -p exercises <grader>`, where the grader is the exercise's
//! number and name (for example `cargo test -p exercises i01_countdown`, see
//! [`catalog::Exercise::grader`]). `cargo test -p exercises` grades every exercise, in book
//! order, and `cargo run -p exercises` shows your progress. The graders are the test target
//! `tests/grade/`, one module per exercise; hints live in [`catalog`], apart from the stubs.
//!
//! With the `solutions` feature every module is compiled from `solutions/` instead, so
//! `cargo test -p exercises --features solutions` runs the same graders on the reference
//! solutions.
//!
//! The "make it compile" exercises (I.7, II.8) are not modules of this crate: they do not
//! compile until solved, so their graders compile them on their own with trybuild.

// The stubs declare parameters and types that only a solution uses.
#![cfg_attr(
    not(feature = "solutions"),
    allow(
        unused_variables,
        unused_mut,
        unused_imports,
        dead_code,
        unreachable_code,
        clippy::ptr_arg
    )
)]

pub mod catalog;
pub mod part1;
pub mod part2;

pub use catalog::hint;
