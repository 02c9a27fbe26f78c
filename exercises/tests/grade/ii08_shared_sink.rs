//! Grader for exercise II.8 (`src/part2/shared_sink.rs`), a "make it compile" exercise. The
//! learner's file provides `recorder`; the checks are here: a program made of that file and
//! the `main` below is compiled and run with trybuild.

mod support;

use crate::support::compile_check;
use crate::support::grading;

/// The grader's checks: values made up at run time are sent to the recorder, and read back
/// after each send (the state is shared, not copied) and after the coroutine is dropped.
const MAIN: &str = r#"
fn main() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.subsec_nanos());
    for round in 0..5u32 {
        let (mut recorder, read) = shared_sink::recorder();
        assert_eq!(read(), Vec::<u32>::new(), "nothing recorded before the first send");
        let mut sent = Vec::new();
        for i in 0..(seed % 7 + round) {
            let value = seed.wrapping_mul(i + 1).rotate_left(round) % 1000;
            let _ = recorder.send(value);
            sent.push(value);
            assert_eq!(read(), sent, "what read() returns after sending {sent:?}");
        }
        drop(recorder);
        assert_eq!(read(), sent, "read() after the coroutine is dropped");
    }
}
"#;

#[test]
fn shared_sink_compiles_and_works() {
    grading("shared_sink");
    compile_check::compiles_and_runs("part2/shared_sink.rs", "shared_sink", MAIN);
}
