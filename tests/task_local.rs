//! Task-local storage: `task_local!` keys set with `LocalKey::scope`, per green thread,
//! across yields and switches, dropped when their scope ends (also by a cancel or a
//! scheduler's drop), not inherited by spawned children.
//!
//! Python: `contextvars.ContextVar` in asyncio tasks (PEP 567); Rust: tokio's `task_local!`.

#[macro_use]
mod support;

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use support::sched_matrix::wait_for_state;
use support::sync_drop_counter::{DropCounter, Token};
use yieldpoint::task::TaskState;

yieldpoint::task_local! {
    /// Which worker task this is.
    static TASK_NUMBER: u32;
    /// A value whose drop is counted.
    static GUARD: Token;
}

/// Reads `TASK_NUMBER` in a nested function: the value is found wherever the task runs.
fn task_number() -> u32 {
    TASK_NUMBER.get()
}

on_both_schedulers! {
    /// Python: each task sets the same `ContextVar` and reads back its own value after any
    /// number of switches.
    #[test]
    fn each_task_sees_its_own_value_across_yields() {
        let rt = rt();
        rt.block_on(|| {
            let tasks: Vec<_> = (1..=6)
                .map(|n| {
                    yieldpoint::spawn(move || {
                        TASK_NUMBER.scope(n, || {
                            (0..50).all(|_| {
                                yieldpoint::yield_now();
                                task_number() == n
                            })
                        })
                    })
                })
                .collect();
            // The main task has its own slot: unset, whatever the others set.
            assert!(TASK_NUMBER.try_with(|_| ()).is_err());
            TASK_NUMBER.scope(100, || {
                for task in tasks {
                    assert!(task.join().unwrap(), "a task saw another task's value");
                }
                assert_eq!(task_number(), 100);
            });
        });
    }

    /// tokio's rule, unlike asyncio's copied context: a child spawned inside a scope starts
    /// with nothing set, and its own scope does not touch the parent's value.
    #[test]
    fn a_spawned_child_does_not_inherit() {
        let rt = rt();
        rt.block_on(|| {
            TASK_NUMBER.scope(1, || {
                let child = yieldpoint::spawn(|| {
                    let inherited = TASK_NUMBER.try_with(|n| *n).is_ok();
                    let own = TASK_NUMBER.scope(2, task_number);
                    (inherited, own)
                });
                assert_eq!(child.join().unwrap(), (false, 2));
                assert_eq!(task_number(), 1);
            });
        });
    }

    /// The value is dropped when its scope ends: returned, cancelled while parked inside
    /// it, or closed with the scheduler that still held the task.
    #[test]
    fn the_value_is_dropped_when_the_scope_ends_however_it_ends() {
        let counter = DropCounter::new();
        let rt = rt();
        let tokens = [counter.token(), counter.token(), counter.token()];
        let [returned, cancelled, abandoned] = tokens;
        rt.block_on(move || {
            yieldpoint::spawn(move || GUARD.scope(returned, yieldpoint::yield_now))
                .join()
                .unwrap();
            let sleeper = yieldpoint::spawn(move || {
                GUARD.scope(cancelled, || yieldpoint::sleep(Duration::from_secs(300)))
            });
            wait_for_state(&[sleeper.id()], TaskState::Sleeping);
            sleeper.cancel();
            assert!(sleeper.join().unwrap_err().is_cancelled());
        });
        assert_eq!(counter.dropped(), 2);
        let left = rt.spawn(move || {
            GUARD.scope(abandoned, || yieldpoint::sleep(Duration::from_secs(300)))
        });
        let id = left.id();
        rt.block_on(move || wait_for_state(&[id], TaskState::Sleeping));
        drop(left);
        drop(rt); // closes the sleeping task: its stack unwinds through the scope
        assert_eq!(counter.dropped(), 3);
    }

    /// A nested scope of the same key shadows the outer value until it ends.
    #[test]
    fn a_nested_scope_shadows_then_restores() {
        let rt = rt();
        rt.block_on(|| {
            yieldpoint::spawn(|| {
                TASK_NUMBER.scope(1, || {
                    let inner = TASK_NUMBER.scope(2, || {
                        yieldpoint::yield_now();
                        task_number()
                    });
                    (inner, task_number())
                })
            })
            .join()
            .map(|seen| assert_eq!(seen, (2, 1)))
            .unwrap();
        });
    }
}

/// Python: `var.get()` without a value raises `LookupError`. `try_with` returns the error;
/// `with` panics with a message that says how to set the key, in a task or outside one.
#[test]
fn reading_an_unset_key_is_an_error_and_with_panics_saying_what_to_do() {
    let err = TASK_NUMBER.try_with(|_| ()).unwrap_err();
    assert!(
        err.to_string().contains("TASK_NUMBER.scope(value, || ...)"),
        "{err}"
    );
    let payload = panic::catch_unwind(|| TASK_NUMBER.with(|n| *n)).unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with("task-local TASK_NUMBER is not set"),
        "{message}"
    );

    yieldpoint::sched::RoundRobin::new().block_on(|| {
        let in_task = panic::catch_unwind(AssertUnwindSafe(task_number)).unwrap_err();
        let message = in_task.downcast_ref::<String>().unwrap();
        assert!(message.contains("does not inherit"), "{message}");
    });
}

/// Outside a green thread a scope belongs to the OS thread; the green threads it starts
/// do not see it.
#[test]
fn outside_a_green_thread_the_scope_is_the_os_threads() {
    TASK_NUMBER.scope(5, || {
        assert_eq!(task_number(), 5);
        let seen =
            yieldpoint::sched::RoundRobin::new().block_on(|| TASK_NUMBER.try_with(|n| *n).is_ok());
        assert!(!seen, "the block_on task has a slot of its own");
        assert_eq!(task_number(), 5);
    });
    assert!(TASK_NUMBER.try_with(|_| ()).is_err());
}
