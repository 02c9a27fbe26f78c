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
//! `JoinHandle`, whose `join` takes it by value). The word holds three bits, each set once
//! and never cleared:
//!
//! | bit        | set by                                   | means                                                         |
//! |------------|------------------------------------------|---------------------------------------------------------------|
//! | `FINISHED` | the owner, at the task's end (`finish`)  | the task's error and value are published                      |
//! | `JOINING`  | the joiner, before it parks (`wait`)     | the joiner's waiter is registered: from now on it is the owner's to take and wake |
//! | `DETACHED` | the handle's drop (`detach`)             | nobody will take the value                                    |
//!
//! The owner writes the task's value (the task cell, `cell.rs`) and its error, then sets
//! `FINISHED` with a release read-modify-write; the joiner reads them only after an acquire
//! saw `FINISHED`, so neither needs a lock. Each party sets its bit with one read-modify-write
//! and acts on what the others had set before it:
//!
//! - The joiner writes its waiter while `JOINING` is clear, then sets it. If `FINISHED` was
//!   already set, the owner never saw `JOINING` and the joiner takes its waiter back; else the
//!   owner, whose `FINISHED` comes later, takes and wakes it. The waiter is never touched by
//!   both, and a join that started before the end is always woken.
//! - The value is dropped by exactly one party when nobody joins: the handle's drop if
//!   `FINISHED` was set before its `DETACHED` (it saw the value published), the owner if
//!   `DETACHED` was set before its `FINISHED`.
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

/// Completion bit: the task has finished: its error (and value) are published; never
/// cleared.
const FINISHED: u8 = 0b001;
/// Completion bit: the joiner's waiter is registered (from then on it belongs to the owner).
const JOINING: u8 = 0b010;
/// Completion bit: the `JoinHandle` is gone; nobody will take the task's value.
const DETACHED: u8 = 0b100;

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

/// What [`JoinState::finish`] found: the joiner to wake, and whether the handle is gone.
pub(crate) struct Finished<W> {
    /// The registered joiner, to be woken.
    pub(crate) joiner: Option<W>,
    /// The `JoinHandle` was dropped first: the owner drops the value.
    pub(crate) detached: bool,
}

impl<W, E> JoinState<W, E> {
    pub(crate) fn new() -> Self {
        JoinState {
            state: AtomicU8::new(0),
            joiner: UnsafeCell::new(None),
            error: UnsafeCell::new(None),
        }
    }

    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.state.load(Ordering::Acquire) & FINISHED != 0
    }

    /// Publishes the task's end (with `error` if it produced no value). Called by the
    /// task's owner thread, after the value was stored; a second call changes nothing (and
    /// drops its `error`).
    pub(crate) fn finish(&self, error: Option<E>) -> Finished<W> {
        if self.state.load(Ordering::Relaxed) & FINISHED != 0 {
            return Finished {
                joiner: None,
                detached: false,
            };
        }
        // SAFETY: not yet `FINISHED`, so the joiner does not read `error`; only the owner
        // writes it, and it is this thread.
        self.error.with_mut(|slot| unsafe { *slot = error });
        let before = self.state.fetch_or(FINISHED, Ordering::AcqRel);
        let joiner = if before & JOINING != 0 {
            // SAFETY: the joiner registered (its write happened before its `JOINING`, which
            // this read-modify-write read) and will not touch `joiner` again.
            self.joiner.with_mut(|slot| unsafe { (*slot).take() })
        } else {
            None
        };
        Finished {
            joiner,
            detached: before & DETACHED != 0,
        }
    }

    /// Registers the joiner (`waiter()`) and calls `park` until the task has finished.
    ///
    /// Only the task's one joiner calls this, once. `park` may return spuriously (a stale
    /// token): the word is checked again after each return. Inlined, so that a green thread
    /// parks in the frame that called `join` (see "Return-address prediction" in
    /// `sched/local.rs`).
    #[inline(always)]
    pub(crate) fn wait(&self, waiter: impl FnOnce() -> W, mut park: impl FnMut()) {
        let mut state = self.state.load(Ordering::Acquire);
        if state & FINISHED == 0 {
            let waiter = waiter();
            // SAFETY: not `JOINING`: the owner does not touch `joiner` until it sees
            // `JOINING`, and this is the only joiner.
            self.joiner.with_mut(|slot| unsafe { *slot = Some(waiter) });
            state = self.state.fetch_or(JOINING, Ordering::AcqRel) | JOINING;
            if state & FINISHED != 0 {
                // Finished before the registration: the owner saw no `JOINING` and left the
                // waiter alone; it is never woken, so take it back.
                // SAFETY: the owner's `finish` already happened and takes the joiner only
                // when it read `JOINING`, which it did not.
                drop(self.joiner.with_mut(|slot| unsafe { (*slot).take() }));
            }
        }
        while state & FINISHED == 0 {
            park();
            state = self.state.load(Ordering::Acquire);
        }
    }

    /// Records that the `JoinHandle` is gone: `true` if the task has finished, and the
    /// caller must drop its value; otherwise the owner will, at the end.
    pub(crate) fn detach(&self) -> bool {
        self.state.fetch_or(DETACHED, Ordering::AcqRel) & FINISHED != 0
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
