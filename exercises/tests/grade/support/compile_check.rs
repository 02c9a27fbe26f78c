//! Shared by the graders of the "make it compile" exercises.
//!
//! The learner's file provides items only (a function, a type); the checks belong to the
//! grader. [`compiles_and_runs`] writes a small program that includes the learner's file as
//! a module (`#[path]`) and runs the grader's `main` on it, then compiles and runs that
//! program with trybuild. Code disabled with `#[cfg(any())]` or an emptied file leaves the
//! items missing, and the program does not compile.

use std::path::{Path, PathBuf};

/// Compiles a program made of `file` (under `src/`, or `solutions/` with the `solutions`
/// feature) as module `module`, and `main`, the grader's checks; runs it; panics if either
/// step fails.
pub fn compiles_and_runs(file: &str, module: &str, main: &str) {
    let root = if cfg!(feature = "solutions") {
        "solutions"
    } else {
        "src"
    };
    let learner = Path::new(env!("CARGO_MANIFEST_DIR")).join(root).join(file);
    // One directory per package and mode: copies of this package (tests/workbook_grading.rs)
    // may be graded at the same time, with the same target directory.
    let package = Path::new(env!("CARGO_MANIFEST_DIR"))
        .file_name()
        .map_or_else(|| "exercises".into(), |name| name.to_string_lossy());
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("make-it-compile")
        .join(format!("{package}-{root}"));
    std::fs::create_dir_all(&dir).expect("cannot create the grader's directory");
    let program = dir.join(format!("{module}.rs"));
    let source = format!(
        "// Written by the grader: exercises/{root}/{file} and the grader's checks.\n\
         #[path = {learner:?}]\n\
         mod {module};\n\n\
         {main}\n"
    );
    std::fs::write(&program, source).expect("cannot write the grader's program");
    // trybuild prints the compiler's output itself, then panics with "1 of 1 tests failed";
    // the panic below says it more clearly.
    let outcome = crate::support::quietly(|| {
        let cases = trybuild::TestCases::new();
        cases.pass(&program);
        // trybuild compiles and runs when `cases` is dropped, and panics on failure.
    });
    if let Err(payload) = outcome {
        panic!(
            "exercises/{root}/{file} should compile, and the grader's checks should pass on \
             it; trybuild's output above shows the compiler errors or the failed check \
             (trybuild: {})",
            crate::support::panic_message(&*payload).unwrap_or("failed"),
        );
    }
}
