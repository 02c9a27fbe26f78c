//! One worker thread: its LIFO slot and local deque, the loop that finds and runs tasks,
//! and shutdown.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_deque::{Steal, Worker};

use super::balance::Patience;
use super::registry::Ended;
use super::Shared;
use crate::sched::context;
use crate::sched::local::Local;
use crate::sched::stall;
use crate::task::cell::TaskRef;
use crate::task::header::Header;
use crate::task::owner::Owner;
use crate::task::schedule::Schedule;
use crate::task::spawn::NewTask;
use crate::task::{JoinError, TaskDump, TaskSnapshot};

/// Every this many switches, a worker looks at the injector before its own deque.
const INJECTOR_FIRST_EVERY: u32 = 61;
/// Every this many switches, a worker starts a new task even while started ones are ready.
const NEW_TASK_EVERY: u32 = 16;
/// At most this many tasks in a row start from the LIFO slot; the next occupant goes to
/// the deque, and the run queue has its turn (tokio's `MAX_LIFO_POLLS_PER_TICK`).
const LIFO_RUNS_IN_A_ROW: u32 = 3;

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
            self.queues.register(&task.task);
            self.queues.shared.loads.started(self.queues.index);
            self.local.insert(task);
        } else {
            self.queues.push(task);
        }
    }

    /// Only to a task that must start here (`spawn_local`): any other may be stolen before
    /// it starts.
    fn reserve_runner(&self, size: usize, stays_here: bool) -> bool {
        stays_here && self.local.promise_runner(size)
    }

    /// A task that may be stolen, with the default stack size, takes its stack on the
    /// worker that starts it (in a fan-out it mostly starts on another worker, on a runner
    /// of that worker's), once this worker has mapped a stack of that size: a size never
    /// mapped is checked at the spawn.
    fn takes_stack_at_start(&self, size: usize, stays_here: bool) -> bool {
        !stays_here && self.local.mapped_default_stack(size)
    }

    fn drop_idle_runners(&self) -> usize {
        self.local.drop_idle_runners()
    }

    fn wake(&self, task: TaskRef) {
        self.local.push_ready(task);
    }

    /// The run queue, plus the task in the LIFO slot, which the worker starts before it
    /// runs the next task of its run queue. Its deque's tasks are not counted: the worker
    /// starts one only when its run queue is empty, or once in a while.
    fn ready_len(&self) -> usize {
        self.local.ready_len() + usize::from(self.queues.lifo_is_occupied())
    }

    fn finished(&self, task: &Header) {
        let queues = &self.queues;
        queues.shared.loads.finished(queues.index);
        if queues.ended.push(task) {
            queues.report_ended();
        }
    }

    fn tasks(&self) -> Vec<TaskSnapshot> {
        self.queues.shared.registry.snapshot()
    }

    fn dump(&self) -> TaskDump {
        self.queues.shared.dump()
    }

    fn capture_park_backtraces(&self) -> bool {
        self.queues.shared.config.capture_park_backtraces
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
    /// The LIFO slot: the unstarted task spawned here last, which this worker starts next.
    /// No other worker can reach it.
    lifo: Cell<Option<NewTask>>,
    /// Unstarted tasks spawned here that wait behind the LIFO slot; other workers steal
    /// from it.
    deque: Worker<NewTask>,
    /// This worker's position in `shared.stealers`.
    index: usize,
    /// Whether this worker spins before it parks (see `Sleepers::park`).
    spin: Cell<bool>,
    /// How long new tasks have waited while this worker left them to lighter ones.
    patience: Patience,
    /// Tasks that ended here, not yet reported to the registry (`registry.rs`).
    ended: Ended,
    /// `Local::ticks` when the last park ended: more than one tick later, tasks ran.
    ticks_at_park: Cell<u32>,
}

impl WorkerQueues {
    /// Queues an unstarted task spawned on this worker: it goes into the LIFO slot and runs
    /// on this worker next; the task it displaces from there goes to the deque, where
    /// others may steal it.
    fn push(&self, task: NewTask) {
        self.register(&task.task);
        if let Some(waiting) = self.lifo.replace(Some(task)) {
            self.push_to_deque(waiting);
        }
    }

    /// Registers a task spawned on this worker, in this worker's shard of the registry.
    fn register(&self, task: &TaskRef) {
        self.shared.registry.register(self.index, task);
    }

    /// Reports the tasks that ended here since the last report.
    fn report_ended(&self) {
        self.shared.registry.flush(&self.ended);
    }

    /// Queues a task behind the LIFO slot, and wakes an idle worker to take it (or a share
    /// of this deque).
    fn push_to_deque(&self, task: NewTask) {
        self.deque.push(task);
        self.shared.sleepers.wake_one();
    }

    /// Starts `task` on this worker (next, if it comes from the LIFO slot): from now on it
    /// lives here.
    #[inline]
    fn start(&self, local: &Local, task: NewTask, next: bool) {
        self.shared.loads.started(self.index);
        if next {
            local.insert_next(task);
        } else {
            local.insert(task);
        }
    }

    /// Whether to leave new tasks in the deque for a lighter worker, for now
    /// (`balance.rs`).
    #[inline]
    fn should_share(&self) -> bool {
        if self.shared.loads.should_share(self.index) {
            let none_waits = !self.lifo_is_occupied() && !self.shared.has_new_tasks();
            self.patience.still_sharing(none_waits)
        } else {
            self.patience.reset();
            false
        }
    }

    /// Whether a task waits in the LIFO slot.
    fn lifo_is_occupied(&self) -> bool {
        // A `Cell` lends nothing out: look by taking the task and putting it back.
        let task = self.lifo.take();
        let occupied = task.is_some();
        self.lifo.set(task);
        occupied
    }

    /// An unstarted task: from this deque, a batch from the injector, or a batch stolen
    /// from a peer's deque (crossbeam-deque's `find_task` pattern). Never from a peer's
    /// LIFO slot.
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

/// The worker loop: runs the LIFO slot's task or ready tasks, starts new ones, parks when
/// there is nothing to do, and on shutdown cancels its own tasks (on this thread, where
/// they lived).
pub(super) fn run(shared: Arc<Shared>, deque: Worker<NewTask>, index: usize) {
    let worker = WorkerThread {
        local: Local::new(shared.config.clone(), index),
        queues: WorkerQueues {
            shared: shared.clone(),
            deque,
            index,
            lifo: Cell::new(None),
            spin: Cell::new(true),
            patience: Patience::default(),
            ended: Ended::default(),
            ticks_at_park: Cell::new(0),
        },
    };
    let (local, queues) = (&worker.local, &worker.queues);
    let running = context::enter(local, &worker);
    let mut tick: u32 = 0;
    let mut lifo_runs: u32 = 0;
    while !shared.is_shutdown() {
        tick = tick.wrapping_add(1);
        let share = queues.should_share();
        match queues.lifo.take() {
            Some(task) if lifo_runs < LIFO_RUNS_IN_A_ROW && !share => {
                lifo_runs += 1;
                queues.start(local, task, true);
            }
            lifo => {
                lifo_runs = 0;
                if let Some(task) = lifo {
                    queues.push_to_deque(task);
                }
                if !share && (local.ready_is_empty() || tick % NEW_TASK_EVERY == 0) {
                    if let Some(task) = queues.find_task(tick % INJECTOR_FIRST_EVERY == 0) {
                        queues.start(local, task, false);
                    }
                }
            }
        }
        if !local.step(&worker) {
            if share && queues.shared.has_new_tasks() {
                // A lighter worker is about to take the tasks left for it: give it the CPU.
                std::thread::yield_now();
                continue;
            }
            park(&shared, local, queues);
            local.dump_if_signalled(&worker);
        }
    }
    drop(running);
    local.shutdown(&worker);
    queues.report_ended();
    // Tasks spawned here that never started (some by the shutdown's own cleanup code).
    if let Some(task) = queues.lifo.take() {
        cancel_unstarted(&shared, task);
    }
    while let Some(task) = queues.deque.pop() {
        cancel_unstarted(&shared, task);
    }
}

/// Parks the worker (in its reactor) until new work, I/O or a wakeup for one of its
/// tasks, or its next timer.
fn park(shared: &Shared, local: &Local, queues: &WorkerQueues) {
    // Before it sleeps, so that `run` learns of the last tasks' ends now.
    queues.report_ended();
    let has_work = || {
        shared.is_shutdown()
            || local.owner.has_pending()
            || local.dump_signal_pending()
            || queues.lifo_is_occupied()
            || shared.has_new_tasks()
    };
    // Idle: whoever asks for the timeline meanwhile sees this worker's intervals.
    local.flush_timeline();
    let index = queues.index;
    // More than the one step that found nothing since the last park: tasks ran.
    if local.ticks().wrapping_sub(queues.ticks_at_park.get()) > 1 {
        shared.idle.busy(index);
    }
    let deadline = local.next_deadline();
    let stall_check = match deadline {
        Some(_) => {
            shared.idle.busy(index);
            None
        }
        None => {
            shared.idle.parking_without_timers(index);
            // `None` for `stall_warning_after(Duration::MAX)`: never warn.
            Instant::now().checked_add(shared.config.stall_warning_after)
        }
    };
    shared.sleepers.park(
        &local.reactor,
        &queues.spin,
        has_work,
        deadline.or(stall_check),
    );
    queues.ticks_at_park.set(local.ticks());
    if has_work() {
        shared.idle.busy(index);
    } else if stall_check.is_some_and(|at| Instant::now() >= at) {
        report_stall(shared);
    }
}

/// Prints the stall report (`sched::stall`) if every worker has been idle with no timer
/// set for `Config::stall_warning_after`, some task is left, none waits for I/O, and no
/// report was printed yet.
#[cold]
#[inline(never)]
fn report_stall(shared: &Shared) {
    let after = shared.config.stall_warning_after;
    if !shared.idle.all_idle_for(after) || shared.has_new_tasks() {
        return;
    }
    let dump = shared.dump();
    let waits_for_io = stall::waits_for_io(dump.tasks().iter().map(|t| &t.task));
    if dump.is_empty() || waits_for_io || !shared.idle.take_report() {
        return;
    }
    eprintln!(
        "{}",
        stall::report(&dump, after, shared.config.dump_on_stall)
    );
}

/// Ends a task that never started: its body is dropped unrun, its `JoinHandle` reports
/// cancellation.
pub(super) fn cancel_unstarted(shared: &Shared, task: NewTask) {
    // Never promised a runner: only a task that starts where it was spawned is, and it
    // goes to its worker at once, not through a queue.
    let NewTask { task, start, .. } = task;
    drop(start);
    // A panic from a capture's `Drop` is the task's panic; it must not kill the worker.
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| task.drop_unrun()));
    let error = match dropped {
        Ok(()) => JoinError::cancelled(&task),
        Err(payload) => JoinError::panicked(&task, payload),
    };
    task.finish(Some(error));
    shared.registry.ended_now(&task);
}
