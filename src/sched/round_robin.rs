//! The round-robin scheduler: green threads on the calling OS thread, a FIFO run queue and
//! a timer queue. Deterministic, and nothing needs to be `Send`.
//!
//! Python: seed 000's `run(tasks)` over a `deque`, grown into asyncio's event loop
//! (PEP 3156): `asyncio.run(main())` is [`RoundRobin::block_on`].
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
use std::sync::Arc;
use std::time::Duration;

use super::local::Local;

use crate::task::{self, JoinHandle, SpawnError, TaskSnapshot};

/// Green threads on the calling OS thread, switched in FIFO order.
///
/// `RoundRobin` is neither `Send` nor `Sync`: it and its tasks stay on the thread that
/// created it.
///
/// # Tasks left behind
///
/// [`run`](Self::run) returns when every task has finished. [`block_on`](Self::block_on)
/// returns as soon as its main function does: other tasks stay where they are and run
/// again at the next `run` or `block_on`. Dropping the scheduler cancels them: unstarted
/// bodies are dropped, suspended ones unwind (destructors run), and their `JoinHandle`s
/// report cancellation.
pub struct RoundRobin {
    local: Local,
    /// `!Send` and `!Sync`: tasks' stacks hold values of this thread.
    _not_send: PhantomData<*const ()>,
}

impl RoundRobin {
    /// A scheduler with default settings (64 KiB stacks, no slow-task reports).
    pub fn new() -> Self {
        Builder::new().build()
    }

    /// A [`Builder`] to configure the scheduler.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Spawns `f` as a green thread; it runs once the scheduler does (`run`, `block_on`).
    ///
    /// Python: `asyncio.create_task(coro)`, or appending to seed 000's task list.
    ///
    /// # Panics
    ///
    /// If no stack can be allocated; [`spawn_with`](Self::spawn_with) returns the error.
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
    pub fn spawn_with<T, F>(
        &self,
        builder: task::Builder,
        f: F,
    ) -> Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        builder.spawn_on(&self.local, f)
    }

    /// Runs until every task has finished (seed 000's `run(tasks)`).
    ///
    /// # Panics
    ///
    /// Inside a green thread or inside another scheduler's `run` on this thread. Task
    /// panics do not propagate here: they go to the task's `JoinHandle`.
    pub fn run(&self) {
        self.local.run_until(&|| false);
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
    #[track_caller]
    pub fn block_on<T, F>(&self, f: F) -> T
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let main = self
            .spawn_with(task::Builder::new().name("main"), f)
            .unwrap_or_else(|e| panic!("{e}"));
        self.local.run_until(&|| main.is_finished());
        main.join_main()
    }

    /// Every task not yet finished, with its state and switch count.
    ///
    /// Python: `asyncio.all_tasks()`.
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        self.local.snapshot()
    }
}

impl Default for RoundRobin {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for RoundRobin {
    fn drop(&mut self) {
        self.local.shutdown();
    }
}

impl fmt::Debug for RoundRobin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoundRobin")
            .field("tasks", &self.local.live())
            .field("config", &self.local.config)
            .finish()
    }
}

/// Configures a [`RoundRobin`]: see [`sched::Builder`](super::Builder).
pub type Builder = super::Builder<RoundRobin>;

impl super::Builder<RoundRobin> {
    /// When every task has waited this long with no timer set, warn on stderr (once) that
    /// the program may be deadlocked, listing what each task waits for. Default 10 s.
    ///
    /// Only another OS thread (holding a channel end, running `spawn_blocking` work) can
    /// wake such tasks; a round-robin program that waits on itself hangs, and this turns
    /// the silent hang into a diagnosis.
    pub fn stall_warning_after(mut self, after: Duration) -> Self {
        self.config.stall_warning_after = after;
        self
    }

    /// Creates the scheduler on the calling thread.
    pub fn build(self) -> RoundRobin {
        RoundRobin {
            local: Local::new(Arc::new(self.config)),
            _not_send: PhantomData,
        }
    }
}
