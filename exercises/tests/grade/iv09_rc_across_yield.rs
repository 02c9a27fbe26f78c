//! Grader for exercise IV.9 (`src/part4/rc_across_yield.rs`), a "make it compile" exercise.
//! The learner's file provides `word_counts`; the checks are here: a program made of that
//! file and the `main` below is compiled and run with trybuild.

mod support;

use crate::support::compile_check;
use crate::support::grading;

/// The grader's checks: `word_counts` on texts made up at run time, several tasks at once
/// on a two-worker `WorkQueue`, and `count_line` still taking the shared `Counts`.
const MAIN: &str = r#"
use std::collections::BTreeMap;

fn main() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.subsec_nanos() as usize);
    let words = ["ping", "pong", "yield", "point", "rc", "task", "worker", "loop"];
    let rt = yieldpoint::sched::WorkQueue::builder().workers(2).build();
    let mut jobs = Vec::new();
    for round in 0..8 {
        let lines: Vec<String> = (0..(seed + round) % 13)
            .map(|i| {
                (0..(seed / (i + 1) + round) % 6)
                    .map(|j| words[(seed + i * 7 + j * 3 + round) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut want: BTreeMap<String, usize> = BTreeMap::new();
        for line in &lines {
            for word in line.split_whitespace() {
                *want.entry(word.to_string()).or_default() += 1;
            }
        }
        jobs.push((rc_across_yield::word_counts(&rt, lines.clone()), want, lines));
    }
    for (task, want, lines) in jobs {
        assert_eq!(task.join().unwrap(), want, "the word counts of {lines:?}");
    }
    let counts: rc_across_yield::Counts = std::rc::Rc::default();
    rc_across_yield::count_line(&counts, "a b a");
    assert_eq!(counts.borrow().get("a"), Some(&2));
}
"#;

#[test]
fn rc_across_yield_compiles_and_works() {
    grading("rc_across_yield");
    compile_check::compiles_and_runs("part4/rc_across_yield.rs", "rc_across_yield", MAIN);
}
