//! The round-robin scheduler: green threads on the calling OS thread, a FIFO run queue and
//! a timer queue. Deterministic, and nothing needs to be `Send`.
//!
//! Python: a round-robin `run(tasks)` over a `deque` of generators (the book's Part I),
//! grown into asyncio's event loop (PEP 3156): `asyncio.run(main())` is
//! [`RoundRobin::block_on`].
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use yieldpoint::sched::RoundRobin;
//!
//! let rt = RoundRobin::new();
//! let out = Rc::new(RefCell::new(Vec::new()));
//! let (down, up) = (out.clone(), out.clone());
//! rt.spawn(move || for n in (1..=3).rev() { down.borrow_mut().push(format!("Down {n}")); yieldpoint::yield_now(); });
//! rt.spawn(move || for x in 0..3 { up.borrow_mut().push(format!("Up {x}")); yieldpoint::yield_now(); });
//! rt.run();
//! assert_eq!(*out.borrow(), ["Down 3", "Up 0", "Down 2", "Up 1", "Down 1", "Up 2"]);
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use super::local::Local;
use super::timeline::Timeline;
use super::Config;
use crate::task::cell::TaskRef;
use crate::task::header::Header;
use crate::task::owner::Owner;
use crate::task::schedule::Schedule;
use crate::task::spawn::NewTask;
use crate::task::{self, JoinHandle, SpawnError, TaskDump, TaskSnapshot};

/// Green threads on the calling OS thread, switched in FIFO order.
///
/// `RoundRobin` is neither `Send` nor `Sync`: it and its tasks stay on the thread that
/// created it.
///
/// # Tasks left behind
///
/// [`run`](Self::run) returns when every task has finished. [`block_on`](Self::block_on)
/// returns as soon as its main function does: other tasks stay where they are and run
/// again at the next `run` or `block_on`.
///
/// Dropping the scheduler ends them as `asyncio.run` does at its end: it cancels every
/// task (see [`JoinHandle::cancel`] for the rules: unstarted bodies are dropped unrun,
/// suspended ones unwind at their yield point) and runs them until they have ended, so
/// cleanup code after a caught cancel may still wait (sleep, join, channels), and their
/// `JoinHandle`s report cancellation. Whenever 100 ms pass with no task ending, the tasks
/// left are cancelled again, three times in all; a task that still goes on (it catches
/// every cancel) is then closed where it stands, like
/// [`Coroutine::close`](crate::Coroutine::close), and its handle reports the close's
/// outcome. A scheduler dropped inside a green thread, or during a panic, closes its tasks
/// at once.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// let rt = RoundRobin::new();
/// let slow = rt.spawn(|| { yieldpoint::yield_now(); yieldpoint::yield_now(); 1 });
/// rt.block_on(|| ()); // returns while `slow` is still pending
/// assert!(!slow.is_finished());
/// rt.run();
/// assert_eq!(slow.join().unwrap(), 1);
/// let left = rt.spawn(|| ());
/// drop(rt); // cancels what is left
/// assert!(left.join().unwrap_err().is_cancelled());
/// ```
pub struct RoundRobin {
    core: Core,
    /// `!Send` and `!Sync`: tasks' stacks hold values of this thread.
    _not_send: PhantomData<*const ()>,
}

/// The round-robin scheduler's one thread: the shared core, and what it does for its tasks.
struct Core {
    local: Local,
}

/// Every task starts, runs and ends on the scheduler's one thread, in FIFO order.
impl Schedule for Core {
    fn owner(&self) -> &Arc<Owner> {
        &self.local.owner
    }

    fn spawn(&self, task: NewTask) {
        self.local.insert(task);
    }

    /// Every task of a round-robin scheduler starts on its thread.
    fn reserve_runner(&self, size: usize, _stays_here: bool) -> bool {
        self.local.promise_runner(size)
    }

    fn drop_idle_runners(&self) -> usize {
        self.local.drop_idle_runners()
    }

    fn wake(&self, task: TaskRef) {
        self.local.push_ready(task);
    }

    fn ready_len(&self) -> usize {
        self.local.ready_len()
    }

    fn finished(&self, _task: &Header) {}

    fn tasks(&self) -> Vec<TaskSnapshot> {
        self.local.snapshot()
    }

    fn dump(&self) -> TaskDump {
        self.local.dump()
    }

    fn capture_park_backtraces(&self) -> bool {
        self.local.config.capture_park_backtraces
    }

    fn default_stack_size(&self) -> usize {
        self.local.config.stack_size
    }

    fn time_slice(&self) -> Duration {
        self.local.config.time_slice
    }

    fn stall_warning_after(&self) -> Duration {
        self.local.config.stall_warning_after
    }
}

impl RoundRobin {
    /// A scheduler with default settings (64 KiB stacks, no slow-task reports).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::new();
    /// assert!(rt.tasks().is_empty());
    /// assert_eq!(rt.block_on(|| 6 * 7), 42);
    /// ```
    pub fn new() -> Self {
        Builder::new().build()
    }

    /// A [`Builder`] to configure the scheduler.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder()
    ///     .stack_size(128 * 1024)
    ///     .time_slice(Duration::from_millis(5))
    ///     .build();
    /// assert_eq!(rt.block_on(|| yieldpoint::spawn(|| 7).join().unwrap()), 7);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Spawns `f` as a green thread; it runs once the scheduler does (`run`, `block_on`).
    ///
    /// Python: `asyncio.create_task(coro)`, or appending to the task list of a round-robin
    /// `run(tasks)`.
    ///
    /// # Panics
    ///
    /// If no stack can be allocated; [`spawn_with`](Self::spawn_with) returns the error.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::new();
    /// let a = rt.spawn(|| "a");
    /// let b = rt.spawn(|| "b");
    /// assert!(!a.is_finished()); // nothing runs before `run` or `block_on`
    /// rt.run();
    /// assert_eq!((a.join().unwrap(), b.join().unwrap()), ("a", "b"));
    /// ```
    #[track_caller]
    pub fn spawn<T, F>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        self.spawn_with(task::Builder::new(), f)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Spawns `f` with a task [`Builder`](task::Builder)'s name and stack size.
    ///
    /// # Errors
    ///
    /// [`SpawnError::Stack`] if no stack can be allocated; the scheduler and its other
    /// tasks are unaffected.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::Builder;
    ///
    /// let rt = RoundRobin::new();
    /// let named = rt.spawn_with(Builder::new().name("indexer"), || 1).unwrap();
    /// assert_eq!(named.name(), Some("indexer"));
    /// rt.run();
    /// assert_eq!(named.join().unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_with<T, F>(
        &self,
        builder: task::Builder,
        f: F,
    ) -> Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let stack_size = self.core.default_stack_size();
        let (task, handle) = builder.new_local_task(stack_size, Location::caller(), f)?;
        self.core.spawn(task.pin_here());
        Ok(handle)
    }

    /// Runs until every task has finished (a round-robin `run(tasks)`).
    ///
    /// # Panics
    ///
    /// Inside a green thread or inside another scheduler's `run` on this thread. Task
    /// panics do not propagate here: they go to the task's `JoinHandle`.
    ///
    /// # Examples
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::new();
    /// let steps = Rc::new(Cell::new(0));
    /// for _ in 0..3 {
    ///     let steps = steps.clone();
    ///     rt.spawn(move || for _ in 0..2 { steps.set(steps.get() + 1); yieldpoint::yield_now() });
    /// }
    /// rt.run();
    /// assert_eq!(steps.get(), 6);
    /// assert!(rt.tasks().is_empty());
    /// ```
    pub fn run(&self) {
        self.core.local.run_until(&self.core, None);
    }

    /// Runs `f` as the main green thread, with every other task, until `f` returns; then
    /// returns its value.
    ///
    /// Python: `asyncio.run(main())`. Tasks still pending afterwards are kept (see
    /// "Tasks left behind").
    ///
    /// # Panics
    ///
    /// If `f` panics (with its payload), if it is cancelled, and as [`run`](Self::run).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::new();
    /// let total = rt.block_on(|| {
    ///     let parts: Vec<_> = (1..=4).map(|n| yieldpoint::spawn(move || n * n)).collect();
    ///     parts.into_iter().map(|p| p.join().unwrap()).sum::<u32>()
    /// });
    /// assert_eq!(total, 30);
    /// let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(|| panic!("boom"))));
    /// assert!(panicked.is_err()); // the main function's panic comes out here
    /// ```
    #[track_caller]
    pub fn block_on<T, F>(&self, f: F) -> T
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let main = self
            .spawn_with(task::Builder::new().name("main"), f)
            .unwrap_or_else(|e| panic!("{e}"));
        self.core.local.run_until(&self.core, Some(main.header()));
        main.join_main()
    }

    /// Every task not yet finished, with its state and switch count.
    ///
    /// Python: `asyncio.all_tasks()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::new();
    /// let a = rt.spawn(|| ());
    /// let b = rt.spawn(|| ());
    /// let ids: Vec<_> = rt.tasks().into_iter().map(|t| t.id).collect();
    /// assert!(ids.contains(&a.id()) && ids.contains(&b.id()));
    /// rt.run();
    /// assert!(rt.tasks().is_empty());
    /// ```
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        self.core.tasks()
    }

    /// The timeline recorded so far: every switch of every task since the scheduler was
    /// built with [`record_timeline(true)`](Builder::record_timeline); an empty one
    /// ([`is_recorded`](Timeline::is_recorded) `false`) without it.
    ///
    /// It may be taken at any time, from a task too: it holds every interval that ended
    /// before the call (the calling task's current one has not).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::timeline::SvgOptions;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().record_timeline(true).build();
    /// rt.spawn(|| for _ in 0..3 { yieldpoint::yield_now() });
    /// rt.run();
    /// let timeline = rt.timeline();
    /// assert_eq!(timeline.intervals().len(), 4); // three yields, then the end
    /// let svg = timeline.to_svg(&SvgOptions::new()); // or timeline.to_chrome_trace()
    /// # assert!(svg.contains("<rect"));
    /// ```
    pub fn timeline(&self) -> Timeline {
        self.core.local.flush_timeline();
        self.core.local.config.timeline("RoundRobin", 1)
    }

    /// A [`TaskDump`] of every task not yet finished: state, time parked, spawn site,
    /// thread, and park backtraces when captured. Print it (`Display`) for a table grouped
    /// by state and spawn site; [`task::dump`](crate::task::dump()) takes the same dump
    /// from inside a task.
    ///
    /// Python: `asyncio.all_tasks()`, each with its `print_stack()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::channel;
    /// use yieldpoint::task::{TaskState, WaitReason};
    ///
    /// let rt = RoundRobin::new();
    /// let (tx, rx) = channel::unbounded::<u32>();
    /// let receivers: Vec<_> = (0..4).map(|_| { let rx = rx.clone(); rt.spawn(move || rx.recv()) }).collect();
    /// rt.block_on(|| yieldpoint::yield_now()); // the receivers start and park
    /// let dump = rt.dump();
    /// let groups = dump.groups();
    /// assert_eq!(groups.len(), 1);
    /// assert_eq!(groups[0].state, TaskState::Waiting(WaitReason::ChannelRecv));
    /// assert_eq!(groups[0].tasks.len(), 4);
    /// assert!(dump.to_string().contains("4 tasks waiting on a channel receive, spawned at"));
    /// drop(tx); // the receivers see the channel closed and end
    /// rt.run();
    /// assert!(receivers.into_iter().all(|r| r.join().unwrap().is_err()));
    /// ```
    pub fn dump(&self) -> TaskDump {
        self.core.dump()
    }
}

impl Default for RoundRobin {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.core.local.shutdown(&self.core);
    }
}

impl fmt::Debug for RoundRobin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoundRobin")
            .field("tasks", &self.core.local.live())
            .field("config", &self.core.local.config)
            .finish()
    }
}

/// Configures a [`RoundRobin`]: the core's settings (stack size, slow-task reports, time
/// slice) and the stall warning.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use yieldpoint::sched::{round_robin, RoundRobin};
///
/// let builder: round_robin::Builder = RoundRobin::builder()
///     .stack_size(128 * 1024)
///     .stall_warning_after(Duration::from_secs(30));
/// assert_eq!(builder.build().block_on(|| 5), 5);
/// ```
#[derive(Debug, Default)]
#[must_use = "a Builder does nothing until build() is called"]
pub struct Builder {
    config: Config,
}

super::builder::core_settings!(Builder, RoundRobin);

impl Builder {
    /// Default settings; the same as [`RoundRobin::builder`].
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::round_robin;
    ///
    /// let rt = round_robin::Builder::new().build(); // the same as RoundRobin::new()
    /// assert_eq!(rt.block_on(|| "default"), "default");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates the scheduler on the calling thread.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().stack_size(128 * 1024).build();
    /// assert_eq!(rt.block_on(|| yieldpoint::current().name().map(String::from)).as_deref(), Some("main"));
    /// ```
    pub fn build(self) -> RoundRobin {
        if self.config.task_panic_hook {
            crate::task::panic_hook::install();
        }
        RoundRobin {
            core: Core {
                local: Local::new(self.config.shared("RoundRobin", 1), 0),
            },
            _not_send: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RoundRobin;

    /// A task that ends leaves its runner for the next task of the thread (see "Runners"
    /// in `task::spawn`): however many tasks run one after another, they keep running on
    /// the runners of the first ones, and no new one piles up.
    #[test]
    fn the_next_task_runs_on_an_ended_tasks_runner() {
        let rt = RoundRobin::new();
        rt.block_on(|| crate::spawn(|| ()).join().unwrap());
        let runners = rt.core.local.idle_runners();
        assert!(runners > 0, "an ended task keeps its runner");
        rt.block_on(|| {
            for n in 0..10 {
                assert_eq!(crate::spawn(move || n).join().unwrap(), n);
                assert_eq!(crate::spawn_local(move || n).join().unwrap(), n);
            }
        });
        assert_eq!(rt.core.local.idle_runners(), runners);
    }
}
