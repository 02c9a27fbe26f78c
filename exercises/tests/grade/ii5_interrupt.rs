//! Grader for exercise II.5 (`src/part2/interrupt.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use crate::grading;
use exercises::hint;
use exercises::part2::interrupt::{fragile, interrupt_all, stubborn, Interrupt, Log, Task};
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
        "a task yields its name{}",
        hint("interrupt")
    );
    assert_eq!(
        a.throw(Interrupt("stop")),
        Ok(CoroutineState::Yielded("a")),
        "stubborn catches{}",
        hint("interrupt")
    );
    assert_eq!(
        *log.borrow(),
        ["a ignored stop"],
        "stubborn logs what it ignored{}",
        hint("interrupt")
    );
    assert_eq!(
        a.state(),
        Lifecycle::Suspended,
        "and is still suspended{}",
        hint("interrupt")
    );
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
        "a task yields its name{}",
        hint("interrupt")
    );
    assert!(
        log.borrow().is_empty(),
        "no cleanup while it runs{}",
        hint("interrupt")
    );
    assert_eq!(
        b.throw(Interrupt("stop")),
        Err(Interrupt("stop")),
        "the throw escapes fragile{}",
        hint("interrupt")
    );
    assert_eq!(
        *log.borrow(),
        ["b cleaned up"],
        "unwinding dropped the Cleanup{}",
        hint("interrupt")
    );
    assert_eq!(
        b.state(),
        Lifecycle::Closed,
        "an escaped throw closes the coroutine{}",
        hint("interrupt")
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
        "two fragile tasks removed{}",
        hint("interrupt")
    );
    let names: Vec<_> = tasks.iter_mut().map(|t| t.send(()).yielded()).collect();
    assert_eq!(
        names,
        [Some("a"), Some("c")],
        "the stubborn ones remain, in order{}",
        hint("interrupt")
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
        "each task handled the interrupt in turn{}",
        hint("interrupt")
    );
}

#[test]
fn interrupt_all_on_no_tasks() {
    grading("interrupt");
    let mut tasks: Vec<Task> = Vec::new();
    assert_eq!(
        interrupt_all(&mut tasks, "x"),
        0,
        "nothing to remove{}",
        hint("interrupt")
    );
}

#[test]
fn an_unstarted_task_never_runs_its_body() {
    grading("interrupt");
    let log: Log = Rc::new(RefCell::new(Vec::new()));
    let mut tasks = vec![stubborn("a", log.clone())];
    assert_eq!(
        interrupt_all(&mut tasks, "x"),
        1,
        "throw at a Created coroutine fails: removed{}",
        hint("interrupt")
    );
    assert!(
        log.borrow().is_empty(),
        "its body never ran, so there was no Cleanup to drop{}",
        hint("interrupt")
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
        "dropping a suspended task unwinds it{}",
        hint("interrupt")
    );
}
