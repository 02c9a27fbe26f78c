//! Grader for exercise III.1 (`src/part3/emitter.rs`), a "make it compile" exercise: it
//! compiles the learner's file as a module of a program whose `main` is written here, not
//! in the learner's file, and runs it with trybuild.

mod support;

use std::path::PathBuf;

use crate::support::grading;

/// The grader's program: the exercise's file is its module `emitter`.
const MAIN: &str = r#"
use std::cell::RefCell;
use std::rc::Rc;

use emitter::{numbered, Emitter};
use yieldpoint::Generator;

/// A text with blank and indented lines, different for each seed.
fn text(seed: u64) -> String {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut lines = Vec::new();
    for i in 0..(5 + seed % 11) {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        lines.push(match (state >> 33) % 5 {
            0 => String::new(),
            1 => "   ".to_string(),
            2 => format!("  indented {i}"),
            _ => format!("line {i} of {seed}"),
        });
    }
    lines.join("\n")
}

fn main() {
    for seed in [3, 17, 29, 40, 1234] {
        let text = text(seed);
        let want: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| format!("{}: {l}", i + 1))
            .collect();
        let mut lines = numbered(text.clone());
        let got: Vec<String> = lines.by_ref().collect();
        assert_eq!(got, want, "numbered({text:?}): the lines that are not blank, numbered");
        assert_eq!(lines.return_value(), Some(&want.len()), "numbered returns the count");
    }

    // An Emitter suspends the coroutine at each emit: what follows runs on the next pull.
    let trace = Rc::new(RefCell::new(Vec::new()));
    let body_trace = trace.clone();
    let mut g: Generator<String, usize> = Generator::new(move |co| {
        let mut out = Emitter::new(co);
        body_trace.borrow_mut().push("before".to_string());
        out.emit("first");
        body_trace.borrow_mut().push("between".to_string());
        out.emit("second");
        body_trace.borrow_mut().push("after".to_string());
        out.count()
    });
    assert_eq!(g.next().as_deref(), Some("1: first"));
    assert_eq!(*trace.borrow(), ["before"], "emit must yield at once, not buffer");
    assert_eq!(g.next().as_deref(), Some("2: second"));
    assert_eq!(*trace.borrow(), ["before", "between"]);
    assert_eq!(g.next(), None);
    assert_eq!(g.return_value(), Some(&2), "count() is the number of lines emitted");
}
"#;

#[test]
fn emitter_compiles_and_runs_the_graders_main() {
    grading("emitter");
    let root = if cfg!(feature = "solutions") {
        "solutions"
    } else {
        "src"
    };
    let exercise =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("{root}/part3/emitter.rs"));
    let program =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("iii1_emitter_{root}.rs"));
    let source = format!(
        "#[path = {:?}]\nmod emitter;\n{MAIN}",
        exercise.display().to_string()
    );
    std::fs::write(&program, source).expect("the grader can write its program");
    let outcome = crate::support::quietly(|| {
        let cases = trybuild::TestCases::new();
        cases.pass(&program);
    });
    if let Err(payload) = outcome {
        panic!(
            "exercises/{root}/part3/emitter.rs should compile as a module of the grader's \
             program ({}), and that program's checks should pass; trybuild's output above \
             shows the compiler errors or the failed check (trybuild: {})",
            program.display(),
            crate::support::panic_message(&*payload).unwrap_or("failed")
        );
    }
}
