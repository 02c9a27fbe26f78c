//! The workbook's grader: one module per exercise, named after its number and id so that
//! libtest, which sorts tests by name, lists them in book order (`i01_countdown`, ...,
//! `i07_owned_words`, `ii01_averager`, ...; `Exercise::grader` in `src/catalog.rs`).
//!
//! - `cargo test -p exercises` grades every exercise and gives each test's verdict; the
//!   failures section says, per failing test, what went wrong, and the exercise's hint once.
//! - `cargo test -p exercises i01_countdown` grades one exercise: a test name filter that
//!   selects only that module's tests.
//!
//! Every test starts with [`grading`], so that a panic in the learner's code (a `todo!()`
//! not filled in yet) or a failed assertion prints the exercise's hint, once per run.
//!
//! The graders check behaviour, not one fixed answer (see [`gen`]): their inputs are
//! generated anew on every run, laziness is counted at the source or inside the body (by
//! the allocations it makes), interleaving by the order of side effects, and cleanup by
//! dropping and closing suspended coroutines. Their messages name the input and what the
//! exercise returned; an expected total is not printed, since the next run's input differs.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::panic;
use std::sync::{Mutex, Once};

mod compile_check;
mod gen;

// Part I: Generators (PEP 255).
mod i01_countdown;
mod i02_fibonacci;
mod i03_log_grep;
mod i04_log_bytes;
mod i05_error_report;
mod i06_round_robin;
mod i07_owned_words;

// Part II: Coroutines: send, throw, close (PEP 342).
mod ii01_averager;
mod ii02_grep_sink;
mod ii03_broadcast;
mod ii04_tally;
mod ii05_interrupt;
mod ii06_buffered_writer;
mod ii07_tokenizer;
mod ii08_shared_sink;

thread_local! {
    /// The exercise the test on this thread grades.
    static EXERCISE: Cell<Option<&'static str>> = const { Cell::new(None) };
    /// Whether panics on this thread print nothing: see [`quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// The exercises whose hint this run printed already.
static HINTED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// Marks the calling test as a grader of exercise `id`: when it panics (a failed
/// assertion, a `todo!()` in the stub, an overflow), the exercise's hint is printed below
/// the message, the first time only: one hint per exercise per run.
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
            let exercise = EXERCISE.with(Cell::get);
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
