//! The workbook's grader: one module per exercise, named after its number and id so that
//! libtest, which sorts tests by name, lists them in book order (`i1_countdown`, ...,
//! `i7_owned_words`, `ii1_averager`, ...).
//!
//! - `cargo test -p exercises` grades every exercise and gives each test's verdict; the
//!   failures section says, per failing test, what was expected and the exercise's hint.
//! - `cargo test -p exercises i1_countdown` grades one exercise: a test name filter that
//!   selects only that module's tests (`Exercise::grader` in `src/catalog.rs`).
//!
//! Every test starts with [`grading`], so that a panic in the learner's code (a `todo!()`
//! not filled in yet) prints the hint too, not only the graders' own assertions.

use std::cell::Cell;
use std::panic;
use std::sync::Once;

mod compile_check;

// Part I: Generators (PEP 255).
mod i1_countdown;
mod i2_fibonacci;
mod i3_log_grep;
mod i4_log_bytes;
mod i5_error_report;
mod i6_round_robin;
mod i7_owned_words;

// Part II: Coroutines: send, throw, close (PEP 342).
mod ii1_averager;
mod ii2_grep_sink;
mod ii3_broadcast;
mod ii4_tally;
mod ii5_interrupt;
mod ii6_buffered_writer;
mod ii7_tokenizer;
mod ii8_shared_sink;

// Part III: Delegation (PEP 380).
mod iii1_emitter;
mod iii2_forward_throw;
mod iii3_grouper;
mod iii4_flatten;
mod iii5_tree_walk;
mod iii6_trampoline;
mod iii7_pyos_syscalls;

thread_local! {
    /// The exercise the test on this thread grades.
    static EXERCISE: Cell<Option<&'static str>> = const { Cell::new(None) };
    /// Whether panics on this thread print nothing: see [`quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling test as a grader of exercise `id`: if it panics with a message that
/// does not carry the exercise's hint yet (a `todo!()` in the stub, an overflow, an
/// `unwrap` on `None`), the hint is printed below the message.
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
            let message = panic_message(info.payload());
            // The graders' assertions carry the hint already.
            let hint = EXERCISE
                .with(Cell::get)
                .map(exercises::hint)
                .filter(|hint| !message.is_some_and(|message| message.contains(hint)));
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
                    message.unwrap_or("Box<dyn Any>"),
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
