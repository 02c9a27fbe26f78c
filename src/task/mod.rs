//! Green threads: `spawn`, `yield_now`, `current`, and the task `Builder`.
//!
//! A task is a function running on its own coroutine stack under a scheduler
//! ([`RoundRobin`](crate::sched::RoundRobin)). It runs until a yield point —
//! [`yield_now`], [`sleep`](crate::sleep), a wait on a [`sync`](crate::sync) primitive,
//! [`JoinHandle::join`] — and between two yield points nothing else runs on its thread.
//!
//! Python: `asyncio.create_task(coro)` / `Task` (PEP 3156); the generator tasks of a
//! round-robin `run(tasks)` (Milko Rodríguez, "Context Switching and Cooperative
//! Multitasking in Python", 2018).
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//!
//! let rt = RoundRobin::new();
//! let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
//! for name in ["a", "b"] {
//!     let log = log.clone();
//!     rt.spawn(move || {
//!         for i in 0..2 {
//!             log.borrow_mut().push(format!("{name}{i}"));
//!             yieldpoint::yield_now();
//!         }
//!     });
//! }
//! rt.run();
//! assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1"]);
//! ```
//!
//! Values local to a task (Python's `contextvars`): [`task_local!`](crate::task_local) and
//! [`LocalKey::scope`].
//!
//! Book: Part IV, "One loop or many".

pub(crate) mod cell;
mod cell_cache;
pub(crate) mod context;
mod dump;
pub(crate) mod header;
mod join;
mod local;
pub(crate) mod owner;
pub(crate) mod panic_hook;
pub(crate) mod publish;
pub(crate) mod schedule;
pub(crate) mod spawn;
pub(crate) mod state;
mod tick;
pub(crate) mod waiter;

use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use dump::{DumpSummary, DumpedTask, TaskDump, TaskGroup};
pub use join::{JoinError, JoinHandle};
pub use local::{AccessError, LocalKey};
pub use spawn::{spawn, spawn_local, Builder, SpawnError};

use header::Header;

/// A task's unique id within the process, in spawn order starting at 1.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let first = yieldpoint::spawn(|| ());
///     let second = yieldpoint::spawn(|| ());
///     assert!(first.id() < second.id());
///     assert_ne!(first.id(), yieldpoint::current().id());
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    pub(crate) fn next() -> TaskId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TaskId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The id as a number.
    ///
    /// The [`Display`](fmt::Display) form is the same number.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let id = yieldpoint::current().id();
    ///     assert!(id.as_u64() >= 1);
    ///     assert_eq!(id.to_string(), id.as_u64().to_string());
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a parked task waits for.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sync::Event;
/// use yieldpoint::task::{self, TaskState, WaitReason};
///
/// RoundRobin::new().block_on(|| {
///     let event = std::sync::Arc::new(Event::new());
///     let e = event.clone();
///     let waiter = yieldpoint::spawn(move || e.wait());
///     yieldpoint::yield_now(); // the waiter parks in `wait`
///     let snap = task::all_tasks().into_iter().find(|t| t.id == waiter.id()).unwrap();
///     assert_eq!(snap.state, TaskState::Waiting(WaitReason::Event));
///     event.set();
///     waiter.join().unwrap();
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitReason {
    /// [`sleep`](crate::sleep) or [`sleep_until`](crate::sleep_until).
    Sleep = 1,
    /// [`JoinHandle::join`].
    Join,
    /// A channel send waiting for room.
    ChannelSend,
    /// A channel receive waiting for a message.
    ChannelRecv,
    /// [`sync::Mutex::lock`](crate::sync::Mutex::lock).
    Mutex,
    /// [`sync::Event::wait`](crate::sync::Event::wait).
    Event,
    /// [`sync::Semaphore::acquire`](crate::sync::Semaphore::acquire).
    Semaphore,
    /// [`spawn_blocking`](crate::spawn_blocking) work on the thread pool.
    Blocking,
    /// A Rust future ([`future::await_`](crate::future::await_)).
    Future,
    /// A file descriptor to become readable ([`io::wait_readable`](crate::io::wait_readable),
    /// a [`net`](crate::net) read or accept).
    Readable,
    /// A file descriptor to become writable ([`io::wait_writable`](crate::io::wait_writable),
    /// a [`net`](crate::net) write or connect).
    Writable,
}

impl WaitReason {
    pub(crate) fn from_u8(n: u8) -> Option<WaitReason> {
        use WaitReason::*;
        [
            Sleep,
            Join,
            ChannelSend,
            ChannelRecv,
            Mutex,
            Event,
            Semaphore,
            Blocking,
            Future,
            Readable,
            Writable,
        ]
        .into_iter()
        .find(|r| *r as u8 == n)
    }
}

/// Where a task is, in a [`TaskSnapshot`].
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::task::{self, TaskState};
///
/// RoundRobin::new().block_on(|| {
///     let sleeper = yieldpoint::spawn(|| yieldpoint::sleep(Duration::from_millis(5)));
///     yieldpoint::yield_now(); // the sleeper starts and parks
///     let fresh = yieldpoint::spawn(|| ());
///     let state = |id| task::all_tasks().into_iter().find(|t| t.id == id).unwrap().state;
///     assert_eq!(state(yieldpoint::current().id()), TaskState::Running);
///     assert_eq!(state(sleeper.id()), TaskState::Sleeping);
///     assert_eq!(state(fresh.id()), TaskState::Ready);
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// On the run queue (or not started yet).
    Ready,
    /// Switched in: the task that took the snapshot.
    Running,
    /// Parked in [`sleep`](crate::sleep).
    Sleeping,
    /// Parked, waiting for this.
    Waiting(WaitReason),
}

impl TaskState {
    pub(crate) fn waiting(reason: Option<WaitReason>) -> TaskState {
        match reason {
            Some(WaitReason::Sleep) => TaskState::Sleeping,
            Some(reason) => TaskState::Waiting(reason),
            None => TaskState::Ready,
        }
    }
}

/// One live task as seen by [`all_tasks`] or
/// [`RoundRobin::tasks`](crate::sched::RoundRobin::tasks).
///
/// Python: an element of `asyncio.all_tasks()`.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::task::{Builder, TaskState};
///
/// let rt = RoundRobin::new();
/// let worker = rt
///     .spawn_with(Builder::new().name("worker"), || yieldpoint::yield_now())
///     .unwrap();
/// let snap = rt.tasks().into_iter().find(|t| t.id == worker.id()).unwrap();
/// assert_eq!(snap.name.as_deref(), Some("worker"));
/// assert_eq!((snap.state, snap.switches), (TaskState::Ready, 0));
/// ```
#[derive(Debug, Clone)]
pub struct TaskSnapshot {
    /// The task's id.
    pub id: TaskId,
    /// The task's name, if it has one.
    pub name: Option<Arc<str>>,
    /// Ready, running, sleeping or waiting on what.
    pub state: TaskState,
    /// How many times it has been switched in.
    pub switches: u64,
    /// Where it was spawned: the code that called `spawn` (or `spawn_local`,
    /// [`Builder::spawn`], a scheduler's `spawn`/`spawn_with`/`block_on`).
    pub spawned_at: &'static Location<'static>,
}

impl TaskSnapshot {
    pub(crate) fn of(header: &Header) -> Self {
        TaskSnapshot {
            id: header.id,
            name: header.name.clone(),
            state: header.task_state(),
            switches: header.switches(),
            spawned_at: header.spawned_at,
        }
    }
}

/// The running green thread's identity, from [`current`].
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let me: yieldpoint::task::Task = yieldpoint::current();
///     assert_eq!(me.name(), Some("main")); // block_on names its task "main"
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Task {
    id: TaskId,
    name: Option<Arc<str>>,
}

impl Task {
    /// The task's id.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let child = yieldpoint::spawn(|| yieldpoint::current().id());
    ///     let id = child.id();
    ///     assert_eq!(child.join().unwrap(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name, if it was given one with [`Builder::name`].
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::Builder;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let current_name = || yieldpoint::current().name().map(String::from);
    ///     let named = Builder::new().name("crawler-3").spawn(current_name).unwrap();
    ///     let unnamed = yieldpoint::spawn(current_name);
    ///     assert_eq!(named.join().unwrap().as_deref(), Some("crawler-3"));
    ///     assert_eq!(unnamed.join().unwrap(), None);
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// The green thread this is called from.
///
/// Python: `asyncio.current_task()`.
///
/// # Panics
///
/// Outside a green thread; [`try_current`] returns `None` there instead.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let child = yieldpoint::spawn(|| yieldpoint::current().id());
///     let id = child.id();
///     assert_eq!(child.join().unwrap(), id);
///     assert_ne!(yieldpoint::current().id(), id);
/// });
/// ```
#[track_caller]
pub fn current() -> Task {
    try_current().expect("current() called outside a green thread; use try_current() to check")
}

/// The green thread this is called from, or `None` outside one.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::task::try_current;
///
/// assert!(try_current().is_none());
/// RoundRobin::new().block_on(|| {
///     assert_eq!(try_current().unwrap().id(), yieldpoint::current().id());
/// });
/// ```
pub fn try_current() -> Option<Task> {
    context::with_current(|header| Task {
        id: header.id,
        name: header.name.clone(),
    })
}

/// Every live task of the scheduler this is called from; empty outside a scheduler.
///
/// Python: `asyncio.all_tasks()`.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::task::all_tasks;
///
/// assert!(all_tasks().is_empty());
/// RoundRobin::new().block_on(|| {
///     let child = yieldpoint::spawn(|| ());
///     let ids: Vec<_> = all_tasks().into_iter().map(|t| t.id).collect();
///     assert!(ids.contains(&yieldpoint::current().id()) && ids.contains(&child.id()));
/// });
/// ```
pub fn all_tasks() -> Vec<TaskSnapshot> {
    context::with_scheduler(|scheduler| scheduler.tasks()).unwrap_or_default()
}

/// A [`TaskDump`] of the scheduler this is called from: every live task with its state,
/// time parked, spawn site and thread; empty outside a scheduler. The same as the
/// scheduler's own `dump` ([`RoundRobin::dump`](crate::sched::RoundRobin::dump),
/// [`WorkQueue::dump`](crate::sched::WorkQueue::dump)).
///
/// Python: `asyncio.all_tasks()`, each with its `print_stack()`.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::task::{self, TaskState};
///
/// assert!(task::dump().is_empty());
/// RoundRobin::new().block_on(|| {
///     let child = yieldpoint::spawn(|| ());
///     let dump = task::dump();
///     assert_eq!(dump.len(), 2); // main and the child
///     let me = dump.tasks().iter().find(|t| t.id == yieldpoint::current().id()).unwrap();
///     assert_eq!(me.state, TaskState::Running);
///     assert_eq!(me.worker.as_ref().unwrap().id(), std::thread::current().id());
///     child.join().unwrap();
/// });
/// ```
pub fn dump() -> TaskDump {
    context::with_scheduler(|scheduler| scheduler.dump()).unwrap_or_default()
}

/// Lets the other ready tasks run, then continues: a yield point.
///
/// The task goes to the back of the run queue. Outside a scheduler it calls
/// `std::thread::yield_now`.
///
/// Python: `await asyncio.sleep(0)`; a bare `yield` in a generator task run by a
/// round-robin `run(tasks)`.
///
/// # Panics
///
/// If the task was cancelled, the cancel unwinds from here. Called inside a coroutine that
/// the task drives (a `Generator` body), it panics: yield through that coroutine instead.
///
/// # Examples
/// ```
/// use std::sync::{Arc, Mutex};
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let log = Arc::new(Mutex::new(Vec::new()));
///     let child_log = log.clone();
///     let child = yieldpoint::spawn(move || child_log.lock().unwrap().push("child"));
///     log.lock().unwrap().push("main before");
///     yieldpoint::yield_now(); // the child runs here
///     log.lock().unwrap().push("main after");
///     child.join().unwrap();
///     assert_eq!(*log.lock().unwrap(), ["main before", "child", "main after"]);
/// });
/// ```
#[inline(always)]
pub fn yield_now() {
    if !context::yield_task() {
        std::thread::yield_now();
    }
}

/// Yields only if the current task has used up its time slice (default 10 ms, see
/// [`round_robin::Builder::time_slice`](crate::sched::round_robin::Builder::time_slice)).
///
/// Cheap enough to call in every iteration of a CPU loop: a load and a compare, until a
/// background thread's 1 ms clock tick has passed; only then does it read the clock (see
/// the `task::tick` module). A slice is thus noticed within about a millisecond after it
/// ran out. Outside a green thread it does nothing.
///
/// Python: the `if i % 10000 == 0: await asyncio.sleep(0)` of the article "Cooperative
/// Multitasking: The Core of Python Asyncio", without picking the number.
///
/// # Examples
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// use yieldpoint::sched::RoundRobin;
///
/// let rt = RoundRobin::builder().time_slice(Duration::from_millis(1)).build();
/// let done = Rc::new(Cell::new(false));
/// let flag = done.clone();
/// // Spins until the other task runs: only `maybe_yield` lets it.
/// rt.spawn(move || while !flag.get() { yieldpoint::maybe_yield() });
/// let flag = done.clone();
/// rt.spawn(move || flag.set(true));
/// rt.run();
/// assert!(done.get());
/// ```
#[inline]
pub fn maybe_yield() {
    if context::tick_changed() {
        maybe_yield_slow();
    }
}

/// The clock check of [`maybe_yield`], once per tick: out of line, so that the caller's
/// loop keeps only the tick compare.
#[cold]
#[inline(never)]
fn maybe_yield_slow() {
    if context::slice_spent() {
        yield_now();
    }
}
