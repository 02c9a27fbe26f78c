//! Grader for exercise I.6 (`src/part1/round_robin.rs`).

use crate::grading;
use exercises::hint;
use exercises::part1::round_robin::{countdown, countup, run, Task};
use yieldpoint::Generator;

#[test]
fn tasks_yield_the_seed_lines() {
    grading("round_robin");
    assert_eq!(
        countdown(2).collect::<Vec<_>>(),
        ["Down 2", "Down 1"],
        "countdown(2){}",
        hint("round_robin")
    );
    assert_eq!(
        countup(2).collect::<Vec<_>>(),
        ["Up 0", "Up 1"],
        "countup(2){}",
        hint("round_robin")
    );
}

// ANCHOR: example_test
#[test]
fn run_interleaves_like_seed_000() {
    grading("round_robin");
    let got = run(vec![countdown(3), countup(3)]);
    let want = ["Down 3", "Up 0", "Down 2", "Up 1", "Down 1", "Up 2"];
    assert_eq!(
        got,
        want,
        "run([countdown(3), countup(3)]) prints the seed's six lines{}",
        hint("round_robin")
    );
}
// ANCHOR_END: example_test

#[test]
fn a_finished_task_leaves_the_queue() {
    grading("round_robin");
    let got = run(vec![countdown(1), countup(3)]);
    assert_eq!(
        got,
        ["Down 1", "Up 0", "Up 1", "Up 2"],
        "countdown(1) ends after one step{}",
        hint("round_robin")
    );
}

#[test]
fn no_tasks_and_empty_tasks() {
    grading("round_robin");
    assert!(
        run(vec![]).is_empty(),
        "run(no tasks) returns no lines{}",
        hint("round_robin")
    );
    let got = run(vec![countup(0), countdown(0), countdown(1)]);
    assert_eq!(
        got,
        ["Down 1"],
        "tasks that yield nothing are dropped{}",
        hint("round_robin")
    );
}

#[test]
fn three_tasks_take_turns() {
    grading("round_robin");
    let shout: Task = Generator::new(|co| {
        co.yield_("A".to_string());
        co.yield_("B".to_string());
    });
    let got = run(vec![countup(2), shout, countdown(2)]);
    assert_eq!(
        got,
        ["Up 0", "A", "Down 2", "Up 1", "B", "Down 1"],
        "three tasks in turn{}",
        hint("round_robin")
    );
}
