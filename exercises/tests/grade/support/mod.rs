//! What every grader shares: the panic hook that prints the exercise's hint once
//! ([`grading`]), generated inputs and counting sources ([`gen`]), and the compile check of
//! the "make it compile" exercises ([`compile_check`]).
//!
//! Each grader (`tests/grade/<grader>.rs`) is a test target of its own that includes this
//! module and the exercise's file ([`exercise!`], a `#[path]` module); `tests/grade.rs` builds and runs them, so a
//! compile error in one exercise does not stop the grading of the others.

// Not every grader uses every helper.
#![allow(dead_code)]

/// Declares the exercise's module, `mod $name;`, from the learner's file `$stub`, or from the
/// reference solution `$solution` with `--features solutions` (both relative to
/// `tests/grade/`). The stubs' unused parameters and `todo!()`s are allowed. (The graders of
/// the "make it compile" exercises do not use it.)
#[allow(unused_macros)]
macro_rules! exercise {
    ($name:ident, $stub:literal, $solution:literal) => {
        #[cfg_attr(feature = "solutions", path = $solution)]
        #[cfg_attr(not(feature = "solutions"), path = $stub)]
        #[cfg_attr(
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
        mod $name;
    };
}
#[allow(unused_imports)]
pub(crate) use exercise;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::panic;
use std::sync::{Mutex, Once};

pub mod bridges;
pub mod compile_check;
pub mod gen;
pub mod part3;

thread_local! {
    /// The exercise the test on this thread grades.
    static EXERCISE: Cell<Option<&'static str>> = const { Cell::new(None) };
    /// Whether panics on this thread print nothing: see [`quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Set by `tests/grade.rs` when it runs a grader: the hint is the runner's to print.
pub const HINT_BY_RUNNER: &str = "EXERCISES_HINT_BY_RUNNER";

/// The exercises whose hint this run printed already.
static HINTED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// Marks the calling test as a grader of exercise `id`: when it panics (a failed
/// assertion, a `todo!()` in the stub, an overflow), the exercise's hint is printed below
/// the message, the first time only: one hint per exercise per run. (When `tests/grade.rs`
/// runs the grader, it prints the hint below the exercise's output instead.)
///
/// # Panics
///
/// If `id` is not in `exercises::catalog::EXERCISES`.
#[track_caller]
pub fn grading(id: &'static str) {
    exercises::catalog::exercise(id);
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                return;
            }
            // `tests/grade.rs`, which runs this grader, prints the hint itself, once, below
            // the exercise's output.
            let exercise = EXERCISE
                .with(Cell::get)
                .filter(|_| std::env::var_os(HINT_BY_RUNNER).is_none());
            let first = exercise.is_some_and(|id| {
                HINTED
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(id)
            });
            let hint = exercise.filter(|_| first).map(exercises::hint);
            let Some(hint) = hint else {
                return default(info);
            };
            if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
                default(info);
                eprintln!("{}", hint.trim_start());
            } else {
                // The default hook's format, with the hint in place of the note on
                // backtraces.
                let location = info
                    .location()
                    .map_or_else(String::new, |at| format!(" at {at}"));
                eprintln!(
                    "\nthread '{}' panicked{location}:\n{}{hint}",
                    std::thread::current().name().unwrap_or("<unnamed>"),
                    panic_message(info.payload()).unwrap_or("Box<dyn Any>"),
                );
            }
        }));
    });
    EXERCISE.with(|exercise| exercise.set(Some(id)));
}

/// Runs `f`, catching a panic without printing it: for a panic the caller reports itself.
/// Only in a test that called [`grading`] first.
pub fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    QUIET.with(|quiet| quiet.set(true));
    let outcome = panic::catch_unwind(panic::AssertUnwindSafe(f));
    QUIET.with(|quiet| quiet.set(false));
    outcome
}

/// The message of a panic payload, if it is a string.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}
