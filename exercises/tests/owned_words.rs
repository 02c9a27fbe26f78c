//! Grader for exercise I.7 (`src/part1/owned_words.rs`), a "make it compile" exercise: it
//! compiles and runs the file with trybuild.

mod compile_check;

#[test]
fn owned_words_compiles_and_runs() {
    compile_check::compiles_and_runs("owned_words", "part1/owned_words.rs");
}
