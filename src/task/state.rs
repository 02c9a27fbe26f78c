//! The lock-free protocols of a task, apart from the scheduler: its park word, its
//! completion word, and the inbox that carries a woken task to its owner thread.
//!
//! Python has no counterpart: asyncio runs every task of a loop on one thread, and wakes
//! one from another thread only through `call_soon_threadsafe`. Here a task is woken from
//! any thread (a channel end, a `JoinHandle`, `spawn_blocking`), so these three protocols
//! say who may do what, when, and how the wakeups and the task's end cross threads.
//!
//! Their atomics, locks and cells come from [`crate::loom`]: the loom model tests beside
//! this module (`state/loom_task.rs`, run by `.ci/run` with
//! `RUSTFLAGS="--cfg yieldpoint_loom"`, as tokio's `runtime/tests/loom_*.rs`) run every
//! interleaving of this very code from two or three threads and check the invariants below.
//! `header.rs` and `completion.rs` only delegate here.
//!
//! # The park word ([`ParkState`])
//!
//! The protocol of `std::thread::park`, per task: a wakeup that arrives while the task is
//! not parked leaves a token that its next park consumes.
//!
//! | value      | meaning                                           | next                                |
//! |------------|---------------------------------------------------|-------------------------------------|
//! | `IDLE`     | running, ready, or about to park; no token        | `unpark` → `NOTIFIED`; `try_park` → `PARKED` |
//! | `NOTIFIED` | a wakeup arrived while not parked (a token)       | `try_park` consumes it → `IDLE` (the task runs again) |
//! | `PARKED`   | switched out to wait; only a wakeup requeues it   | `unpark` → `IDLE`, and that waker requeues the task |
//!
//! A task parks in two steps: it decides to park (it registers wherever its waker will
//! find it, then switches out), then its owner calls [`try_park`](ParkState::try_park)
//! on the scheduler's stack. A wakeup between the two leaves `NOTIFIED`, so `try_park`
//! fails and the owner runs the task again: the wakeup is never lost. Only the waker that
//! moves `PARKED` to `IDLE` requeues the task, so one park is answered by at most one
//! requeue however many wakers race. Every wakeup writes the word (a token already there
//! is written again) and consuming a token is a read-modify-write, all acquire-release:
//! so what any waker wrote before its wakeup is visible to the task when it runs again.
//!
//! # The completion word ([`JoinState`])
//!
//! A task has one owner (the scheduler thread that runs it) and at most one joiner (its
//! `JoinHandle`, whose `join` takes it by value).
//!
//! | value      | meaning                                                      |
//! |------------|--------------------------------------------------------------|
//! | `RUNNING`  | not finished; nobody waits (`joiner` belongs to the joiner)   |
//! | `JOINING`  | not finished; the joiner is in `joiner`, parked or about to park (`joiner` belongs to the owner) |
//! | `FINISHED` | the task's error (and value) are published; never left again   |
//!
//! ```text
//! RUNNING ──joiner registers──▶ JOINING ──owner finishes, wakes it──▶ FINISHED
//!    └──────────────owner finishes first──────────────────────────────────┘
//! ```
//!
//! The owner writes the task's value (see `completion.rs`) and its error, then publishes
//! them with a release swap to `FINISHED`; the joiner reads them only after an acquire load
//! saw `FINISHED`, so neither needs a lock. Whoever moves the word on first decides who
//! handles the joiner's waiter: the joiner writes it while the word is `RUNNING` and hands
//! it over with its compare-exchange to `JOINING`; the owner takes it only after its swap
//! to `FINISHED` returned `JOINING`. The waiter is never touched by both, and a join that
//! started before the end is always woken.
//!
//! # The inbox ([`Inbox`])
//!
//! A task woken on another thread than its owner's goes into the owner's inbox: pushed
//! under a lock, then `pending` is set (release) and the owner thread unparked. The owner
//! drains the inbox when it sees `pending` (acquire), and parks its OS thread only after it
//! saw `pending` clear; `std::thread::park`'s own token covers an unpark that comes between
//! that check and the park.

use crate::loom::{AtomicBool, AtomicU8, Mutex, Ordering, UnsafeCell};

#[cfg(all(test, yieldpoint_loom))]
mod loom_task;

/// Park word: running, ready, or about to park; no token.
const IDLE: u8 = 0;
/// Park word: a wakeup arrived while the task was not parked; its next park returns at once.
const NOTIFIED: u8 = 1;
/// Park word: the task is parked; the next unpark puts it back on its owner's run queue.
const PARKED: u8 = 2;

/// A task's park word; see the module docs.
pub(crate) struct ParkState(AtomicU8);

impl ParkState {
    pub(crate) fn new() -> Self {
        ParkState(AtomicU8::new(IDLE))
    }

    /// Moves the park word on for a wakeup: `true` if the task was parked and the caller
    /// must put it back on its owner's run queue; otherwise leaves a token (or finds one).
    /// Callable from any thread.
    ///
    /// A token that is already there is written again (`NOTIFIED` → `NOTIFIED`), not just
    /// read: that release write is what orders this waker's earlier writes before the
    /// task's next run. A waker that only read `NOTIFIED` would not be ordered with the
    /// `try_park` that consumes the token, and the task could run, miss what this waker
    /// wrote (a cancel, a timeout, a count), and park for good (found by the loom model
    /// `loom_task_park_wakeups_across_parks_are_never_lost`).
    #[inline]
    pub(crate) fn unpark(&self) -> bool {
        let mut state = self.0.load(Ordering::Acquire);
        loop {
            let next = match state {
                PARKED => IDLE,
                _ => NOTIFIED,
            };
            match self
                .0
                .compare_exchange(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return state == PARKED,
                Err(actual) => state = actual,
            }
        }
    }

    /// Called by the owner after the task switched out to park: `true` if it is now
    /// parked, `false` if a token was waiting (consumed) and the task must run again.
    #[inline]
    pub(crate) fn try_park(&self) -> bool {
        match self
            .0
            .compare_exchange(IDLE, PARKED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(_) => {
                // `NOTIFIED` (only the owner parks, so never `PARKED`): consume the token.
                // A read-modify-write, not a store: it reads the last token write, so it
                // synchronises with every waker whose wakeup this token stands for (a
                // failed compare-exchange is only a load, and may read an earlier one).
                self.0.swap(IDLE, Ordering::AcqRel);
                false
            }
        }
    }

    /// Whether the task is parked (for snapshots: it may change at once).
    #[inline]
    pub(crate) fn is_parked(&self) -> bool {
        self.0.load(Ordering::Acquire) == PARKED
    }
}

/// Completion word: the task runs; nobody waits for it.
const RUNNING: u8 = 0;
/// Completion word: the task runs; its joiner is registered and parked (or about to park).
const JOINING: u8 = 1;
/// Completion word: the task has finished: its value or error is published.
const FINISHED: u8 = 2;

/// A task's completion word, with the joiner's waiter `W` and the error `E` it hands
/// over; see the module docs.
pub(crate) struct JoinState<W, E> {
    state: AtomicU8,
    /// The parked joiner; see the module docs for who may touch it when.
    joiner: UnsafeCell<Option<W>>,
    /// Why the task produced no value: written by the owner before `FINISHED`, taken by
    /// the joiner after.
    error: UnsafeCell<Option<E>>,
}

// SAFETY: `joiner` and `error` are only reached by the two parties of the protocol in the
// module docs, at times the completion word orders (release/acquire); what they hold moves
// between the two threads, which `W: Send` and `E: Send` allow.
unsafe impl<W: Send, E: Send> Sync for JoinState<W, E> {}

impl<W, E> JoinState<W, E> {
    pub(crate) fn new() -> Self {
        JoinState {
            state: AtomicU8::new(RUNNING),
            joiner: UnsafeCell::new(None),
            error: UnsafeCell::new(None),
        }
    }

    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.state.load(Ordering::Acquire) == FINISHED
    }

    /// Publishes the task's end (with `error` if it produced no value): the joiner to
    /// wake, if one is registered. Called by the task's owner thread, after it stored the
    /// task's value; a second call changes nothing (and drops its `error`).
    pub(crate) fn finish(&self, error: Option<E>) -> Option<W> {
        if self.state.load(Ordering::Relaxed) == FINISHED {
            return None;
        }
        // SAFETY: not yet `FINISHED`, so the joiner does not read `error`; only the owner
        // writes it, and it is this thread.
        self.error.with_mut(|slot| unsafe { *slot = error });
        if self.state.swap(FINISHED, Ordering::AcqRel) != JOINING {
            return None;
        }
        // SAFETY: the joiner registered (its write happened before its compare-exchange,
        // which this swap read) and will not touch `joiner` again.
        self.joiner.with_mut(|slot| unsafe { (*slot).take() })
    }

    /// Registers the joiner (`waiter()`) and calls `park` until the task has finished.
    ///
    /// Only the task's one joiner calls this. `park` may return spuriously (a stale
    /// token): the word is checked again after each return. Inlined, so that a green
    /// thread parks in the frame that called `join` (see "Return-address prediction" in
    /// `sched/local.rs`).
    #[inline(always)]
    pub(crate) fn wait(&self, waiter: impl FnOnce() -> W, mut park: impl FnMut()) {
        let mut state = self.state.load(Ordering::Acquire);
        if state == RUNNING {
            let waiter = waiter();
            // SAFETY: `RUNNING`: the owner does not touch `joiner` until it sees `JOINING`,
            // and this is the only joiner.
            self.joiner.with_mut(|slot| unsafe { *slot = Some(waiter) });
            match self
                .state
                .compare_exchange(RUNNING, JOINING, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => state = JOINING,
                Err(actual) => {
                    // Finished meanwhile: the waiter was never handed over.
                    // SAFETY: the owner only takes it after seeing `JOINING`, which never
                    // happened.
                    drop(self.joiner.with_mut(|slot| unsafe { (*slot).take() }));
                    state = actual;
                }
            }
        }
        while state != FINISHED {
            park();
            state = self.state.load(Ordering::Acquire);
        }
    }

    /// The error the task ended with, if any.
    ///
    /// # Safety
    ///
    /// The caller is the task's one joiner, it saw [`is_finished`](Self::is_finished)
    /// return `true`, and nothing else takes the error.
    pub(crate) unsafe fn take_error(&self) -> Option<E> {
        debug_assert!(self.is_finished());
        // SAFETY: per this function's contract, the owner wrote `error` before `FINISHED`
        // and will not touch it again; the caller is its only reader.
        self.error.with_mut(|slot| unsafe { (*slot).take() })
    }
}

/// A scheduler thread's inbox of tasks woken from other threads; see the module docs.
pub(crate) struct Inbox<T> {
    items: Mutex<Vec<T>>,
    /// `true` while `items` may be non-empty: lets the owner skip the lock.
    pending: AtomicBool,
}

impl<T> Inbox<T> {
    pub(crate) fn new() -> Self {
        Inbox {
            items: Mutex::new(Vec::new()),
            pending: AtomicBool::new(false),
        }
    }

    /// Queues `item`; the caller then unparks the owner thread.
    pub(crate) fn push(&self, item: T) {
        self.items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(item);
        self.pending.store(true, Ordering::Release);
    }

    /// Takes everything queued (owner thread).
    pub(crate) fn drain(&self) -> Vec<T> {
        if !self.pending.swap(false, Ordering::AcqRel) {
            return Vec::new();
        }
        std::mem::take(&mut *self.items.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Whether items may be waiting.
    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }
}
