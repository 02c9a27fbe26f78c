//! Waiting for a task: `JoinHandle` and `JoinError`.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::cell::TaskRef;
use super::context;
use super::header::{drop_unjoined, Header};
use super::owner::Owner;
use super::TaskId;
use crate::stack::StackError;

/// An owned permission to join a task (wait for its result) or cancel it.
///
/// Dropping the handle detaches the task: it keeps running. `JoinHandle<T>` is `Send`
/// when `T` is.
///
/// Python: the `asyncio.Task` returned by `create_task`: `await task`, `task.cancel()`,
/// `task.done()`.
///
/// # Examples
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use yieldpoint::sched::RoundRobin;
///
/// let rt = RoundRobin::new();
/// let ran = Arc::new(AtomicBool::new(false));
/// let flag = ran.clone();
/// drop(rt.spawn(move || flag.store(true, Ordering::SeqCst))); // detached
/// rt.run();
/// assert!(ran.load(Ordering::SeqCst));
/// ```
pub struct JoinHandle<T> {
    /// The task; taken out only by `join` (see `into_result`), else released by `drop`.
    header: ManuallyDrop<TaskRef>,
    /// The future returned `Ready`: the result is gone, a poll again is misuse.
    taken: bool,
    /// The value's type, and the auto traits it gives the handle: `Send` and `Sync` when
    /// `T` is `Send`, as the value may be taken on the handle's thread.
    _value: PhantomData<std::sync::Mutex<T>>,
}

impl<T> JoinHandle<T> {
    /// The handle of `task`, whose body returns a `T`.
    pub(crate) fn new(task: TaskRef) -> Self {
        JoinHandle {
            header: ManuallyDrop::new(task),
            taken: false,
            _value: PhantomData,
        }
    }

    /// The task's shared header.
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// Waits for the task to finish and returns its value.
    ///
    /// Inside a green thread this parks only the caller; elsewhere it blocks the OS thread.
    ///
    /// Python: `await task`.
    ///
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let ok = yieldpoint::spawn(|| 1 + 1);
    ///     let boom = yieldpoint::spawn(|| -> u32 { panic!("boom") });
    ///     assert_eq!(ok.join().unwrap(), 2);
    ///     assert!(boom.join().unwrap_err().is_panic());
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// [`JoinError`] if the task panicked (the payload is inside), was cancelled, or was
    /// dropped unfinished with its scheduler.
    ///
    /// # Panics
    ///
    /// When joining an unfinished task of a [`RoundRobin`](crate::sched::RoundRobin) from
    /// its own thread outside the scheduler: nothing could run the task, so the call would
    /// block forever. Join inside `block_on`, or after `run`.
    #[track_caller]
    #[inline]
    pub fn join(self) -> Result<T, JoinError> {
        self.assert_not_taken();
        if !self.header.is_finished() {
            self.assert_can_block();
            self.header.wait();
        }
        self.into_result()
    }

    /// The finished task's value or error.
    #[inline]
    fn into_result(self) -> Result<T, JoinError> {
        // `join` consumed the handle and takes the value itself: no `detach` (a
        // read-modify-write per join) is needed, so the handle's `Drop` is skipped.
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used again nor dropped: the task moves out once.
        let task = unsafe { ManuallyDrop::take(&mut this.header) };
        // SAFETY: this handle is the task's one joiner (`join` takes it by value), the
        // task has finished, and the result was not taken (`assert_not_taken`).
        unsafe { take_result(&task) }
    }

    /// Panics if the future already returned the result (a poll after `Ready`).
    #[track_caller]
    #[inline]
    fn assert_not_taken(&self) {
        assert!(
            !self.taken,
            "JoinHandle of task {} used after the future returned its result; a finished \
             future must not be polled or joined again",
            self.header.id
        );
    }

    /// Joins the main task of `block_on`: its value, or its panic resumed here.
    #[track_caller]
    pub(crate) fn join_main(self) -> T {
        match self.join() {
            Ok(value) => value,
            Err(error) => match error.try_into_panic() {
                Ok(payload) => std::panic::resume_unwind(payload),
                Err(error) => panic!("block_on's main task ended without a value: {error}"),
            },
        }
    }

    /// Panics (or aborts) if waiting here for the unfinished task could never end; see
    /// [`check_blocking_join`](Self::check_blocking_join), which this inlined fast path
    /// skips in the common case: the task belongs to the scheduler running here, whose loop
    /// runs it while this wait parks, and no panic unwinds.
    #[inline]
    #[track_caller]
    fn assert_can_block(&self) {
        let Some(owner) = self.header.owner() else {
            return;
        };
        if owner.is_current() && !std::thread::panicking() {
            return;
        }
        self.check_blocking_join(owner);
    }

    /// [`assert_can_block`](Self::assert_can_block) for the task of `owner`, in full.
    #[track_caller]
    #[inline(never)]
    fn check_blocking_join(&self, owner: &Owner) {
        // The common case first, with no thread handle to look up: the task belongs to the
        // scheduler running here (which implies one runs here), whose loop runs it while
        // this wait parks.
        let here = if owner.is_current() {
            Some(true)
        } else {
            context::in_scheduler().then_some(false)
        };
        if here == Some(true) {
            if std::thread::panicking() && context::in_task() {
                self.join_while_unwinding();
            }
            return;
        }
        if owner.thread().id() != std::thread::current().id() {
            return; // another thread's scheduler runs the task
        }
        // The task's scheduler runs on this thread, but not here: only its own loop can
        // run it, so waiting anywhere else on this thread would wait forever.
        if here.is_some() {
            panic!(
                "join() on unfinished task {} (spawned at {}) of another scheduler on this OS \
                 thread would block forever (that scheduler cannot run while this one does); \
                 join it after its own scheduler's run()/block_on(), or spawn it on this \
                 scheduler",
                self.header.id, self.header.spawned_at
            );
        }
        panic!(
            "join() on unfinished task {} (spawned at {}) from the thread of its scheduler, \
             outside the scheduler, would block forever; join inside block_on() or after run()",
            self.header.id, self.header.spawned_at
        );
    }

    /// A green thread whose stack unwinds cannot switch out, so a `join` in its destructor
    /// blocks its OS thread; a task of the same thread can then never run to end it. A
    /// panic here would abort anyway (it is a panic during unwinding): say why, then abort.
    #[cold]
    fn join_while_unwinding(&self) -> ! {
        let joiner =
            context::with_current(|h| format!("task {} (spawned at {})", h.id, h.spawned_at));
        eprintln!(
            "yieldpoint: join() on unfinished task {} (spawned at {}) from a destructor of {} \
             of the same OS thread while it unwinds (a panic, a cancel or a close) can never \
             return: a green thread cannot switch out while it unwinds, so the joined task \
             cannot run. Join after catch_unwind instead of in Drop (see JoinHandle::cancel). \
             Aborting.",
            self.header.id,
            self.header.spawned_at,
            joiner.as_deref().unwrap_or("a task"),
        );
        std::process::abort()
    }

    /// Whether the task has finished (returned, panicked or was cancelled).
    ///
    /// Python: `task.done()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let child = yieldpoint::spawn(|| ());
    ///     assert!(!child.is_finished());
    ///     yieldpoint::yield_now(); // the child runs to its end
    ///     assert!(child.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.header.is_finished()
    }

    /// Asks the task to stop: it unwinds at its next yield point (destructors run), and
    /// [`join`](Self::join) reports [`JoinError::is_cancelled`]. A task that has not started
    /// never runs; a finished task is unaffected. Returns at once.
    ///
    /// Python: `task.cancel()`. yieldpoint follows asyncio's rules:
    ///
    /// - **Raised once.** Each `cancel` raises one cancel, at the task's next yield point
    ///   (`CancelledError` at its next `await`). Calling `cancel` again before that changes
    ///   nothing; calling it after the task caught the first raises another.
    /// - **Catching it un-cancels.** The cancel is an unwind; a task that catches it with
    ///   [`std::panic::catch_unwind`] and goes on is not cancelled: later yield points do
    ///   not raise it again, and if the task returns a value, `join` gives `Ok(value)`
    ///   (asyncio's `Task.uncancel`). Re-raise the payload with
    ///   [`std::panic::resume_unwind`] to end as cancelled.
    /// - **Cleanup may wait, after the catch.** Python's `finally: await cleanup()` is
    ///   `catch_unwind` around the work, then the waits (sleep, join, channels), then
    ///   `resume_unwind`: once caught, the task runs normally again, so its waits switch
    ///   as usual (example below).
    ///
    /// What Rust varies, on purpose: **destructors run while the stack unwinds, and no
    /// yield point switches then.** A suspended unwind would leave
    /// [`std::thread::panicking`] true for every other task of the OS thread (a `std` mutex
    /// they hold gets poisoned, a panic of theirs aborts), so in a destructor during a
    /// cancel or a panic, `yield_now` does nothing, and a wait (a channel, a mutex, `sleep`)
    /// blocks the OS thread like a wait outside a scheduler: it returns when another OS
    /// thread wakes it (or when a sleep ends), and a scheduler that waits so for longer
    /// than its stall warning time says so on stderr. A `join` of a task of the same
    /// thread in such a destructor could never return: it aborts with a message. And as
    /// anywhere in Rust, a destructor that panics during the unwind aborts the process.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let forever = yieldpoint::spawn(|| loop { yieldpoint::yield_now() });
    ///     yieldpoint::yield_now(); // it starts, and yields
    ///     forever.cancel();
    ///     assert!(forever.join().unwrap_err().is_cancelled());
    /// });
    /// ```
    ///
    /// `finally: await cleanup()`: the cleanup waits for another task, then the cancel goes
    /// on.
    ///
    /// ```
    /// use std::panic::{self, AssertUnwindSafe};
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let worker = yieldpoint::spawn(|| {
    ///         let work = panic::catch_unwind(AssertUnwindSafe(|| {
    ///             yieldpoint::sleep(Duration::from_secs(3600));
    ///         }));
    ///         // The cleanup: caught, so its waits switch as usual.
    ///         let flush = yieldpoint::spawn(|| yieldpoint::sleep(Duration::from_millis(1)));
    ///         flush.join().unwrap();
    ///         if let Err(cancel) = work {
    ///             panic::resume_unwind(cancel); // end as cancelled
    ///         }
    ///     });
    ///     yieldpoint::yield_now(); // it starts and sleeps
    ///     worker.cancel();
    ///     assert!(worker.join().unwrap_err().is_cancelled());
    /// });
    /// ```
    ///
    /// Catching the cancel and returning: not cancelled.
    ///
    /// ```
    /// use std::panic::{self, AssertUnwindSafe};
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let stubborn = yieldpoint::spawn(|| {
    ///         let caught = panic::catch_unwind(AssertUnwindSafe(|| {
    ///             yieldpoint::sleep(Duration::from_secs(3600));
    ///         }));
    ///         yieldpoint::yield_now(); // the cancel is not raised again
    ///         if caught.is_err() { "caught the cancel" } else { "slept" }
    ///     });
    ///     yieldpoint::yield_now();
    ///     stubborn.cancel();
    ///     assert_eq!(stubborn.join().unwrap(), "caught the cancel");
    /// });
    /// ```
    pub fn cancel(&self) {
        self.header.request_cancel();
    }

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
        self.header.id
    }

    /// The task's name, if it has one.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::Builder;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     assert_eq!(Builder::new().name("fetch").spawn(|| ()).unwrap().name(), Some("fetch"));
    ///     assert_eq!(yieldpoint::spawn(|| ()).name(), None);
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.header.name.as_deref()
    }
}

/// The finished task's value or error.
///
/// # Safety
///
/// The caller is the task's one joiner, saw it finished, and takes the result once.
unsafe fn take_result<T>(task: &TaskRef) -> Result<T, JoinError> {
    debug_assert!(task.is_finished());
    // The scheduler's verdict comes first: a body that swallowed an expired timeout's
    // unwind and returned anyway stored a value, but the task still ended interrupted.
    if let Some(error) = task.take_error() {
        // A value stored anyway is this joiner's to drop.
        // SAFETY: the joiner, after the end; the handle's `detach`, if any comes, finds
        // the stage empty.
        drop_unjoined(|| unsafe { task.drop_output() });
        return Err(error);
    }
    let mut value: Option<T> = None;
    // SAFETY: as above; the task's body returns a `T` (`JoinHandle::new`).
    unsafe { task.take_output((&mut value as *mut Option<T>).cast()) };
    value.ok_or_else(|| JoinError::cancelled(task))
}

/// Async code awaits a green thread: `handle.await` gives what [`join`](JoinHandle::join)
/// gives, without blocking the executor's thread.
///
/// The future is woken once, after the task's end is published; a poll with another waker
/// replaces the waker of the poll before (only the last is woken). Dropping the future
/// detaches the task (it keeps running), as dropping the handle does; cancel explicitly
/// with [`cancel`](JoinHandle::cancel). Any executor may poll it: tokio (current-thread or
/// multi-thread), `futures::executor`, or a green thread through
/// [`future::await_`](crate::future::await_).
///
/// Python: `await task` from a coroutine; `asyncio.wrap_future(fut)` when the task runs on
/// another thread.
///
/// # Panics
///
/// When polled again after it returned `Ready` (the result is gone), or joined after.
///
/// Polling does not block, so it cannot tell (as [`join`](JoinHandle::join) does) that an
/// executor blocking this very thread would stop the task's scheduler: awaiting a task of a
/// [`RoundRobin`](crate::sched::RoundRobin) with `futures::executor::block_on` on the
/// scheduler's own thread, outside it, waits forever. Await it where its scheduler runs on,
/// or after `run`.
///
/// # Examples
/// ```
/// use yieldpoint::sched::WorkQueue;
///
/// let rt = WorkQueue::builder().workers(2).build();
/// let task = rt.spawn(|| {
///     yieldpoint::yield_now();
///     6 * 7
/// });
/// // Any executor: here `futures`' own; tokio's `handle.await` is the same.
/// assert_eq!(futures::executor::block_on(task).unwrap(), 42);
/// ```
impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.assert_not_taken();
        if !this.header.poll_join(cx.waker()) {
            return Poll::Pending;
        }
        this.taken = true;
        // SAFETY: the handle is the task's one joiner, `poll_join` saw the task finished,
        // and `taken` (checked above, set now) makes this the one take.
        Poll::Ready(unsafe { take_result(&this.header) })
    }
}

// The future never pins the value (it moves out by `take_result`), so the handle may move
// between polls whatever `T` is.
impl<T> Unpin for JoinHandle<T> {}

impl<T> Drop for JoinHandle<T> {
    /// Detaches the task (it keeps running); its value, if it is already there, is dropped
    /// here, else by its scheduler when the task ends.
    fn drop(&mut self) {
        if self.header.detach() {
            // SAFETY: the task finished before this detach: the value is this handle's to
            // drop (`state.rs`, the state word).
            drop_unjoined(|| unsafe { self.header.drop_output() });
        }
        // SAFETY: dropped once, here; `into_result` skips this `Drop`.
        unsafe { ManuallyDrop::drop(&mut self.header) };
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.header.id)
            .field("name", &self.header.name)
            .field("finished", &self.header.is_finished())
            .finish()
    }
}

/// Why a task produced no value.
///
/// Python: `CancelledError`, or the exception the task raised.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::task::Builder;
///
/// RoundRobin::new().block_on(|| {
///     let child = Builder::new().name("crawler-3").spawn(|| ()).unwrap();
///     let id = child.id();
///     child.cancel();
///     let err = child.join().unwrap_err();
///     assert_eq!(err.to_string(), format!("task {id} (\"crawler-3\") was cancelled"));
/// });
/// ```
pub struct JoinError {
    id: TaskId,
    name: Option<Arc<str>>,
    kind: Kind,
}

/// Why a task produced no value, in two words: a `JoinError` lives in every task's header
/// (`State::error`), and a third variant would make it, and the code that ends every
/// task, larger (`tests/task_spawn_join.rs` checks its size).
enum Kind {
    Cancelled,
    /// A panic payload, or a [`NotStarted`]: the task never started.
    Boxed(Box<dyn Any + Send + 'static>),
}

/// What a task that could not start carries instead of a panic payload: the stack error.
/// Private, so that no panic can carry one.
struct NotStarted(StackError);

impl JoinError {
    pub(crate) fn cancelled(header: &Header) -> Self {
        JoinError {
            id: header.id,
            name: header.name.clone(),
            kind: Kind::Cancelled,
        }
    }

    pub(crate) fn panicked(header: &Header, payload: Box<dyn Any + Send + 'static>) -> Self {
        JoinError {
            id: header.id,
            name: header.name.clone(),
            kind: Kind::Boxed(payload),
        }
    }

    /// The boxed kind, as a panic's, with a payload no panic can carry (see [`Kind`]).
    pub(crate) fn no_stack(header: &Header, error: StackError) -> Self {
        JoinError::panicked(header, Box::new(NotStarted(error)))
    }

    /// Why the task never started, if no stack could be mapped for it when it was to start.
    ///
    /// Only a task that takes its stack when it starts can end so: one spawned with
    /// [`spawn`](crate::spawn()) on a [`WorkQueue`](crate::sched::WorkQueue), which may start on
    /// another worker (see "Runners" in `task::spawn`). Every other spawn reserves its
    /// stack and reports the failure as [`SpawnError::Stack`](super::SpawnError::Stack)
    /// instead. The task's closure was dropped without running. Like
    /// [`SpawnError::Stack`](super::SpawnError::Stack), the cause is transient: the
    /// process was out of memory, of address space or of mappings at that moment.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// let done = rt.spawn(|| 7);
    /// match done.join() {
    ///     Ok(n) => assert_eq!(n, 7),
    ///     Err(e) => assert!(e.stack_error().is_some(), "the only way it can fail: {e}"),
    /// }
    /// ```
    pub fn stack_error(&self) -> Option<&StackError> {
        match &self.kind {
            Kind::Boxed(payload) => payload.downcast_ref::<NotStarted>().map(|n| &n.0),
            Kind::Cancelled => None,
        }
    }

    /// Whether the task was cancelled (or dropped unfinished with its scheduler).
    ///
    /// Python: `task.cancelled()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let child = yieldpoint::spawn(|| ());
    ///     child.cancel(); // before it starts: it never runs
    ///     let err = child.join().unwrap_err();
    ///     assert!(err.is_cancelled() && !err.is_panic());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, Kind::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// Python: `task.exception() is not None`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let err = yieldpoint::spawn(|| panic!("boom")).join().unwrap_err();
    ///     assert!(err.is_panic() && !err.is_cancelled());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(&self.kind, Kind::Boxed(payload) if !payload.is::<NotStarted>())
    }

    /// The id of the task.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let child = yieldpoint::spawn(|| panic!("boom"));
    ///     let id = child.id();
    ///     assert_eq!(child.join().unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The panic payload, to re-raise with `std::panic::resume_unwind`.
    ///
    /// # Errors
    ///
    /// Gives the error back if the task did not panic: it was cancelled, or it never
    /// started ([`stack_error`](Self::stack_error)).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let err = yieldpoint::spawn(|| panic!("boom")).join().unwrap_err();
    ///     let payload = err.try_into_panic().unwrap();
    ///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    ///
    ///     let cancelled = yieldpoint::spawn(|| ());
    ///     cancelled.cancel();
    ///     assert!(cancelled.join().unwrap_err().try_into_panic().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.kind {
            Kind::Boxed(payload) if !payload.is::<NotStarted>() => Ok(payload),
            _ => Err(self),
        }
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// If the task did not panic (it was cancelled, or never started); use
    /// [`try_into_panic`](Self::try_into_panic) to check.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let err = yieldpoint::spawn(|| panic!("boom")).join().unwrap_err();
    ///     assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"boom"));
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().unwrap_or_else(|e| {
            panic!("into_panic() on the error of a task that did not panic: {e}")
        })
    }

    fn panic_message(&self) -> Option<&str> {
        match &self.kind {
            Kind::Boxed(payload) => payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str)),
            Kind::Cancelled => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " (\"{name}\")")?;
        }
        if let Some(error) = self.stack_error() {
            return write!(f, " could not start: {error}");
        }
        match (&self.kind, self.panic_message()) {
            (Kind::Cancelled, _) => f.write_str(" was cancelled"),
            (Kind::Boxed(_), Some(message)) => write!(f, " panicked with message {message:?}"),
            (Kind::Boxed(_), None) => f.write_str(" panicked"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinError({self})")
    }
}

impl Error for JoinError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.stack_error().map(|e| e as &(dyn Error + 'static))
    }
}
