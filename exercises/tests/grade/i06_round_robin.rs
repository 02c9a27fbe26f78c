//! Grader for exercise I.6 (`src/part1/round_robin.rs`).

mod support;

support::exercise!(
    round_robin,
    "../../src/part1/round_robin.rs",
    "../../solutions/part1/round_robin.rs"
);

use std::cell::RefCell;
use std::rc::Rc;

use crate::support::gen::{bounded, Rng};
use crate::support::grading;
use round_robin::{countdown, countup, run, Task};
use yieldpoint::Generator;

#[test]
fn tasks_yield_their_lines() {
    grading("round_robin");
    let mut rng = Rng::new();
    let n = rng.range(0..50) as u32;
    let want: Vec<String> = (1..=n).rev().map(|i| format!("Down {i}")).collect();
    assert_eq!(
        bounded(countdown(n), 50, "countdown"),
        want,
        "countdown({n})"
    );
    let want: Vec<String> = (0..n).map(|i| format!("Up {i}")).collect();
    assert_eq!(bounded(countup(n), 50, "countup"), want, "countup({n})");
}

// ANCHOR: example_test
#[test]
fn run_interleaves_like_the_python_original() {
    grading("round_robin");
    let got = run(vec![countdown(3), countup(3)]);
    let want = ["Down 3", "Up 0", "Down 2", "Up 1", "Down 1", "Up 2"];
    assert_eq!(got, want, "run([countdown(3), countup(3)])");
}
// ANCHOR_END: example_test

/// A task that writes to `log` each time it runs, then yields the same line.
fn logging_task(name: usize, steps: usize, log: &Rc<RefCell<Vec<String>>>) -> Task {
    let log = log.clone();
    Generator::new(move |co| {
        for step in 0..steps {
            let line = format!("task {name} step {step}");
            log.borrow_mut().push(line.clone());
            co.yield_(line);
        }
        log.borrow_mut().push(format!("task {name} ends"));
    })
}

/// The order of side effects: each task runs one step per turn, so what the tasks do (not
/// only what `run` returns) interleaves.
#[test]
fn tasks_run_in_turn_not_one_after_another() {
    grading("round_robin");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let steps: Vec<usize> = (0..rng.range(1..6)).map(|_| rng.below(5)).collect();
        let log = Rc::new(RefCell::new(Vec::new()));
        let tasks = steps
            .iter()
            .enumerate()
            .map(|(name, &n)| logging_task(name, n, &log))
            .collect();
        // What the Python original does, step by step.
        let mut want_log = Vec::new();
        let mut want_lines = Vec::new();
        let mut queue: std::collections::VecDeque<(usize, usize)> =
            steps.iter().copied().enumerate().collect();
        let mut done = vec![0; steps.len()];
        while let Some((name, n)) = queue.pop_front() {
            if done[name] < n {
                let line = format!("task {name} step {}", done[name]);
                want_log.push(line.clone());
                want_lines.push(line);
                done[name] += 1;
                queue.push_back((name, n));
            } else {
                want_log.push(format!("task {name} ends"));
            }
        }
        let got = run(tasks);
        assert_eq!(
            got, want_lines,
            "run() of tasks with {steps:?} steps: its lines"
        );
        assert_eq!(
            *log.borrow(),
            want_log,
            "run() of tasks with {steps:?} steps: what the tasks did, in the order they \
             did it. One step of one task per turn, not each task to its end"
        );
    }
}

#[test]
fn no_tasks_and_empty_tasks() {
    grading("round_robin");
    assert!(run(vec![]).is_empty(), "run(no tasks) returns no lines");
    let got = run(vec![countup(0), countdown(0), countdown(1)]);
    assert_eq!(got, ["Down 1"], "tasks that yield nothing are dropped");
}

/// A finished task is dropped from the queue when it ends, not kept until `run` returns.
#[test]
fn a_finished_task_is_dropped_when_it_ends() {
    grading("round_robin");
    let dropped = Rc::new(RefCell::new(Vec::new()));
    let task = |name: &'static str, steps: usize| -> Task {
        let dropped = dropped.clone();
        Generator::new(move |co| {
            struct Guard(&'static str, Rc<RefCell<Vec<String>>>);
            impl Drop for Guard {
                fn drop(&mut self) {
                    self.1.borrow_mut().push(format!("{} dropped", self.0));
                }
            }
            let _guard = Guard(name, dropped.clone());
            for i in 0..steps {
                dropped.borrow_mut().push(format!("{name} {i}"));
                co.yield_(format!("{name} {i}"));
            }
        })
    };
    let _ = run(vec![task("a", 1), task("b", 3)]);
    assert_eq!(
        *dropped.borrow(),
        ["a 0", "b 0", "a dropped", "b 1", "b 2", "b dropped"],
        "each task's body ends (and drops what it holds) on the turn after its last line"
    );
}
