//! Shared by the graders of the "make it compile" exercises.

use std::panic::{self, AssertUnwindSafe};

/// Compiles `file` (under `src/`, or `solutions/` with the `solutions` feature) as a program
/// with trybuild and runs it; panics with the exercise's hint if either step fails.
pub fn compiles_and_runs(id: &str, file: &str) {
    let root = if cfg!(feature = "solutions") {
        "solutions"
    } else {
        "src"
    };
    let path = format!("{root}/{file}");
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        let cases = trybuild::TestCases::new();
        cases.pass(&path);
        // trybuild compiles and runs when `cases` is dropped, and panics on failure.
    }));
    if outcome.is_err() {
        panic!(
            "{path} should compile and its main() should run without panicking; \
             trybuild's output above shows the compiler errors{}",
            exercises::hint(id)
        );
    }
}
