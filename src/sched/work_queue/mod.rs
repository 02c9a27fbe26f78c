//! The work-queue scheduler: green threads on N OS worker threads, with work stealing of
//! tasks that have not started.
//!
//! Python has no equivalent (asyncio runs one loop per thread); the design follows
//! crossbeam-deque's vocabulary and tokio's multi-thread runtime.
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use yieldpoint::sched::WorkQueue;
//!
//! let rt = WorkQueue::builder().workers(2).build();
//! let done = Arc::new(AtomicUsize::new(0));
//! for _ in 0..100 {
//!     let done = done.clone();
//!     rt.spawn(move || {
//!         yieldpoint::yield_now();
//!         done.fetch_add(1, Ordering::Relaxed);
//!     });
//! }
//! rt.run();
//! assert_eq!(done.load(Ordering::Relaxed), 100);
//! ```
//!
//! # The queues
//!
//! - Each worker has a *LIFO slot* and a *local deque* (`crossbeam_deque::Worker`, FIFO)
//!   for the unstarted tasks that tasks on that worker spawned, and its own *run queue* of
//!   started tasks (the shared per-thread core, see [`sched`](crate::sched)).
//! - A task spawned on a worker goes into that worker's LIFO slot, and the worker starts
//!   it next: as soon as the spawner yields, parks or ends, before the run queue (tokio's
//!   LIFO slot, Go's `runnext`). The task it displaces from the slot moves to the deque.
//!   The slot is its worker's alone, so a task that spawns a child and waits for it
//!   (`join`, a reply on a channel) finds the child started on its own worker, and the
//!   wait never crosses threads: two tasks that talk, the second spawned by the first,
//!   share one worker for good. A worker wakes nobody for a task in its slot, and never
//!   parks with one there.
//! - At most three tasks in a row start from the slot (tokio's cap); then the slot's task
//!   goes to the deque and the run queue has its turn, so a chain of tasks that each spawn
//!   the next cannot starve the tasks that are ready.
//! - The *injector* (`crossbeam_deque::Injector`) takes tasks spawned from outside.
//! - An idle worker takes work from its deque, then a batch from the injector, then
//!   *steals* a batch from another worker's deque through its *stealer*: other workers
//!   steal only what has waited, tasks displaced from a slot, never a slot's task. (Of two
//!   tasks spawned back to back, the first waits in the deque: its worker reaches it
//!   within a switch or two, unless a worker searching at that moment takes it first.)
//!   Every 61st switch a worker looks at the injector first (Go's rule for its global queue), and
//!   every 16th it starts a new task even while started ones are ready, so no task starves.
//! - A worker with nothing to do first *searches* for a short while (50 µs, spinning on
//!   the queues and its inbox), then *parks* (its OS thread sleeps, 0% CPU) until new
//!   work, a wakeup for one of its tasks, or its next timer. A task queued where others
//!   may take it (the injector, a deque) wakes a parked worker only when no worker is
//!   searching: two tasks on two workers that message each other then pay no system call
//!   per step (Go's spinning Ms, tokio's searching workers).
//!
//! - Where a task starts is where it lives, so a worker that already holds eight started
//!   tasks leaves new ones in its deque while another worker has at least two fewer, and
//!   that worker steals them (if it does so within 1 ms; else the first starts them):
//!   a server's connections, spawned one by one by an accept loop, spread over the
//!   workers instead of all living on the accept loop's (`balance.rs`). Fewer tasks than
//!   that stay together.
//!
//! The slot's price: a task that spawns a child and then runs on without a yield point,
//! or blocks its OS thread, keeps that child waiting even while other workers idle (as in
//! tokio). A task that must not wait for a child that way spawns another task after it
//! (which displaces it to the deque, where an idle worker takes it), or runs the work with
//! [`spawn_blocking`](crate::spawn_blocking).
//!
//! # Soundness: started tasks never move
//!
//! Stackful coroutine libraries that move a *suspended* stack to another thread are unsound
//! with thread-locals and non-`Send` values: a task that reads a thread-local, yields, and
//! resumes elsewhere holds a reference into the wrong thread's storage, and an `Rc` or a
//! `MutexGuard` on its stack would cross threads. `may` made `spawn` `unsafe` for it
//! (may issues #6, #8, #109), `generator-rs` has open issues #58 and #59, and Rust's
//! unsafe-code-guidelines issue #602 calls stack switching with thread-locals across
//! threads undefined behaviour.
//!
//! yieldpoint keeps `spawn` safe with one rule: **only tasks that have not started move
//! between threads.** An unstarted task is a `Send + 'static` closure and at most an empty
//! stack (most take theirs when they start, see "Runners" in `task::spawn`), so moving it
//! moves nothing thread-bound. Once a worker switches a task in, the task's
//! coroutine lives in that worker's slab until it ends: it is resumed only from that
//! worker's run queue, and wakeups from other threads (a channel send, a `spawn_blocking`
//! result, a `join`, `cancel`) go to the owning worker's inbox. Consequently:
//!
//! - [`spawn`](crate::spawn()) requires `Send + 'static`: a non-`Send` closure is a compile
//!   error, not a runtime hazard.
//! - Inside a task, non-`Send` values may be held across yield points, and thread-locals
//!   read before and after a yield are the same thread's.
//! - [`spawn_local`](crate::spawn_local) from a task starts a non-`Send` task pinned to
//!   the current worker.
//!
//! The price: a worker whose started tasks are all busy cannot hand them to an idle one.
//! Work that needs balancing should be spawned as many tasks, which balance before they
//! start. No faster mode that migrates started tasks exists; one would have to be an
//! `unsafe fn` whose caller promises the task holds no thread-bound state across yields.
//!
//! Book: Part IV, "One loop or many" (why started tasks never move; which scheduler to
//! pick).

mod balance;
mod idle;
mod registry;
mod stall;
mod worker;

use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crossbeam_deque::{Injector, Stealer, Worker};

use super::local::Local;
use super::timeline::Timeline;
use super::Config;
use crate::task::spawn::NewTask;
use crate::task::{self, DumpedTask, JoinHandle, SpawnError, TaskDump, TaskSnapshot};
use balance::Loads;
use idle::Sleepers;
use registry::Registry;

/// Green threads on N OS worker threads; unstarted tasks are balanced by work stealing,
/// started ones stay on their worker (see "Soundness" in the module docs).
///
/// # Shutdown
///
/// [`run`](Self::run) returns when every task has finished; [`block_on`](Self::block_on)
/// when its main function has. Dropping the scheduler cancels what is left and joins the
/// workers. Each worker cancels and runs its own tasks, so destructors and cleanup run on
/// the thread the task lived on and may still wait, by the same rules as
/// [`RoundRobin`](crate::sched::RoundRobin)'s drop ("Tasks left behind").
///
/// Dropped inside one of its own tasks (say a task held the last `Arc` of it), the
/// scheduler cannot wait for the worker that runs the drop: the drop starts the same
/// shutdown and returns at once. The task that dropped it runs on until its next yield
/// point or its end; then every task left, that one included, is cancelled on its worker
/// and the workers exit.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use yieldpoint::sched::WorkQueue;
///
/// let rt = WorkQueue::builder().workers(2).build();
/// let forever = rt.spawn(|| loop { yieldpoint::sleep(Duration::from_millis(1)) });
/// assert_eq!(rt.block_on(|| 1 + 1), 2); // `forever` keeps running
/// drop(rt); // cancels `forever` and joins the workers
/// assert!(forever.join().unwrap_err().is_cancelled());
/// ```
pub struct WorkQueue {
    shared: Arc<Shared>,
    threads: Vec<thread::JoinHandle<()>>,
}

/// What every worker and the `WorkQueue` handle share.
pub(crate) struct Shared {
    /// Tasks spawned from outside the workers.
    injector: Injector<NewTask>,
    /// One per worker, to steal unstarted tasks from its local deque.
    stealers: Vec<Stealer<NewTask>>,
    config: Arc<Config>,
    shutdown: AtomicBool,
    sleepers: CacheLine<Sleepers>,
    /// Each worker's resident tasks: where new tasks should start.
    loads: Loads,
    /// Every unfinished task, and their count (`registry.rs`).
    registry: Registry,
    /// Since when each worker has been idle with no timer set (`stall.rs`).
    idle: stall::Idle,
}

/// A value on cache lines of its own, so that writing it does not slow down readers of its
/// neighbours on other cores: the registry's count and shards, which spawns and ends of
/// tasks write, the idle workers' counts, and each worker's idle time (`stall.rs`); their
/// neighbours (`shutdown`, the stealers) are read on every turn of every worker's loop.
/// 128 bytes: x86's adjacent-line prefetcher pulls lines in pairs (crossbeam's
/// `CachePadded` does the same).
#[repr(align(128))]
#[derive(Default)]
struct CacheLine<T>(T);

impl<T> std::ops::Deref for CacheLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl Shared {
    fn dump(&self) -> TaskDump {
        let now = Instant::now();
        TaskDump::new(
            self.registry
                .each_task(|header| DumpedTask::of(header, now)),
        )
    }

    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Whether unstarted tasks are queued where any worker may take them (a hint for idle
    /// workers).
    fn has_new_tasks(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }
}

impl WorkQueue {
    /// A scheduler with one worker per available core.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::new();
    /// let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    /// assert_eq!(rt.workers(), cores);
    /// ```
    pub fn new() -> Self {
        Builder::new().build()
    }

    /// A [`Builder`] to set the worker count, thread names, stack size, slow-task reports.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).stack_size(128 * 1024).build();
    /// assert_eq!(rt.block_on(|| yieldpoint::spawn(|| 7).join().unwrap()), 7);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Number of worker threads.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// assert_eq!(WorkQueue::builder().workers(2).build().workers(), 2);
    /// ```
    pub fn workers(&self) -> usize {
        self.threads.len()
    }

    /// Spawns `f` as a green thread; an idle worker starts it.
    ///
    /// # Panics
    ///
    /// If no stack can be allocated; [`spawn_with`](Self::spawn_with) returns the error.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// let handles: Vec<_> = (0..8u64).map(|n| rt.spawn(move || n * 2)).collect();
    /// // Joining from outside the scheduler blocks this OS thread until each is done.
    /// let sum: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    /// assert_eq!(sum, 56);
    /// ```
    #[track_caller]
    pub fn spawn<T, F>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_with(task::Builder::new(), f)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Spawns `f` with a task [`Builder`](task::Builder)'s name and stack size.
    ///
    /// # Errors
    ///
    /// [`SpawnError::Stack`] if no stack can be allocated; the scheduler is unaffected.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    /// use yieldpoint::task::Builder;
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// let named = rt.spawn_with(Builder::new().name("indexer"), || {
    ///     yieldpoint::current().name().map(String::from)
    /// });
    /// assert_eq!(named.unwrap().join().unwrap().as_deref(), Some("indexer"));
    /// ```
    #[track_caller]
    pub fn spawn_with<T, F>(
        &self,
        builder: task::Builder,
        f: F,
    ) -> Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let stack_size = self.shared.config.stack_size;
        let (task, handle) = builder.new_task(stack_size, Location::caller(), f)?;
        let registry = &self.shared.registry;
        registry.register(registry.outside(), &task.task);
        self.shared.injector.push(task);
        self.shared.sleepers.wake_one();
        Ok(handle)
    }

    /// Blocks the calling thread until every task has finished.
    ///
    /// # Panics
    ///
    /// Inside a green thread (it would wait for itself). Task panics go to their
    /// `JoinHandle`s, not here.
    ///
    /// # Examples
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// let done = Arc::new(AtomicUsize::new(0));
    /// for _ in 0..10 {
    ///     let done = done.clone();
    ///     rt.spawn(move || { yieldpoint::yield_now(); done.fetch_add(1, Ordering::SeqCst); });
    /// }
    /// rt.run();
    /// assert_eq!(done.load(Ordering::SeqCst), 10);
    /// ```
    #[track_caller]
    pub fn run(&self) {
        assert!(
            !crate::task::context::in_task(),
            "WorkQueue::run() inside a green thread would wait for itself; join the tasks instead"
        );
        self.shared.registry.wait_all_done();
    }

    /// Runs `f` as a green thread and blocks the calling thread until it returns; other
    /// tasks keep running (and stay after it returns).
    ///
    /// # Panics
    ///
    /// If `f` panics (with its payload) or is cancelled.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// let total = rt.block_on(|| {
    ///     let parts: Vec<_> = (1..=4u32).map(|n| yieldpoint::spawn(move || n * n)).collect();
    ///     parts.into_iter().map(|p| p.join().unwrap()).sum::<u32>()
    /// });
    /// assert_eq!(total, 30);
    /// ```
    #[track_caller]
    pub fn block_on<T, F>(&self, f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let main = self
            .spawn_with(task::Builder::new().name("main"), f)
            .unwrap_or_else(|e| panic!("{e}"));
        main.join_main()
    }

    /// Every task not yet finished, with its state and switch count.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use yieldpoint::sched::WorkQueue;
    /// use yieldpoint::sync::Event;
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// let event = Arc::new(Event::new());
    /// let e = event.clone();
    /// let waiter = rt.spawn(move || e.wait());
    /// assert!(rt.tasks().iter().any(|t| t.id == waiter.id()));
    /// event.set();
    /// rt.run();
    /// assert!(rt.tasks().is_empty());
    /// ```
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        self.shared.registry.snapshot()
    }

    /// The timeline recorded so far, if the scheduler was built with
    /// [`record_timeline(true)`](Builder::record_timeline); an empty one
    /// ([`is_recorded`](Timeline::is_recorded) `false`) without it.
    ///
    /// Each worker buffers its intervals and moves them to the scheduler's record when a
    /// task of its ends, when it goes idle, and every 1024 intervals (see the
    /// [`timeline`](crate::sched::timeline) module). So the timeline holds every interval
    /// of every finished task, and of the calling worker's tasks when called from a task;
    /// the latest intervals of tasks still running on a busy other worker may be missing.
    /// After [`run`](Self::run), or joins of every task, it is complete.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).record_timeline(true).build();
    /// let tasks: Vec<_> = (0..4).map(|_| rt.spawn(|| yieldpoint::yield_now())).collect();
    /// rt.run();
    /// let timeline = rt.timeline();
    /// assert_eq!(timeline.intervals().len(), 8); // each task: a yield, then its end
    /// assert!(timeline.intervals().iter().all(|i| i.worker < 2));
    /// # drop(tasks);
    /// ```
    pub fn timeline(&self) -> Timeline {
        // Called from a task of this scheduler: its worker's latest intervals too.
        super::context::with_local(Local::flush_timeline);
        self.shared.config.timeline("WorkQueue", self.workers())
    }

    /// A [`TaskDump`] of every task not yet finished: state, time parked, spawn site,
    /// worker thread, and park backtraces when captured. Callable from any thread while the
    /// workers run. Print it (`Display`) for a table grouped by state and spawn site.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use yieldpoint::sched::WorkQueue;
    /// use yieldpoint::sync::Event;
    /// use yieldpoint::task::{TaskState, WaitReason};
    ///
    /// let rt = WorkQueue::builder().workers(2).thread_name("crawler").build();
    /// let event = Arc::new(Event::new());
    /// let waiters: Vec<_> = (0..3).map(|_| { let e = event.clone(); rt.spawn(move || e.wait()) }).collect();
    /// let waits = TaskState::Waiting(WaitReason::Event);
    /// let dump = loop {
    ///     let dump = rt.dump(); // from outside: the workers keep running
    ///     if dump.tasks().iter().all(|t| t.state == waits) { break dump; }
    ///     std::thread::yield_now();
    /// };
    /// assert_eq!(dump.groups()[0].tasks.len(), 3);
    /// let thread = dump.tasks()[0].worker.as_ref().unwrap();
    /// assert!(thread.name().unwrap().starts_with("crawler-"));
    /// event.set();
    /// assert!(waiters.into_iter().all(|w| w.join().is_ok()));
    /// ```
    pub fn dump(&self) -> TaskDump {
        self.shared.dump()
    }
}

impl Default for WorkQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for WorkQueue {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::Release);
        self.shared.sleepers.wake_all();
        let here = thread::current().id();
        let on_own_worker = self.threads.iter().any(|t| t.thread().id() == here);
        if on_own_worker {
            // Dropped inside one of its own tasks (or a destructor its worker runs): this
            // thread cannot join itself, and waiting for the other workers could deadlock
            // with it (their cancelled tasks' destructors may wait for a task of this
            // one). Each worker cancels its own tasks and exits once it sees `shutdown`
            // (this one when the current task yields or ends): detach them.
            self.threads.clear();
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        // Tasks spawned from outside that no worker took.
        while let Some(task) = self.shared.injector.steal().success() {
            worker::cancel_unstarted(&self.shared, task);
        }
        if !on_own_worker {
            // The workers' stacks went to the shared pool when their threads exited:
            // unmap them, rather than keep this scheduler's peak for the rest of the
            // process.
            crate::stack::trim();
        }
    }
}

impl fmt::Debug for WorkQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkQueue")
            .field("workers", &self.threads.len())
            .field("tasks", &self.shared.registry.unfinished())
            .field("config", &self.shared.config)
            .finish()
    }
}

/// Configures a [`WorkQueue`]: the core's settings (stack size, slow-task reports, time
/// slice), the worker count and the worker threads' names.
///
/// # Examples
/// ```
/// use yieldpoint::sched::{work_queue, WorkQueue};
///
/// let builder: work_queue::Builder = WorkQueue::builder().workers(2).stack_size(128 * 1024);
/// assert_eq!(builder.build().block_on(|| 5), 5);
/// ```
#[derive(Debug)]
#[must_use = "a Builder does nothing until build() is called"]
pub struct Builder {
    config: Config,
    /// Worker threads (`None`: available parallelism).
    workers: Option<usize>,
    /// Prefix of worker thread names.
    thread_name: String,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            config: Config::default(),
            workers: None,
            thread_name: String::from("yieldpoint-worker"),
        }
    }
}

super::builder::core_settings!(Builder, WorkQueue);

impl Builder {
    /// Default settings; the same as [`WorkQueue::builder`].
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::work_queue;
    ///
    /// let rt = work_queue::Builder::new().workers(2).build();
    /// assert_eq!(rt.block_on(|| "default"), "default");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of worker threads (default: `std::thread::available_parallelism`).
    ///
    /// # Panics
    ///
    /// `build` panics if this is 0.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// assert_eq!(rt.workers(), 2);
    /// ```
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = Some(n);
        self
    }

    /// Worker threads are named `"{prefix}-{index}"` (default prefix `yieldpoint-worker`).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).thread_name("crawler").build();
    /// let thread = rt.block_on(|| std::thread::current().name().map(String::from));
    /// assert!(thread.unwrap().starts_with("crawler-"));
    /// ```
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name = prefix.into();
        self
    }

    /// Starts the worker threads.
    ///
    /// # Panics
    ///
    /// If the worker count is 0, or the OS refuses to start a thread.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// assert_eq!(rt.block_on(|| 6 * 7), 42);
    /// let zero = std::panic::catch_unwind(|| WorkQueue::builder().workers(0).build());
    /// assert!(zero.is_err()); // a WorkQueue needs at least one worker
    /// ```
    #[track_caller]
    pub fn build(self) -> WorkQueue {
        let n = self
            .workers
            .unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get()));
        assert!(n > 0, "a WorkQueue needs at least one worker");
        if self.config.dump_on_signal {
            super::signal::install(); // before the workers start: a signal may come at once
        }
        if self.config.task_panic_hook {
            // Here, not on the workers: `take_hook` + `set_hook` is not atomic, and a worker
            // doing it could race with the caller setting a hook of its own after `build`.
            crate::task::panic_hook::install();
        }
        let deques: Vec<Worker<NewTask>> = (0..n).map(|_| Worker::new_fifo()).collect();
        let shared = Arc::new(Shared {
            injector: Injector::new(),
            stealers: deques.iter().map(Worker::stealer).collect(),
            config: self.config.shared("WorkQueue", n),
            shutdown: AtomicBool::new(false),
            sleepers: CacheLine::default(),
            loads: Loads::new(n),
            registry: Registry::new(n),
            idle: stall::Idle::new(n),
        });
        let threads = deques
            .into_iter()
            .enumerate()
            .map(|(index, deque)| {
                let shared = shared.clone();
                thread::Builder::new()
                    .name(format!("{}-{index}", self.thread_name))
                    .spawn(move || worker::run(shared, deque, index))
                    .unwrap_or_else(|e| panic!("cannot start a WorkQueue worker thread: {e}"))
            })
            .collect();
        WorkQueue { shared, threads }
    }
}
