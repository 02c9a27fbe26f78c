//! Grader for exercise II.8 (`src/part2/shared_sink.rs`), a "make it compile" exercise: it
//! compiles and runs the file with trybuild.

use crate::compile_check;
use crate::grading;

#[test]
fn shared_sink_compiles_and_runs() {
    grading("shared_sink");
    compile_check::compiles_and_runs("shared_sink", "part2/shared_sink.rs");
}
