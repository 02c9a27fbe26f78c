//! Spawning: `spawn`, `spawn_local`, the task `Builder`, and the coroutines tasks run on.
//!
//! Python: `asyncio.create_task(coro)` (PEP 3156); the task's body starts when its
//! scheduler first switches it in.
//!
//! # Runners
//!
//! A task's body runs on a runner: a coroutine whose body runs the body of whichever task
//! its scheduler switched in, then yields [`Switch::Done`] and waits for the next one
//! ([`runner`]). When a task ends, its scheduler keeps the runner for the next task of its
//! thread, so a spawn and an end cost no coroutine set-up or tear-down and no trip of a
//! stack through the pool, as Go reuses a finished goroutine's `g` and stack (`gfput`,
//! `gfget` in `runtime/proc.go`). A task spawned to start on its spawner's thread is
//! promised a free runner there at spawn ([`StartOn::Runner`]). A task that may be stolen
//! (a work-queue `spawn` from a worker) with the scheduler's default stack size, once the
//! spawning worker has run a task on a stack of that size, takes nothing at spawn
//! ([`StartOn::Fresh`]): the worker that starts it runs it on a runner of its own, or
//! takes a stack from its pool then. Any other task reserves a stack, so that a spawn,
//! not a later start, reports a stack that cannot be mapped: a size never mapped before
//! (too large for the machine, say) fails at the spawn.
//!
//! Why a stealable task reserves nothing: in a fan-out, one task spawns thousands and
//! the other workers steal them, so every queued task would hold a 64 KiB stack that the
//! thief then trades for a runner of its own. The pool had to map a stack for each task
//! queued at the peak (about 10,000 in `perf/`'s fan-out; most of a spawn's time went
//! there), and the stacks crossed from one worker's pool to the other's. The price: when
//! the process runs out of memory or mappings, a stack that cannot be mapped as such a
//! task starts ends that task with a [`JoinError`](super::JoinError) carrying the
//! [`StackError`] (`JoinError::stack_error`), instead of failing its spawn; its closure
//! is dropped, never run.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::Arc;

use super::cell::TaskRef;
use super::context::{self, Switch, TaskCoroutine, TaskYielder};
use super::header::Header;
use super::schedule::Schedule;
use super::{JoinHandle, TaskId};
use crate::coroutine::{is_close_payload, is_throw_payload, Coroutine};
use corosensei::stack::Stack;

use crate::stack::{self, PooledStack, Reservation, StackError};

/// Spawns a green thread on the current scheduler.
///
/// Python: `asyncio.create_task(coro)`.
///
/// # Send, and `spawn_local`
///
/// `f` (and its value) must be `Send` on either scheduler, also inside
/// [`RoundRobin::block_on`](crate::sched::RoundRobin::block_on), whose tasks never leave
/// its thread: which scheduler runs the caller is known only at run time, and on a
/// work-queue scheduler a task that has not started may start on another worker. For a
/// closure that is not `Send` (it holds an `Rc`, a `RefCell` borrow, a `local_channel`
/// end), use [`spawn_local`]: the task stays on this OS thread, on either scheduler. The
/// compiler's error ("`Rc<i32>` cannot be sent between threads safely ... required by a
/// bound in `spawn`") quotes the line of that bound, which says so.
///
/// # Panics
///
/// Outside a scheduler, or when no stack can be allocated; [`Builder::spawn`] returns
/// those as errors.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// let sum = RoundRobin::new().block_on(|| {
///     let handles: Vec<_> = (1..=3).map(|n| yieldpoint::spawn(move || n * 10)).collect();
///     handles.into_iter().map(|h| h.join().unwrap()).sum::<i32>()
/// });
/// assert_eq!(sum, 60);
/// ```
#[track_caller]
pub fn spawn<T, F>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static, // not `Send`? `spawn_local` keeps it on this thread
    T: Send + 'static,
{
    Builder::new().spawn(f).unwrap_or_else(|e| panic!("{e}"))
}

/// Spawns a green thread that stays on this OS thread, so `f` need not be `Send`.
///
/// On a [`RoundRobin`](crate::sched::RoundRobin) every task stays on its thread anyway,
/// so this is [`spawn`] without the `Send` bound; on a work-queue scheduler the task
/// starts and runs on the spawner's worker, and is never stolen.
///
/// # Panics
///
/// As [`spawn`].
///
/// # Examples
/// ```
/// use std::rc::Rc;
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let shared = Rc::new(5); // not `Send`: `spawn` would refuse it
///     let child = yieldpoint::spawn_local({
///         let shared = shared.clone();
///         move || *shared * 2
///     });
///     assert_eq!(child.join().unwrap(), 10);
///     assert_eq!(Rc::strong_count(&shared), 1);
/// });
/// ```
#[track_caller]
pub fn spawn_local<T, F>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    Builder::new()
        .spawn_local(f)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Configures a task's name and stack size, then spawns it.
///
/// Follows `std::thread::Builder`.
///
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::task::Builder;
///
/// RoundRobin::new().block_on(|| {
///     let crawler = Builder::new()
///         .name("crawler-3")
///         .stack_size(128 * 1024)
///         .spawn(|| yieldpoint::current().name().map(String::from))
///         .unwrap();
///     assert_eq!(crawler.join().unwrap().as_deref(), Some("crawler-3"));
/// });
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a Builder does nothing until spawn() is called"]
pub struct Builder {
    name: Option<Arc<str>>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with no name and the scheduler's default stack size.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::Builder;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let child = Builder::new().spawn(|| 7).unwrap();
    ///     assert_eq!(child.name(), None);
    ///     assert_eq!(child.join().unwrap(), 7);
    /// });
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the task; the name shows in snapshots, errors and slow-task reports.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::Builder;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let child = Builder::new().name("parser").spawn(|| ()).unwrap();
    ///     assert_eq!(child.name(), Some("parser"));
    /// });
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(Arc::from(name.into()));
        self
    }

    /// Sets the task's usable stack size in bytes (see [`stack`]): raised to
    /// [`MIN_STACK_SIZE`](crate::stack::MIN_STACK_SIZE) (32 KiB, room for a panic with a
    /// full backtrace) and rounded up to whole pages, so `0` and `1` give the minimum.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::Builder;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     // 100 KiB of locals would overflow the default 64 KiB stack.
    ///     let big = Builder::new().stack_size(256 * 1024).spawn(|| {
    ///         let buf = [1u8; 100 * 1024];
    ///         buf.iter().map(|&b| u32::from(b)).sum::<u32>()
    ///     });
    ///     assert_eq!(big.unwrap().join().unwrap(), 100 * 1024);
    /// });
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Spawns `f` on the current scheduler. On a work-queue scheduler, spawned from a task,
    /// it starts next on the spawner's worker (its LIFO slot) unless a later spawn pushes it
    /// to the worker's deque, where an idle worker may steal it (`f` is `Send`); once
    /// started it stays where it started.
    ///
    /// # Errors
    ///
    /// [`SpawnError::NoScheduler`] outside a scheduler; [`SpawnError::Stack`] when no
    /// stack can be allocated (the scheduler keeps running). On a work-queue scheduler a
    /// task of its default stack size spawned from a worker takes its stack when it starts
    /// (it may start on another worker): if none can be mapped then, the task ends without
    /// running, with a [`JoinError`](super::JoinError) whose
    /// [`stack_error`](super::JoinError::stack_error) says why.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::{Builder, SpawnError};
    ///
    /// let outside = Builder::new().spawn(|| ());
    /// assert!(matches!(outside, Err(SpawnError::NoScheduler)));
    /// RoundRobin::new().block_on(|| {
    ///     let child = Builder::new().name("ok").spawn(|| 1).unwrap();
    ///     assert_eq!(child.join().unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<T, F>(self, f: F) -> Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce() -> T + Send + 'static, // not `Send`? `spawn_local` keeps it on this thread
        T: Send + 'static,
    {
        // Taken here: `#[track_caller]` does not reach into the closure below.
        let spawned_at = Location::caller();
        context::with_scheduler(|scheduler| {
            let start = self.start_on(Some((scheduler, false)), scheduler.default_stack_size())?;
            let (task, handle) = self.make(start, spawned_at, f);
            scheduler.spawn(task);
            Ok(handle)
        })
        .unwrap_or_else(|| Err(SpawnError::NoScheduler))
    }

    /// Spawns `f` on this OS thread's scheduler; `f` need not be `Send`, and the task never
    /// leaves this thread.
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn).
    ///
    /// # Examples
    /// ```
    /// use std::rc::Rc;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::{Builder, SpawnError};
    ///
    /// assert!(matches!(Builder::new().spawn_local(|| ()), Err(SpawnError::NoScheduler)));
    /// RoundRobin::new().block_on(|| {
    ///     let local = Rc::new("not Send");
    ///     let child = Builder::new().name("local").spawn_local(move || *local).unwrap();
    ///     assert_eq!(child.join().unwrap(), "not Send");
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<T, F>(self, f: F) -> Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let spawned_at = Location::caller();
        context::with_scheduler(|scheduler| {
            let start = self.start_on(Some((scheduler, true)), scheduler.default_stack_size())?;
            let (task, handle) = self.make(start, spawned_at, f);
            scheduler.spawn(LocalTask::new(task).pin_here());
            Ok(handle)
        })
        .unwrap_or_else(|| Err(SpawnError::NoScheduler))
    }

    /// Makes an unstarted task that any thread of its scheduler may start (`f` is `Send`),
    /// spawned at `spawned_at` (the public spawn function's caller).
    pub(crate) fn new_task<T, F>(
        self,
        default_stack_size: usize,
        spawned_at: &'static Location<'static>,
        f: F,
    ) -> Result<(NewTask, JoinHandle<T>), SpawnError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let start = self.start_on(None, default_stack_size)?;
        Ok(self.make(start, spawned_at, f))
    }

    /// Makes an unstarted task that must start, and stay, on the calling thread.
    pub(crate) fn new_local_task<T, F>(
        self,
        default_stack_size: usize,
        spawned_at: &'static Location<'static>,
        f: F,
    ) -> Result<(LocalTask, JoinHandle<T>), SpawnError>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let start = self.start_on(None, default_stack_size)?;
        let (task, handle) = self.make(start, spawned_at, f);
        Ok((LocalTask::new(task), handle))
    }

    /// Where the new task will start: a runner of `scheduler`'s thread if it promises one
    /// (`stays_here`: the task must start on this thread); nothing yet if the thread that
    /// starts it takes its stack (a stealable work-queue task of a size mapped before);
    /// else a stack reserved now.
    fn start_on(
        &self,
        scheduler: Option<(&dyn Schedule, bool)>,
        default_stack_size: usize,
    ) -> Result<StartOn, StackError> {
        let size = self.stack_size.unwrap_or(default_stack_size);
        if scheduler.is_some_and(|(s, stays_here)| s.reserve_runner(size, stays_here)) {
            return Ok(StartOn::Runner);
        }
        if scheduler.is_some_and(|(s, stays_here)| s.takes_stack_at_start(size, stays_here)) {
            return Ok(StartOn::Fresh);
        }
        // The runners this thread keeps hold stacks too: dropped, they count for the retry.
        let stack = stack::acquire_or_free(size, self.name.as_deref(), || {
            scheduler.map_or(0, |(s, _)| s.drop_idle_runners())
        })?;
        Ok(StartOn::Stack(stack, stack::reserve()))
    }

    /// The task cell of a new task, with where it starts, and its handle. Inlined into its
    /// callers, so that the task is built where it goes, not returned and moved.
    #[inline(always)]
    fn make<T, F>(
        self,
        start: StartOn,
        spawned_at: &'static Location<'static>,
        f: F,
    ) -> (NewTask, JoinHandle<T>)
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let task = TaskRef::new(TaskId::next(), self.name, spawned_at, f);
        let handle = JoinHandle::new(task.clone());
        let task = NewTask {
            task,
            start,
            pinned: false,
        };
        (task, handle)
    }
}

/// What an unstarted task will run on.
pub(crate) enum StartOn {
    /// A stack reserved for it at spawn, and when (to tell at the start whether it has gone
    /// cold): a runner is made on it, or it is traded for a free runner.
    Stack(PooledStack, Reservation),
    /// A runner of the spawning thread, which promised one to the task (the task starts
    /// there); it holds nothing yet.
    Runner,
    /// Nothing yet: the thread that starts the task runs it on a runner of its own, or on a
    /// stack of the scheduler's default size that it takes then (a work-queue task that may
    /// be stolen, see "Runners" above). Taking it may fail: the task then ends with a
    /// [`JoinError`] that carries the [`StackError`] (`JoinError::stack_error`).
    ///
    /// [`JoinError`]: crate::task::JoinError
    Fresh,
}

/// A task that has not started: its cell (with its closure) and what it will start on.
/// Unless `pinned`, its closure is `Send` and its stack holds nothing yet, so it may move
/// to any thread of its scheduler before it starts (see "Soundness" in
/// `sched::work_queue`).
pub(crate) struct NewTask {
    pub(crate) task: TaskRef,
    pub(crate) start: StartOn,
    /// Made by `spawn_local`: it must start on the thread that spawned it.
    pub(crate) pinned: bool,
}

/// A task made by `spawn_local`, whose closure need not be `Send`: not `Send` itself, so it
/// cannot leave the spawning thread until [`pin_here`](Self::pin_here) marks it.
pub(crate) struct LocalTask {
    task: NewTask,
    _not_send: PhantomData<*const ()>,
}

impl LocalTask {
    fn new(task: NewTask) -> Self {
        LocalTask {
            task,
            _not_send: PhantomData,
        }
    }

    /// The task, marked as one that must start on this thread.
    pub(crate) fn pin_here(self) -> NewTask {
        NewTask {
            pinned: true,
            ..self.task
        }
    }
}

/// A new runner on `stack`: a coroutine that, each time it is resumed for a task switched
/// in (see the module docs), runs that task's body, then yields [`Switch::Done`] and waits
/// for the next. The caller records the stack's bounds in each task it runs ([`assign`]).
///
/// A body catches its own panic and leaves it for its scheduler
/// ([`context::take_task_panic`]), so the runner goes on and the scheduler's resume needs
/// no `catch_unwind` (whose extra frame around the switch costs time on every switch).
/// Only an unwind that is not the task's own (the close of a task dropped unfinished, see
/// [`keep_panic`]) ends the runner.
pub(crate) fn runner(stack: PooledStack) -> TaskCoroutine {
    // Not registered for the overflow report: the handler finds the stack of the task that
    // runs (`context::enter_scheduler` installs that lookup; `close_task` in `sched/local.rs`
    // registers a stack it unwinds outside its task).
    Coroutine::with_stack_unregistered(stack, None, |co: &TaskYielder, ()| loop {
        run_switched_in(co);
        // Between two tasks. A cancel that came from another thread after the scheduler
        // checked for one, as it started the task switched in next, arrives here: the
        // task's body runs, and gets the cancel at its first yield point.
        if let Err(interrupt) = co.try_yield(Switch::Done) {
            interrupt.defer();
        }
    })
}

/// Records in `task` the bounds of the stack of the runner it starts on, `(lowest, one past
/// highest)` address: where the overflow report and the task context find its stack.
pub(crate) fn assign(task: &TaskRef, stack: (usize, usize)) {
    task.set_stack(stack.0, stack.1);
}

/// The bounds of `stack`, `(lowest, one past highest)` address, as [`assign`] takes them.
pub(crate) fn bounds(stack: &PooledStack) -> (usize, usize) {
    (stack.limit().get(), stack.base().get())
}

/// Runs the body of the task switched in, on the runner of `co`.
#[inline(always)]
fn run_switched_in(co: &TaskYielder) {
    let own = context::current_raw().expect("a runner is resumed only for a task switched in");
    // SAFETY: the task is switched in, and its scheduler holds a reference to it for as
    // long as it runs; this one is only borrowed (never dropped).
    let own = ManuallyDrop::new(unsafe { TaskRef::from_raw(own) });
    own.set_yielder(co as *const TaskYielder as *mut ());
    context::set_yielder(co, own.stack_bounds());
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| own.run_body())) {
        keep_panic(&own, payload);
    }
}

/// Leaves the panic of `own`'s body (or the cancel that ended it) for its scheduler; lets
/// every other unwind go on to the coroutine's root: a thrown error (`Yielder::raise`) and
/// the close that unwinds a task dropped unfinished, which happens while the task is not
/// switched in to run (a scheduler's drop, maybe inside another scheduler's task).
#[cold]
fn keep_panic(own: &Header, payload: Box<dyn Any + Send>) {
    if is_throw_payload(&*payload) || is_close_payload(&*payload) || !context::is_running(own) {
        panic::resume_unwind(payload);
    }
    context::set_task_panic(payload);
}

/// Why a task could not be spawned.
///
/// # Examples
/// ```
/// use yieldpoint::task::{Builder, SpawnError};
///
/// let err = Builder::new().spawn(|| ()).unwrap_err();
/// assert!(matches!(err, SpawnError::NoScheduler));
/// assert!(err.to_string().starts_with("spawn called outside a scheduler"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SpawnError {
    /// Called outside a scheduler: spawn from inside `run`/`block_on`, or use the
    /// scheduler's own `spawn`. Permanent for this call site.
    NoScheduler,
    /// No stack could be allocated for the task; transient (see [`StackError`]).
    Stack(StackError),
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::NoScheduler => f.write_str(
                "spawn called outside a scheduler; call it inside RoundRobin::block_on/run, or use RoundRobin::spawn",
            ),
            SpawnError::Stack(e) => write!(f, "cannot spawn task: {e}"),
        }
    }
}

impl Error for SpawnError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SpawnError::NoScheduler => None,
            SpawnError::Stack(e) => Some(e),
        }
    }
}

impl From<StackError> for SpawnError {
    fn from(e: StackError) -> Self {
        SpawnError::Stack(e)
    }
}
