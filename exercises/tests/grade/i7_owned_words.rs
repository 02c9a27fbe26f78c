//! Grader for exercise I.7 (`src/part1/owned_words.rs`), a "make it compile" exercise: it
//! compiles and runs the file with trybuild.

use crate::compile_check;
use crate::grading;

#[test]
fn owned_words_compiles_and_runs() {
    grading("owned_words");
    compile_check::compiles_and_runs("owned_words", "part1/owned_words.rs");
}
