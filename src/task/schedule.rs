//! What a scheduler does for its tasks: the one seam between the task layer and the
//! schedulers.
//!
//! The task layer (spawning, waking, joining, the running task's context) calls a
//! scheduler only through [`Schedule`]; each scheduler implements it once
//! (`sched::round_robin` for the round-robin scheduler's thread, `sched::work_queue` for
//! each worker thread). So nothing in `task` imports `sched`, and a new scheduler is one
//! more implementation. tokio's `runtime::task::Schedule` plays the same part.

use std::sync::Arc;
use std::time::Duration;

use super::cell::TaskRef;
use super::header::Header;
use super::owner::Owner;
use super::spawn::NewTask;
use super::{TaskDump, TaskSnapshot};

/// A scheduler thread, as its tasks see it.
pub(crate) trait Schedule {
    /// This thread's inbox: wakeups from other threads go there.
    fn owner(&self) -> &Arc<Owner>;

    /// Queues a new task. Unless it is `pinned` (made by `spawn_local`), it may start on
    /// any thread of the scheduler; a pinned one must start on this one. It stays where it
    /// starts.
    fn spawn(&self, task: NewTask);

    /// Promises a task about to be spawned here, with a stack of `size` usable bytes, the
    /// coroutine of a task that ended on this thread (a runner, `spawn::runner`), so that
    /// it needs no stack of its own; `false` if none is free, or if the task may start on
    /// another thread (`stays_here` is `false`, and this scheduler moves unstarted tasks).
    fn reserve_runner(&self, size: usize, stays_here: bool) -> bool;

    /// Whether a task about to be spawned here, with a stack of `size` usable bytes, takes
    /// its stack only when it starts, on the thread that starts it, instead of reserving
    /// one now ([`StartOn::Fresh`]): a scheduler that moves unstarted tasks may say so for
    /// one that may start on another thread (`stays_here` is `false`). Defaults to `false`.
    ///
    /// [`StartOn::Fresh`]: crate::task::spawn::StartOn::Fresh
    fn takes_stack_at_start(&self, size: usize, stays_here: bool) -> bool {
        let _ = (size, stays_here);
        false
    }

    /// Drops the runners this thread keeps for its next tasks (their stacks go back to the
    /// pool, where a failed mapping unmaps them); how many. Called when a stack cannot be
    /// mapped.
    fn drop_idle_runners(&self) -> usize;

    /// Makes runnable a task of this thread that was woken on this thread.
    fn wake(&self, task: TaskRef);

    /// How many tasks this thread would run before the running one, if it yielded now:
    /// those on its run queue, and the unstarted ones it would start first. A task about
    /// to wait reads it (see `context::yield_before_wait`).
    fn ready_len(&self) -> usize;

    /// Told by the run loop after a task of this thread has ended and its joiner was woken.
    fn finished(&self, task: &Header);

    /// Every unfinished task of the scheduler (all its threads).
    fn tasks(&self) -> Vec<TaskSnapshot>;

    /// A dump of every unfinished task of the scheduler (all its threads).
    fn dump(&self) -> TaskDump;

    /// Whether each park captures a backtrace (`capture_park_backtraces`), for the task
    /// context of this scheduler's threads.
    fn capture_park_backtraces(&self) -> bool;

    /// The stack size of a task spawned without one, in bytes.
    fn default_stack_size(&self) -> usize;

    /// How long a task runs before `maybe_yield` yields.
    fn time_slice(&self) -> Duration;

    /// How long a wait may block this thread (every task parked, or a task waiting while it
    /// unwinds) before a warning is printed.
    fn stall_warning_after(&self) -> Duration;
}
