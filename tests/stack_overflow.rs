//! A stack overflow in a coroutine stops the process with a message naming the coroutine
//! and its stack size, never a silent SIGSEGV (DESIGN.md, "Reliability").
//!
//! Each test re-runs this test binary as a child process (see
//! `tests/support/child_process.rs`); in the child, the same test overflows a stack, and
//! the parent checks how the child died and what it printed.

mod support;

use std::hint::black_box;
use std::os::unix::process::ExitStatusExt;
use std::process::Output;

use support::child_process::{in_child, run_child};
use yieldpoint::coroutine::Builder;
use yieldpoint::{Coroutine, Yielder};

/// Usable stack size given to the overflowing coroutines, in bytes.
const STACK_SIZE: usize = 64 * 1024;

/// Recurses forever with a 1 KiB frame; `black_box` keeps the frame and the recursion
/// from being optimised away, and the impossible exit keeps rustc's
/// `unconditional_recursion` lint quiet.
fn recurse_forever(depth: u64) -> u64 {
    let frame = black_box([depth; 128]);
    if black_box(depth) == u64::MAX {
        return 0;
    }
    recurse_forever(depth + 1) + frame[7]
}

/// Checks that the child aborted (SIGABRT) and reported an overflow of the coroutine
/// `coroutine` with a `STACK_SIZE`-byte stack.
fn assert_reported_overflow(output: &Output, coroutine: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the child must not succeed; stderr:\n{stderr}"
    );
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGABRT),
        "the child must abort, not die of SIGSEGV ({:?}); stderr:\n{stderr}",
        output.status
    );
    let expected =
        format!("coroutine \"{coroutine}\" has overflowed its stack ({STACK_SIZE} bytes)");
    assert!(
        stderr.contains(&expected),
        "missing {expected:?} in stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("Builder::stack_size"),
        "the message says what to do; stderr:\n{stderr}"
    );
}

/// A named coroutine recursing forever: the process aborts with its name and stack size.
#[test]
fn overflow_in_named_coroutine_reports_name_and_size() {
    if in_child() {
        let mut co: Coroutine<(), (), u64> = Builder::new()
            .name("runaway-walker")
            .stack_size(STACK_SIZE)
            .build(|_co, ()| recurse_forever(0))
            .unwrap();
        let _ = co.send(());
        unreachable!("the recursion never returns");
    }
    let output = run_child("overflow_in_named_coroutine_reports_name_and_size");
    assert_reported_overflow(&output, "runaway-walker");
}

/// A coroutine created and run inside another coroutine's body overflows: the report
/// names the inner one.
#[test]
fn overflow_in_nested_coroutine_names_the_inner_one() {
    if in_child() {
        let mut outer: Coroutine<(), (), ()> = Builder::new()
            .name("outer")
            .stack_size(STACK_SIZE)
            .build(|co: &Yielder<(), ()>, ()| {
                co.yield_(());
                let mut inner: Coroutine<(), (), u64> = Builder::new()
                    .name("inner-recursion")
                    .stack_size(STACK_SIZE)
                    .build(|_co, ()| recurse_forever(0))
                    .unwrap();
                let _ = inner.send(());
            })
            .unwrap();
        let _ = outer.send(());
        let _ = outer.send(());
        unreachable!("the recursion never returns");
    }
    let output = run_child("overflow_in_nested_coroutine_names_the_inner_one");
    assert_reported_overflow(&output, "inner-recursion");
}

/// An unnamed coroutine is reported as `<unnamed>`, still with its stack size.
#[test]
fn overflow_in_unnamed_coroutine_reports_size() {
    if in_child() {
        let mut co: Coroutine<(), (), u64> = Builder::new()
            .stack_size(STACK_SIZE)
            .build(|_co, ()| recurse_forever(0))
            .unwrap();
        let _ = co.send(());
        unreachable!("the recursion never returns");
    }
    let output = run_child("overflow_in_unnamed_coroutine_reports_size");
    assert_reported_overflow(&output, "<unnamed>");
}

/// An overflow of an OS thread's own stack (not a coroutine's) is still std's to report:
/// the coroutine handler passes it on, and the message is std's.
#[test]
fn overflow_of_thread_stack_is_left_to_std() {
    if in_child() {
        // Register the handler by creating a coroutine first.
        let mut co: Coroutine<(), (), ()> = Coroutine::new(|_co, ()| {});
        let _ = co.send(());
        std::thread::Builder::new()
            .name("plain-thread".into())
            .stack_size(256 * 1024)
            .spawn(|| recurse_forever(0))
            .unwrap()
            .join()
            .unwrap();
        unreachable!("the recursion never returns");
    }
    let output = run_child("overflow_of_thread_stack_is_left_to_std");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "stderr:\n{stderr}");
    // std prints "thread 'plain-thread' (<id>) has overflowed its stack" (the id is new in
    // recent Rust versions), so check the two parts separately.
    assert!(
        stderr.contains("thread 'plain-thread'"),
        "stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("has overflowed its stack"),
        "stderr:\n{stderr}"
    );
    assert!(!stderr.contains("coroutine \""), "stderr:\n{stderr}");
}

/// Spawns a task named `name` that recurses forever (after one yield, so it overflows on a
/// task that has been switched out and in again) and joins it.
fn join_overflowing_task(name: &str) {
    let task = yieldpoint::task::Builder::new()
        .name(name)
        .stack_size(STACK_SIZE)
        .spawn(|| {
            yieldpoint::yield_now();
            recurse_forever(0)
        })
        .unwrap();
    let _ = task.join();
    unreachable!("the recursion never returns");
}

/// Runs the test `test`: in the child, `run` overflows a task named `name`; the parent
/// checks the report.
fn check_task_overflow(test: &str, name: &'static str, run: impl FnOnce(&'static str)) {
    if in_child() {
        run(name);
    }
    assert_reported_overflow(&run_child(test), name);
}

/// A green thread's stack is not in the coroutine registry; its overflow is found through
/// the task switched in, and reported with the task's name, on the round-robin scheduler.
#[test]
fn overflow_in_round_robin_task_reports_its_name() {
    check_task_overflow(
        "overflow_in_round_robin_task_reports_its_name",
        "rr-runaway",
        |name| yieldpoint::sched::RoundRobin::new().block_on(move || join_overflowing_task(name)),
    );
}

/// As above, on a worker thread of the work-queue scheduler.
#[test]
fn overflow_in_work_queue_task_reports_its_name() {
    check_task_overflow(
        "overflow_in_work_queue_task_reports_its_name",
        "wq-runaway",
        |name| yieldpoint::sched::WorkQueue::new().block_on(move || join_overflowing_task(name)),
    );
}
