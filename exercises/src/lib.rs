//! The yieldpoint workbook's exercises.
//!
//! Each exercise is a file in `src/part1/`, `src/part2/`, ... with `todo!()` holes below
//! `// TODO:` comments: fill them in, then grade the exercise with
//! `cargo test -p exercises <grader>`, where the grader is the exercise's part, two-digit
//! number and name (for example `cargo test -p exercises i01_countdown`, see
//! [`catalog::Exercise::grader`]). `cargo test -p exercises` grades every exercise, in book
//! order, and `cargo run -p exercises` shows your progress. Hints live in [`catalog`], apart
//! from the exercises.
//!
//! # How the grading works
//!
//! The exercise files are not modules of this library: each is compiled into its own
//! grader, `tests/grade/<grader>.rs`, a test target that includes the file with `#[path]`
//! (or, with the `solutions` feature, the reference solution in `solutions/`). The test
//! target `grade` (`tests/grade.rs`, what `cargo test -p exercises` runs) builds every
//! grader with `cargo build --keep-going` in a target directory of its own and runs those
//! that compile, so a compile error in one exercise does not stop the grading of the
//! others: that exercise's verdict is "does not compile", with the compiler's first error.
//!
//! The "make it compile" exercises (I.7, II.8, III.1, IV.9) do not compile until solved: the
//! learner's file provides items only, and their grader compiles a program made of that file
//! and the grader's own `main` with trybuild.
//!
//! # Adding an exercise
//!
//! For exercise `P.N` named `NAME` in part directory `partP` (grader `pNN_NAME`, such as
//! `iii01_flatten`):
//!
//! 1. The stub: `src/partP/NAME.rs`, starting with `//! Exercise P.N: ...`, its holes marked
//!    with `// TODO:`. The reference solution: `solutions/partP/NAME.rs`.
//! 2. The grader: `tests/grade/pNN_NAME.rs`. Copy the header of an existing grader (such as
//!    `tests/grade/i03_log_grep.rs`): `mod support;`, then
//!    `support::exercise!(NAME, "../../src/partP/NAME.rs", "../../solutions/partP/NAME.rs");`
//!    which declares the exercise's module from the stub (or the solution). Start
//!    every test with `grading("NAME")`. Check behaviour on inputs generated per run
//!    (`support::gen`), count laziness at the source, check side effects in order, close
//!    and drop suspended coroutines, and bound what you pull (`gen::bounded`). Do not put
//!    the exercise's hint in assertion messages: the hook prints it once.
//! 3. Register it: an `Exercise` entry in `src/catalog.rs` (book order; a new part needs a
//!    `Part` variant), and a `[[test]]` entry in `Cargo.toml`:
//!    `name = "pNN_NAME"`, `path = "tests/grade/pNN_NAME.rs"`,
//!    `required-features = ["graders"]`.
//! 4. At least one known-wrong solution per cheat class the exercise invites:
//!    `wrong/pNN_NAME/CHEAT.rs`, a whole replacement of the stub whose first line is
//!    `//! Known-wrong solution of exercise P.N (cheat class: ...).` `cargo test --test
//!    workbook_grading` (from the repository root) checks that the grader fails on the stub,
//!    passes on the solution and rejects every wrong solution.
//!
//! A "make it compile" exercise has no module in its grader: its test calls
//! `support::compile_check::compiles_and_runs(file, module, MAIN)` (see
//! `tests/grade/i07_owned_words.rs`).

// Part IV's support module names its own crate `exercises::`, as the exercises that use it do.
extern crate self as exercises;

pub mod catalog;
pub mod part4;
pub mod part5;

pub use catalog::hint;

/// The web server log the pipeline exercises read (`exercises/data/access.log`).
pub const ACCESS_LOG: &str = include_str!("../data/access.log");
