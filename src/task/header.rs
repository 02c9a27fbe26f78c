//! The part of a task shared between its scheduler, its `JoinHandle` and whoever wakes it.

use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use super::cell::{TaskRef, Vtable};
use super::completion::Completion;
use super::context;
use super::owner::Owner;
use super::state::ParkState;
use super::{JoinError, TaskId, TaskState, WaitReason};

/// Shared state of one task. Everything here may be touched from any thread, so it is
/// atomics and locks; the task's coroutine itself lives only in its owner's slab.
pub(crate) struct Header {
    /// References to the task's cell (`cell.rs`).
    refs: AtomicUsize,
    /// The functions of the task's body type (`cell.rs`).
    vtable: &'static Vtable,
    pub(crate) id: TaskId,
    pub(crate) name: Option<Arc<str>>,
    /// The park word (the protocol of `std::thread::park`, per task; see `state.rs`).
    park: ParkState,
    /// The scheduler (worker) that runs this task: null until it is placed in a slab, then
    /// a strong reference from `Arc::into_raw`, released on drop.
    owner: AtomicPtr<Owner>,
    /// The task's key in its owner's slab (valid once `owner` is set).
    key: AtomicUsize,
    /// `JoinHandle::cancel` was called.
    cancel: AtomicBool,
    /// A `timeout` that expired and must interrupt the task at its next yield point (0: none).
    expired_timeout: AtomicU64,
    /// The task's coroutine in its owner's slab while it is started (null otherwise).
    /// Read and written only by the owner thread.
    coroutine: AtomicPtr<()>,
    /// The `&Yielder` of the running body, for `yield_now`/`park` (set by the body itself).
    pub(crate) yielder: AtomicPtr<()>,
    /// Lowest and one-past-highest address of the task's stack (0, 0 before it starts).
    stack: (AtomicUsize, AtomicUsize),
    /// What a parked task waits for (a `WaitReason` as u8; 0 for nothing), for snapshots.
    wait: AtomicU8,
    /// How many times the task has been switched in (written only by its owner).
    switches: AtomicU64,
    /// Switched in right now (written only by its owner).
    running: AtomicBool,
    /// Whether the task finished, why it produced no value, and who waits in `join`.
    pub(crate) completion: Completion,
}

impl Header {
    /// The header of a new task cell (`TaskRef::new`, the only caller: every header heads
    /// a cell of `vtable`'s types).
    pub(super) fn new(id: TaskId, name: Option<Arc<str>>, vtable: &'static Vtable) -> Self {
        Header {
            refs: AtomicUsize::new(1),
            vtable,
            id,
            name,
            park: ParkState::new(),
            owner: AtomicPtr::new(ptr::null_mut()),
            key: AtomicUsize::new(usize::MAX),
            cancel: AtomicBool::new(false),
            expired_timeout: AtomicU64::new(0),
            coroutine: AtomicPtr::new(std::ptr::null_mut()),
            yielder: AtomicPtr::new(std::ptr::null_mut()),
            stack: (AtomicUsize::new(0), AtomicUsize::new(0)),
            wait: AtomicU8::new(0),
            switches: AtomicU64::new(0),
            running: AtomicBool::new(false),
            completion: Completion::new(),
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
        self.key.store(key, Ordering::Relaxed);
        // Release: whoever reads the owner (an unpark on another thread) also sees `key`.
        let owner = Arc::into_raw(owner.clone()).cast_mut();
        self.owner.store(owner, Ordering::Release);
    }

    /// The started task's coroutine (owner thread only).
    #[inline]
    pub(crate) fn coroutine(&self) -> *mut () {
        self.coroutine.load(Ordering::Relaxed)
    }

    /// Records where the started task's coroutine is, or that it is gone (null).
    #[inline]
    pub(crate) fn set_coroutine(&self, co: *mut ()) {
        self.coroutine.store(co, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn key(&self) -> usize {
        self.key.load(Ordering::Relaxed)
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
        self.park.try_park()
    }

    #[inline]
    pub(crate) fn is_parked(&self) -> bool {
        self.park.is_parked()
    }

    #[inline]
    pub(crate) fn cancel_requested(&self) -> bool {
        self.cancel.load(Ordering::Acquire)
    }

    /// Uses up the cancel request: the scheduler raises a cancel once per request.
    pub(crate) fn take_cancel(&self) -> bool {
        self.cancel.swap(false, Ordering::AcqRel)
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
        self.stack.0.store(low, Ordering::Relaxed);
        self.stack.1.store(high, Ordering::Relaxed);
    }

    /// The task's stack: lowest and one-past-highest address ((0, 0) before it starts).
    #[inline]
    pub(crate) fn stack_bounds(&self) -> (usize, usize) {
        (
            self.stack.0.load(Ordering::Relaxed),
            self.stack.1.load(Ordering::Relaxed),
        )
    }

    #[inline]
    pub(crate) fn set_wait(&self, reason: WaitReason) {
        self.wait.store(reason as u8, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn clear_wait(&self) {
        self.wait.store(0, Ordering::Relaxed);
    }

    pub(crate) fn wait_reason(&self) -> Option<WaitReason> {
        WaitReason::from_u8(self.wait.load(Ordering::Relaxed))
    }

    /// Counts one switch-in and marks the task running; only the owner thread calls this.
    #[inline]
    pub(crate) fn count_switch(&self) {
        let n = self.switches.load(Ordering::Relaxed);
        self.switches.store(n + 1, Ordering::Relaxed);
        self.set_running(true);
    }

    /// Marks the task as switched in or out; only the owner thread calls this.
    #[inline]
    pub(crate) fn set_running(&self, running: bool) {
        self.running.store(running, Ordering::Relaxed);
    }

    /// Where the task is, for snapshots.
    pub(crate) fn state(&self) -> TaskState {
        if self.running.load(Ordering::Relaxed) {
            TaskState::Running
        } else if self.is_parked() {
            TaskState::waiting(self.wait_reason())
        } else {
            TaskState::Ready
        }
    }

    pub(crate) fn switches(&self) -> u64 {
        self.switches.load(Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.completion.is_finished()
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

    /// Moves the park state on for a wakeup: `true` if the task was parked and must go
    /// back on its owner's run queue.
    #[inline]
    fn take_parked(&self) -> bool {
        self.park.unpark()
    }

    /// Puts a task that was parked back on its owner's run queue.
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

    pub(crate) fn request_cancel(&self) {
        self.cancel.store(true, Ordering::Release);
        self.unpark();
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
        if self.completion.finish(error) {
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
