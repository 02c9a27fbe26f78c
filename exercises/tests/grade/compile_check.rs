//! Shared by the graders of the "make it compile" exercises.

/// Compiles `file` (under `src/`, or `solutions/` with the `solutions` feature) as a program
/// with trybuild and runs it; panics with the exercise's hint if either step fails.
pub fn compiles_and_runs(id: &str, file: &str) {
    let root = if cfg!(feature = "solutions") {
        "solutions"
    } else {
        "src"
    };
    let path = format!("{root}/{file}");
    // trybuild prints the compiler's output itself, then panics with "1 of 1 tests failed";
    // the panic below says it more clearly, with the hint.
    let outcome = crate::quietly(|| {
        let cases = trybuild::TestCases::new();
        cases.pass(&path);
        // trybuild compiles and runs when `cases` is dropped, and panics on failure.
    });
    if let Err(payload) = outcome {
        panic!(
            "{path} should compile and its main() should run without panicking; \
             trybuild's output above shows the compiler errors (trybuild: {}){}",
            crate::panic_message(&*payload).unwrap_or("failed"),
            exercises::hint(id)
        );
    }
}
