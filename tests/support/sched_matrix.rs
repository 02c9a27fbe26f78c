//! The scheduler test matrix: one test body, run on both schedulers (tokio's `rt_test!` in
//! `rt_common.rs`), and the helpers such bodies need.
//!
//! ```ignore
//! #[macro_use]
//! mod support;
//!
//! on_both_schedulers! {
//!     /// Python: what the test pins down.
//!     #[test]
//!     fn a_behaviour_both_schedulers_promise() {
//!         let rt = rt();
//!         assert_eq!(rt.block_on(|| yieldpoint::spawn(|| 7).join().unwrap()), 7);
//!     }
//! }
//! ```
//!
//! [`on_both_schedulers!`] copies the tests given to it into a module `round_robin` and a
//! module `work_queue`, so each runs as `file::round_robin::name` and
//! `file::work_queue::name`. Each module has:
//!
//! - `rt()`: the scheduler under test, `RoundRobin::new()` or a `WorkQueue` of 2 workers;
//! - `builder()`: its builder (slow-task reports, time slice), for `rt()`'s kind;
//! - `one_thread()` / `one_thread_builder()`: a scheduler that runs all its tasks on one
//!   OS thread (`RoundRobin`, or a `WorkQueue` of 1 worker), for tests whose scenario
//!   needs "a woken task has not run yet" or "nothing else runs until this task yields";
//! - `test_path(name)`: the test's name in the test binary, to re-run it in a child process;
//! - `use super::*`: the file's imports and helpers.
//!
//! Every test body runs under [`within`] ([`LIMIT`]): a hang fails the test.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::Duration;

use yieldpoint::task::{TaskId, TaskState};

/// How long one test of the matrix may take before it counts as hung: far above what any
/// of them needs on a loaded two-core machine in a debug build.
pub const LIMIT: Duration = Duration::from_secs(120);

/// Runs `f` on a thread of its own and fails the test if it has not returned within
/// `limit`: a hang becomes a failure instead of a stuck test run. A panic in `f` is
/// resumed here with its payload. A hung thread is left behind; the test binary exits
/// without it.
pub fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(panic::catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => {
            worker.join().unwrap();
            value
        }
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(_) => panic!("the test did not finish within {limit:?}: it hangs"),
    }
}

/// The state of the live task `id` of this scheduler; `None` once it has finished.
pub fn state_of(id: TaskId) -> Option<TaskState> {
    yieldpoint::task::all_tasks()
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| t.state)
}

/// Yields until every task of `ids` is in `state`, as a task snapshot shows it. On the
/// work queue the tasks run on other workers, so one `yield_now` is no proof they have
/// reached their wait; this is. Bounded by the test's [`within`].
///
/// # Panics
///
/// If one of the tasks ends before it reaches `state`.
pub fn wait_for_state(ids: &[TaskId], state: TaskState) {
    loop {
        let states: Vec<_> = ids.iter().map(|&id| state_of(id)).collect();
        if let Some(gone) = states.iter().position(Option::is_none) {
            panic!("task {} ended before it was {state:?}", ids[gone]);
        }
        if states.iter().all(|s| *s == Some(state)) {
            return;
        }
        yieldpoint::yield_now();
    }
}

/// Instantiates the tests given to it once per scheduler; see the module doc.
///
/// Bodies must hold for a scheduler that needs `Send + 'static` closures and runs tasks on
/// several threads: share state through `Arc`, atomics and locks (never `Rc`), and never
/// rely on the order in which ready tasks run. Wait for a task's state with
/// [`wait_for_state`] instead of one `yield_now`.
// Files that include `support` for other helpers do not use it.
#[allow(unused_macros)]
macro_rules! on_both_schedulers {
    // The internal arms first: the public one would match them too.
    (@helpers $sched:ty) => {
        /// The scheduler under test.
        #[allow(dead_code)]
        fn rt() -> $sched {
            builder().build()
        }

        /// A scheduler of this kind that runs all its tasks on one OS thread.
        #[allow(dead_code)]
        fn one_thread() -> $sched {
            one_thread_builder().build()
        }

        /// The name of this module's test `name` as the test binary knows it
        /// (`round_robin::name`), for `support::child_process::run_child`.
        #[allow(dead_code)]
        fn test_path(name: &str) -> String {
            let module = module_path!().split_once("::").map_or("", |(_, m)| m);
            format!("{module}::{name}")
        }
    };
    (@tests) => {};
    (@tests $(#[$attr:meta])* fn $name:ident() $body:block $($rest:tt)*) => {
        $(#[$attr])*
        fn $name() {
            $crate::support::sched_matrix::within(
                $crate::support::sched_matrix::LIMIT,
                move || $body,
            )
        }
        on_both_schedulers!(@tests $($rest)*);
    };
    ($($tests:tt)*) => {
        /// The tests of this file's matrix on the round-robin scheduler.
        mod round_robin {
            #[allow(unused_imports)]
            use super::*;

            /// The builder of the scheduler under test.
            #[allow(dead_code)]
            fn builder() -> yieldpoint::sched::round_robin::Builder {
                yieldpoint::sched::RoundRobin::builder()
            }

            /// The builder of a scheduler of this kind that runs its tasks on one thread.
            #[allow(dead_code)]
            fn one_thread_builder() -> yieldpoint::sched::round_robin::Builder {
                yieldpoint::sched::RoundRobin::builder()
            }

            on_both_schedulers!(@helpers yieldpoint::sched::RoundRobin);
            on_both_schedulers!(@tests $($tests)*);
        }

        /// The tests of this file's matrix on the work-queue scheduler with two workers.
        mod work_queue {
            #[allow(unused_imports)]
            use super::*;

            /// The builder of the scheduler under test.
            #[allow(dead_code)]
            fn builder() -> yieldpoint::sched::work_queue::Builder {
                yieldpoint::sched::WorkQueue::builder().workers(2)
            }

            /// The builder of a scheduler of this kind that runs its tasks on one thread.
            #[allow(dead_code)]
            fn one_thread_builder() -> yieldpoint::sched::work_queue::Builder {
                yieldpoint::sched::WorkQueue::builder().workers(1)
            }

            on_both_schedulers!(@helpers yieldpoint::sched::WorkQueue);
            on_both_schedulers!(@tests $($tests)*);
        }
    };
}
