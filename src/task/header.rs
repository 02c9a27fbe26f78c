//! The header of a task cell: the fields every party shares (its reference count, its
//! state word, its owner), then the fields only its owner thread writes.
//!
//! Who may touch what: the state word and the cells it guards follow the protocols of
//! `state.rs` (the table of bits and transitions is there); `id`, `name` and `vtable` never
//! change; `owner` is set once, before any other thread can reach the task through it; the
//! owner-only fields ([`OwnerOnly`]) are written by the owner thread alone, and read by it
//! or, relaxed, by a snapshot (`TaskSnapshot`) on any thread.

use std::backtrace::Backtrace;
use std::panic::Location;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::cell::{TaskRef, Vtable};
use super::context;
use super::owner::Owner;
use super::state::State;
use super::waiter::{park_current, Waiter};
use super::{JoinError, TaskId, TaskState, WaitReason};

/// The header of one task cell. The first group of fields is reached from any thread that
/// holds a reference to the task; the last, [`OwnerOnly`], is written only by the thread
/// that runs it.
pub(crate) struct Header {
    /// References to the task's cell (`cell.rs`).
    refs: AtomicUsize,
    /// The state word: park and wakeup, cancel, and the end as the `JoinHandle` sees it,
    /// with the joiner's waiter and the task's error (`state.rs`).
    state: State<Waiter, JoinError>,
    /// The functions of the task's body type (`cell.rs`).
    vtable: &'static Vtable,
    pub(crate) id: TaskId,
    pub(crate) name: Option<Arc<str>>,
    /// Where the task was spawned: the caller of the public spawn function
    /// (`#[track_caller]` on every spawn path), for dumps, stall reports and panics.
    pub(crate) spawned_at: &'static Location<'static>,
    /// The scheduler (worker) that runs this task: null until it is placed in a slab, then
    /// a strong reference from `Arc::into_raw`, released on drop. Read by wakers on any
    /// thread, to requeue the task.
    owner: AtomicPtr<Owner>,
    /// A `timeout` that expired and must interrupt the task at its next yield point (0:
    /// none). An id, not a flag, so not a bit of the state word.
    expired_timeout: AtomicU64,
    /// Where the scheduler keeps the task for snapshots (the work queue's registry): a
    /// number the task layer never reads, written once by the spawning thread before the
    /// task is queued, read by whoever reports its end.
    sched_place: AtomicU64,
    /// Written only by the owner thread.
    own: OwnerOnly,
}

/// The fields of a task that only its owner thread writes (atomics only so that a snapshot
/// on another thread may read them, relaxed; the park backtrace, an `Arc` that a dump
/// clones, behind a lock). No protocol of `state.rs` reaches them: the owner reads and
/// writes them with plain loads and stores.
struct OwnerOnly {
    /// The task's key in its owner's slab (valid once `owner` is set).
    key: AtomicUsize,
    /// The task's coroutine in its owner's slab while it is started (null otherwise).
    coroutine: AtomicPtr<()>,
    /// The `&Yielder` of the running body, for `yield_now`/`park` (set by the body itself).
    yielder: AtomicPtr<()>,
    /// Lowest and one-past-highest address of the task's stack (0, 0 before it starts).
    stack: (AtomicUsize, AtomicUsize),
    /// What a parked task waits for (a `WaitReason` as u8; 0 for nothing), for snapshots.
    wait: AtomicU8,
    /// How many times the task has been switched in.
    switches: AtomicU64,
    /// Switched in right now, for snapshots. Not a bit of the state word: it changes at
    /// every switch in and out, where a store here is a plain `mov` and a change of the
    /// shared word would be an atomic read-modify-write each time.
    running: AtomicBool,
    /// When the task last parked, in nanoseconds since [`clock_base`] (0: not recorded).
    /// Written by the run loop only when its scheduler records park times.
    parked_at: AtomicU64,
    /// The backtrace of the task's current park, when its scheduler captures them; taken
    /// out when the task is woken. A lock, not an atomic: a dump on another thread clones
    /// the `Arc` while the owner may replace it.
    park_backtrace: Mutex<Option<Arc<Backtrace>>>,
}

/// The instant that park times count from: the first use.
fn clock_base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// `at` in nanoseconds since [`clock_base`], at least 1 (0 means "not recorded").
fn nanos_since_base(at: Instant) -> u64 {
    let nanos = at.saturating_duration_since(clock_base()).as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX).max(1)
}

impl Header {
    /// The header of a new task cell (`TaskRef::new`, the only caller: every header heads
    /// a cell of `vtable`'s types).
    pub(super) fn new(
        id: TaskId,
        name: Option<Arc<str>>,
        spawned_at: &'static Location<'static>,
        vtable: &'static Vtable,
    ) -> Self {
        Header {
            refs: AtomicUsize::new(1),
            state: State::new(),
            vtable,
            id,
            name,
            spawned_at,
            owner: AtomicPtr::new(ptr::null_mut()),
            expired_timeout: AtomicU64::new(0),
            sched_place: AtomicU64::new(0),
            own: OwnerOnly {
                key: AtomicUsize::new(usize::MAX),
                coroutine: AtomicPtr::new(ptr::null_mut()),
                yielder: AtomicPtr::new(ptr::null_mut()),
                stack: (AtomicUsize::new(0), AtomicUsize::new(0)),
                wait: AtomicU8::new(0),
                switches: AtomicU64::new(0),
                running: AtomicBool::new(false),
                parked_at: AtomicU64::new(0),
                park_backtrace: Mutex::new(None),
            },
        }
    }

    /// The count of references to the task's cell.
    #[inline]
    pub(super) fn refs(&self) -> &AtomicUsize {
        &self.refs
    }

    /// The functions of the task's body type.
    #[inline]
    pub(super) fn vtable(&self) -> &'static Vtable {
        self.vtable
    }

    /// Records that `owner` runs this task from slab slot `key`.
    ///
    /// # Panics
    ///
    /// If the task was placed before: a task is placed once, by the worker that starts it.
    pub(crate) fn place(&self, owner: &Arc<Owner>, key: usize) {
        // Only the one thread that holds the unstarted task places it, so a load and a
        // store (no read-modify-write) suffice.
        assert!(
            self.owner.load(Ordering::Relaxed).is_null(),
            "task {} placed on two schedulers",
            self.id
        );
        self.own.key.store(key, Ordering::Relaxed);
        // Release: a waker on another thread that reads the pointer (acquire) sees the
        // strong reference it stands for.
        let owner = Arc::into_raw(owner.clone()).cast_mut();
        self.owner.store(owner, Ordering::Release);
    }

    /// The started task's coroutine (owner thread only).
    #[inline]
    pub(crate) fn coroutine(&self) -> *mut () {
        self.own.coroutine.load(Ordering::Relaxed)
    }

    /// Records where the started task's coroutine is, or that it is gone (null).
    #[inline]
    pub(crate) fn set_coroutine(&self, co: *mut ()) {
        self.own.coroutine.store(co, Ordering::Relaxed);
    }

    /// The `&Yielder` of the running body, as the body recorded it (null before it runs).
    #[inline]
    pub(crate) fn yielder(&self) -> *mut () {
        self.own.yielder.load(Ordering::Relaxed)
    }

    /// Records the running body's `&Yielder` (the body itself, on the owner thread).
    #[inline]
    pub(crate) fn set_yielder(&self, yielder: *mut ()) {
        self.own.yielder.store(yielder, Ordering::Relaxed);
    }

    /// Records where the scheduler keeps the task (before it queues the task: the queue
    /// publishes it to the thread that reads it back).
    #[inline]
    pub(crate) fn set_sched_place(&self, place: u64) {
        self.sched_place.store(place, Ordering::Relaxed);
    }

    /// What [`set_sched_place`](Self::set_sched_place) recorded (0 if nothing).
    #[inline]
    pub(crate) fn sched_place(&self) -> u64 {
        self.sched_place.load(Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn key(&self) -> usize {
        self.own.key.load(Ordering::Relaxed)
    }

    /// The scheduler that runs the task, once it is placed.
    pub(crate) fn owner(&self) -> Option<&Owner> {
        let owner = self.owner.load(Ordering::Acquire);
        // SAFETY: non-null only after `place` stored a strong reference, which `drop`
        // releases; `&self` keeps the header, and so that reference, alive.
        unsafe { owner.as_ref() }
    }

    /// Called by the owner after the task suspended to park: `true` if it is now parked,
    /// `false` if a token was waiting (consumed) and it must run again.
    #[inline]
    pub(crate) fn try_park(&self) -> bool {
        self.state.try_park()
    }

    #[inline]
    pub(crate) fn is_parked(&self) -> bool {
        self.state.is_parked()
    }

    /// Whether a cancel is requested and not yet raised in the task.
    #[inline]
    pub(crate) fn cancel_requested(&self) -> bool {
        self.state.cancel_requested()
    }

    /// Uses up the cancel request: the scheduler raises a cancel once per request.
    pub(crate) fn take_cancel(&self) -> bool {
        self.state.take_cancel()
    }

    /// Takes the id of an expired timeout that must interrupt the task (0: none).
    #[inline]
    pub(crate) fn take_expired_timeout(&self) -> u64 {
        if self.expired_timeout.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        self.expired_timeout.swap(0, Ordering::AcqRel)
    }

    /// Forgets timeout `id` if it expired but has not interrupted the task yet.
    pub(crate) fn clear_timeout(&self, id: u64) {
        let _ = self
            .expired_timeout
            .compare_exchange(id, 0, Ordering::AcqRel, Ordering::Relaxed);
    }

    /// Records the bounds of the stack the task runs on.
    pub(crate) fn set_stack(&self, low: usize, high: usize) {
        self.own.stack.0.store(low, Ordering::Relaxed);
        self.own.stack.1.store(high, Ordering::Relaxed);
    }

    /// The task's stack: lowest and one-past-highest address ((0, 0) before it starts).
    #[inline]
    pub(crate) fn stack_bounds(&self) -> (usize, usize) {
        (
            self.own.stack.0.load(Ordering::Relaxed),
            self.own.stack.1.load(Ordering::Relaxed),
        )
    }

    #[inline]
    pub(crate) fn set_wait(&self, reason: WaitReason) {
        self.own.wait.store(reason as u8, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn clear_wait(&self) {
        self.own.wait.store(0, Ordering::Relaxed);
    }

    pub(crate) fn wait_reason(&self) -> Option<WaitReason> {
        WaitReason::from_u8(self.own.wait.load(Ordering::Relaxed))
    }

    /// Counts one switch-in and marks the task running; only the owner thread calls this.
    #[inline]
    pub(crate) fn count_switch(&self) {
        let n = self.own.switches.load(Ordering::Relaxed);
        self.own.switches.store(n + 1, Ordering::Relaxed);
        self.set_running(true);
    }

    /// Marks the task as switched in or out; only the owner thread calls this.
    #[inline]
    pub(crate) fn set_running(&self, running: bool) {
        self.own.running.store(running, Ordering::Relaxed);
    }

    /// Where the task is, for snapshots.
    pub(crate) fn task_state(&self) -> TaskState {
        if self.own.running.load(Ordering::Relaxed) {
            TaskState::Running
        } else if self.is_parked() {
            TaskState::waiting(self.wait_reason())
        } else {
            TaskState::Ready
        }
    }

    /// Records that the task parked at `at` (the run loop, when its scheduler records park
    /// times; owner thread only).
    pub(crate) fn set_parked_at(&self, at: Instant) {
        self.own
            .parked_at
            .store(nanos_since_base(at), Ordering::Relaxed);
    }

    /// How long the task has been parked as of `now`, if its park time was recorded.
    /// Meaningful only while the task is parked.
    pub(crate) fn parked_for(&self, now: Instant) -> Option<Duration> {
        match self.own.parked_at.load(Ordering::Relaxed) {
            0 => None,
            at => Some(Duration::from_nanos(
                nanos_since_base(now).saturating_sub(at),
            )),
        }
    }

    /// Keeps `backtrace` as where the task parks now (owner thread only).
    pub(crate) fn set_park_backtrace(&self, backtrace: Backtrace) {
        *self.lock_park_backtrace() = Some(Arc::new(backtrace));
    }

    /// Drops the backtrace of a park the task has woken from (owner thread only).
    pub(crate) fn clear_park_backtrace(&self) {
        let old = self.lock_park_backtrace().take();
        drop(old); // outside the lock
    }

    /// The backtrace of the task's current park, if one was captured.
    pub(crate) fn park_backtrace(&self) -> Option<Arc<Backtrace>> {
        self.lock_park_backtrace().clone()
    }

    fn lock_park_backtrace(&self) -> MutexGuard<'_, Option<Arc<Backtrace>>> {
        // Poisoned only if a clone or drop of an `Arc` panicked, which it does not.
        self.own
            .park_backtrace
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn switches(&self) -> u64 {
        self.own.switches.load(Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.state.is_finished()
    }

    /// Parks the calling task (or blocks the calling thread) until the task has finished:
    /// the joiner's side of the end.
    ///
    /// Only the task's one joiner calls this. A wakeup that finds the task unfinished (a
    /// stale park token) parks again. Inlined, so that a green thread parks in the frame
    /// that called `join` (see "Return-address prediction" in `sched/local.rs`).
    #[inline(always)]
    pub(crate) fn wait(&self) {
        self.state
            .wait(Waiter::current, || park_current(WaitReason::Join));
    }

    /// The poll of a `JoinHandle` future: `true` if the task has finished; else registers
    /// `waker` (replacing the one of an earlier poll), to be woken once, after the end is
    /// published. Only the task's one joiner calls this.
    #[inline]
    pub(crate) fn poll_join(&self, waker: &Waker) -> bool {
        self.state.register_joiner(|| Waiter::Waker(waker.clone()))
    }

    /// Records that the `JoinHandle` is gone: `true` if the task has finished, so the
    /// caller must drop the value.
    pub(crate) fn detach(&self) -> bool {
        self.state.detach()
    }

    /// The error the task ended with, if any, once: for the task's one joiner, after
    /// [`is_finished`](Self::is_finished) returned `true`.
    pub(crate) fn take_error(&self) -> Option<JoinError> {
        self.state.take_error()
    }
}

impl Drop for Header {
    fn drop(&mut self) {
        let owner = *self.owner.get_mut();
        if !owner.is_null() {
            // SAFETY: `owner` came from `Arc::into_raw` in `place` and is released once, here.
            drop(unsafe { Arc::from_raw(owner) });
        }
    }
}

/// What any party may do to a task through a reference to it.
impl TaskRef {
    /// Makes the task runnable if it is parked; otherwise leaves a token so its next park
    /// returns at once. Callable from any thread.
    pub(crate) fn unpark(&self) {
        if self.take_parked() {
            self.clone().reschedule();
        }
    }

    /// [`unpark`](Self::unpark) that hands its reference to the run queue, saving a
    /// clone and a drop.
    #[inline]
    pub(crate) fn unpark_owned(self) {
        if self.take_parked() {
            self.reschedule();
        }
    }

    /// Moves the state word on for a wakeup: `true` if the task was parked and must go
    /// back on its owner's run queue.
    #[inline]
    fn take_parked(&self) -> bool {
        self.state.unpark()
    }

    /// Puts a task that was parked back on its owner's run queue.
    #[inline]
    fn reschedule(self) {
        let Some(owner) = self.owner() else {
            return;
        };
        if !owner.is_current() {
            return owner.send(self.clone());
        }
        let woken = context::with_scheduler(|scheduler| scheduler.wake(self));
        debug_assert!(woken.is_some(), "the owner thread runs its scheduler");
    }

    /// Requests a cancel, raised at the task's next yield point, and wakes the task for
    /// it; nothing if the task has finished. Callable from any thread.
    pub(crate) fn request_cancel(&self) {
        if self.state.request_cancel() {
            self.clone().reschedule();
        }
    }

    pub(crate) fn expire_timeout(&self, id: u64) {
        // Nested `timeout`s can expire together before the task resumes. Ids grow, so the
        // smallest is the outermost call; unwinding to it leaves the inner ones too, while
        // delivering an inner one would lose the outer expiry for good.
        let _ = self
            .expired_timeout
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |pending| {
                (pending == 0 || id < pending).then_some(id)
            });
        self.unpark();
    }

    /// Marks the task finished (with `error` if it produced no value) and wakes its
    /// joiner; drops its value if its `JoinHandle` is gone. Called by the owner thread.
    pub(crate) fn finish(&self, error: Option<JoinError>) {
        let finished = self.state.finish(error);
        if let Some(joiner) = finished.joiner {
            joiner.wake();
        }
        if finished.detached {
            // SAFETY: finished just now, and `detach` saw the handle go first: the value
            // is the owner's to drop.
            drop_unjoined(|| unsafe { self.drop_output() });
        }
    }
}

/// Runs `drop` (the drop of a task's value that no one joined), catching its panic: the
/// last reference to a task may go anywhere, a scheduler's loop included, so it must not
/// unwind out of there (tokio drops an unjoined output under `catch_unwind` too).
pub(crate) fn drop_unjoined(drop: impl FnOnce()) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(drop)).is_err() {
        eprintln!(
            "yieldpoint: dropping the value of a task that no one joined panicked; the panic \
             was caught"
        );
    }
}
