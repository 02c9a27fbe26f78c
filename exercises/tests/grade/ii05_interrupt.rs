//! Grader for exercise II.5 (`src/part2/interrupt.rs`).

mod support;

support::exercise!(
    interrupt,
    "../../src/part2/interrupt.rs",
    "../../solutions/part2/interrupt.rs"
);

use std::cell::RefCell;
use std::rc::Rc;

use crate::support::grading;
use interrupt::{fragile, interrupt_all, stubborn, Interrupt, Log, Task};
use yieldpoint::{CoroutineState, Lifecycle};

fn started(mut task: Task) -> Task {
    let _ = task.send(());
    task
}

#[test]
fn stubborn_catches_and_goes_on() {
    grading("interrupt");
    let log = Log::default();
    let mut a = stubborn("a", log.clone());
    assert_eq!(
        a.send(()),
        CoroutineState::Yielded("a"),
        "a task yields its name"
    );
    assert_eq!(
        a.throw(Interrupt("stop")),
        Ok(CoroutineState::Yielded("a")),
        "stubborn catches"
    );
    assert_eq!(
        *log.borrow(),
        ["a ignored stop"],
        "stubborn logs what it ignored"
    );
    assert_eq!(a.state(), Lifecycle::Suspended, "and is still suspended");
}

// ANCHOR: example_test
#[test]
fn fragile_unwinds_and_runs_its_cleanup() {
    grading("interrupt");
    let log = Log::default();
    let mut b = fragile("b", log.clone());
    assert_eq!(
        b.send(()),
        CoroutineState::Yielded("b"),
        "a task yields its name"
    );
    assert!(log.borrow().is_empty(), "no cleanup while it runs");
    assert_eq!(
        b.throw(Interrupt("stop")),
        Err(Interrupt("stop")),
        "the throw escapes fragile"
    );
    assert_eq!(
        *log.borrow(),
        ["b cleaned up"],
        "unwinding dropped the Cleanup"
    );
    assert_eq!(
        b.state(),
        Lifecycle::Closed,
        "an escaped throw closes the coroutine"
    );
}
// ANCHOR_END: example_test

#[test]
fn interrupt_all_keeps_the_survivors() {
    grading("interrupt");
    let log = Log::default();
    let mut tasks = vec![
        started(stubborn("a", log.clone())),
        started(fragile("b", log.clone())),
        started(stubborn("c", log.clone())),
        started(fragile("d", log.clone())),
    ];
    assert_eq!(
        interrupt_all(&mut tasks, "now"),
        2,
        "two fragile tasks removed"
    );
    let names: Vec<_> = tasks.iter_mut().map(|t| t.send(()).yielded()).collect();
    assert_eq!(
        names,
        [Some("a"), Some("c")],
        "the stubborn ones remain, in order"
    );
    let want = [
        "a ignored now",
        "b cleaned up",
        "c ignored now",
        "d cleaned up",
    ];
    assert_eq!(
        *log.borrow(),
        want,
        "each task handled the interrupt in turn"
    );
}

#[test]
fn interrupt_all_on_no_tasks() {
    grading("interrupt");
    let mut tasks: Vec<Task> = Vec::new();
    assert_eq!(interrupt_all(&mut tasks, "x"), 0, "nothing to remove");
}

#[test]
fn an_unstarted_task_never_runs_its_body() {
    grading("interrupt");
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let mut tasks = vec![stubborn("a", log.clone())];
    assert_eq!(
        interrupt_all(&mut tasks, "x"),
        1,
        "throw at a Created coroutine fails: removed"
    );
    assert!(
        log.borrow().is_empty(),
        "its body never ran, so there was no Cleanup to drop"
    );
}

#[test]
fn survivors_clean_up_when_dropped() {
    grading("interrupt");
    let log = Log::default();
    let mut tasks = vec![started(stubborn("a", log.clone()))];
    let _ = interrupt_all(&mut tasks, "x");
    drop(tasks);
    assert_eq!(
        *log.borrow(),
        ["a ignored x", "a cleaned up"],
        "dropping a suspended task unwinds it"
    );
}

/// Cleanup of suspended tasks, exercised by closing and by dropping them.
#[test]
fn closing_or_dropping_a_suspended_task_cleans_it_up() {
    grading("interrupt");
    for make in [stubborn, fragile] {
        let log = Log::default();
        let mut task = started(make("t", log.clone()));
        task.close();
        assert_eq!(
            *log.borrow(),
            ["t cleaned up"],
            "close() unwinds a suspended task: its Cleanup runs, once"
        );
        assert_eq!(task.state(), Lifecycle::Closed, "closed");
        let log = Log::default();
        drop(started(make("u", log.clone())));
        assert_eq!(
            *log.borrow(),
            ["u cleaned up"],
            "dropping a suspended task unwinds it: its Cleanup runs, once"
        );
    }
}

/// A mix of tasks the learner cannot see in advance: the survivors, their order, and the
/// log of what each task did, in order.
#[test]
fn interrupt_all_on_generated_tasks() {
    grading("interrupt");
    const NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
    let mut rng = crate::support::gen::Rng::new();
    for _ in 0..10 {
        let log = Log::default();
        let kinds: Vec<bool> = (0..rng.range(0..8)).map(|_| rng.one_in(2)).collect();
        let mut tasks: Vec<Task> = kinds
            .iter()
            .zip(NAMES)
            .map(|(&stubborn_one, name)| {
                let make = if stubborn_one { stubborn } else { fragile };
                started(make(name, log.clone()))
            })
            .collect();
        let removed = interrupt_all(&mut tasks, "now");
        let mut want = Vec::new();
        let mut survivors = Vec::new();
        for (&stubborn_one, name) in kinds.iter().zip(NAMES) {
            if stubborn_one {
                want.push(format!("{name} ignored now"));
                survivors.push(Some(name));
            } else {
                want.push(format!("{name} cleaned up"));
            }
        }
        let plan: Vec<&str> = kinds
            .iter()
            .map(|&s| if s { "stubborn" } else { "fragile" })
            .collect();
        assert_eq!(
            removed,
            kinds.len() - survivors.len(),
            "interrupt_all on {plan:?}: how many were removed"
        );
        assert_eq!(*log.borrow(), want, "interrupt_all on {plan:?}: the log");
        let names: Vec<_> = tasks.iter_mut().map(|t| t.send(()).yielded()).collect();
        assert_eq!(names, survivors, "interrupt_all on {plan:?}: the survivors");
    }
}
