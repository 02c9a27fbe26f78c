//! The smallest stack a coroutine gets (`stack::MIN_STACK_SIZE`, used for requests of 0 or
//! 1 byte) is large enough for a panic that prints a full backtrace (issue 10, item 11:
//! with `RUST_BACKTRACE=1`, a panic on the old 16 KiB minimum overflowed the stack and
//! aborted the process).
//!
//! Each test re-runs this test binary as a child process with `RUST_BACKTRACE=full`;
//! the parent checks that the child printed the panic and its backtrace and survived.

#[macro_use]
mod support;

use support::child_process::{in_child, run_child};
use yieldpoint::coroutine::Builder;
use yieldpoint::stack::MIN_STACK_SIZE;
use yieldpoint::{Coroutine, Yielder};

/// In the child: makes the next panic print a full backtrace (std reads the variable at
/// the first panic, and none happened yet in this process).
fn full_backtraces() {
    std::env::set_var("RUST_BACKTRACE", "full");
}

/// In the parent: runs `test` in a child and checks that each of its panics printed a
/// backtrace and that it survived them.
fn assert_child_survives_backtraces(test: &str, panics: usize) {
    let output = run_child(test);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the child died ({}):\n{stderr}",
        output.status
    );
    assert_eq!(
        stderr.matches("stack backtrace:").count(),
        panics,
        "{stderr}"
    );
    assert!(stdout.contains("CHILD-OK"), "{stdout}");
}

/// A coroutine built with a stack size of 0 or 1 (the minimum) panics with a full
/// backtrace; the panic reaches the caller of `send`.
#[test]
fn a_coroutine_on_the_minimum_stack_panics_with_a_backtrace() {
    let name = "a_coroutine_on_the_minimum_stack_panics_with_a_backtrace";
    if !in_child() {
        assert_child_survives_backtraces(name, 3);
        return;
    }
    full_backtraces();
    for size in [0, 1, MIN_STACK_SIZE] {
        let mut co: Coroutine<(), (), ()> = Builder::new()
            .name("small")
            .stack_size(size)
            .build(move |_co: &Yielder<(), ()>, ()| panic!("boom on a {size}-byte request"))
            .unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| co.send(())));
        assert!(caught.is_err());
    }
    println!("CHILD-OK");
}

on_both_schedulers! {
    /// A task spawned with a stack size of 0 panics with a full backtrace; its `JoinHandle`
    /// gets the panic.
    #[test]
    fn a_task_on_the_minimum_stack_panics_with_a_backtrace() {
        let name = &test_path("a_task_on_the_minimum_stack_panics_with_a_backtrace");
        if !in_child() {
            assert_child_survives_backtraces(name, 1);
            return;
        }
        full_backtraces();
        let error = rt().block_on(|| {
            yieldpoint::task::Builder::new()
                .stack_size(0)
                .spawn(|| -> () { panic!("boom in a task") })
                .unwrap()
                .join()
                .unwrap_err()
        });
        assert!(error.to_string().contains("boom in a task"), "{error}");
        println!("CHILD-OK");
    }
}
