//! One worker thread: its local deque, the loop that finds and runs tasks, and shutdown.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_deque::{Steal, Worker};

use super::Shared;
use crate::sched::context;
use crate::sched::local::Local;
use crate::task::cell::TaskRef;
use crate::task::header::Header;
use crate::task::owner::Owner;
use crate::task::schedule::Schedule;
use crate::task::spawn::NewTask;
use crate::task::{JoinError, TaskSnapshot};

/// Every this many switches, a worker looks at the injector before its own deque.
const INJECTOR_FIRST_EVERY: u32 = 61;
/// Every this many switches, a worker starts a new task even while started ones are ready.
const NEW_TASK_EVERY: u32 = 16;

/// One worker thread: the shared core that runs its tasks, and its side of the work queue.
struct WorkerThread {
    local: Local,
    queues: WorkerQueues,
}

/// A task spawned on a worker goes to the worker's deque, where idle workers may steal it
/// before it starts; once started, a task stays on its worker.
impl Schedule for WorkerThread {
    fn owner(&self) -> &Arc<Owner> {
        &self.local.owner
    }

    fn spawn(&self, task: NewTask) {
        if task.pinned {
            self.queues.shared.register(&task.task);
            self.local.insert(task);
        } else {
            self.queues.push(task);
        }
    }

    fn wake(&self, task: TaskRef) {
        self.local.push_ready(task);
    }

    fn finished(&self, task: &Header) {
        self.queues.shared.finished(task);
    }

    fn tasks(&self) -> Vec<TaskSnapshot> {
        self.queues.shared.snapshot()
    }

    fn default_stack_size(&self) -> usize {
        self.queues.shared.config.stack_size
    }

    fn time_slice(&self) -> Duration {
        self.queues.shared.config.time_slice
    }

    fn stall_warning_after(&self) -> Duration {
        self.queues.shared.config.stall_warning_after
    }
}

/// A worker's side of the work queue.
struct WorkerQueues {
    shared: Arc<Shared>,
    /// Unstarted tasks spawned on this worker; other workers steal from it.
    deque: Worker<NewTask>,
    /// This worker's position in `shared.stealers`.
    index: usize,
}

impl WorkerQueues {
    /// Queues an unstarted task spawned on this worker, and wakes an idle worker to take
    /// it (or a share of this deque).
    fn push(&self, task: NewTask) {
        self.shared.register(&task.task);
        self.deque.push(task);
        self.shared.sleepers.wake_one();
    }

    /// An unstarted task: from this deque, a batch from the injector, or a batch stolen
    /// from a peer (crossbeam-deque's `find_task` pattern).
    fn find_task(&self, injector_first: bool) -> Option<NewTask> {
        if !injector_first {
            if let Some(task) = self.deque.pop() {
                return Some(task);
            }
        }
        let shared = &self.shared;
        loop {
            let steal = shared
                .injector
                .steal_batch_and_pop(&self.deque)
                .or_else(|| {
                    shared
                        .stealers
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != self.index)
                        .map(|(_, s)| s.steal_batch_and_pop(&self.deque))
                        .collect()
                });
            match steal {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return self.deque.pop(),
                Steal::Retry => continue,
            }
        }
    }
}

/// The worker loop: runs ready tasks, starts new ones, parks when there is nothing to do,
/// and on shutdown cancels its own tasks (on this thread, where they lived).
pub(super) fn run(shared: Arc<Shared>, deque: Worker<NewTask>, index: usize) {
    let worker = WorkerThread {
        local: Local::new(shared.config.clone()),
        queues: WorkerQueues {
            shared: shared.clone(),
            deque,
            index,
        },
    };
    let local = &worker.local;
    let running = context::enter(local, &worker);
    let mut tick: u32 = 0;
    while !shared.is_shutdown() {
        tick = tick.wrapping_add(1);
        if local.ready_is_empty() || tick % NEW_TASK_EVERY == 0 {
            if let Some(task) = worker.queues.find_task(tick % INJECTOR_FIRST_EVERY == 0) {
                local.insert(task);
            }
        }
        if !local.step(&worker) {
            park(&shared, local);
        }
    }
    drop(running);
    local.shutdown(&worker);
    while let Some(task) = worker.queues.deque.pop() {
        cancel_unstarted(&shared, task);
    }
}

/// Parks the worker until new work, a wakeup for one of its tasks, or its next timer.
fn park(shared: &Shared, local: &Local) {
    let has_work = || shared.is_shutdown() || local.owner.has_pending() || shared.has_new_tasks();
    shared.sleepers.park(has_work, local.next_deadline());
}

/// Ends a task that never started: its body is dropped unrun, its `JoinHandle` reports
/// cancellation.
pub(super) fn cancel_unstarted(shared: &Shared, task: NewTask) {
    let NewTask { task, stack, .. } = task;
    drop(stack);
    // A panic from a capture's `Drop` is the task's panic; it must not kill the worker.
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| task.drop_unrun()));
    let error = match dropped {
        Ok(()) => JoinError::cancelled(&task),
        Err(payload) => JoinError::panicked(&task, payload),
    };
    task.finish(Some(error));
    shared.finished(&task);
}
