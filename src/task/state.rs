//! The lock-free protocols of a task, apart from the scheduler: its one state word (with
//! the two cells its end hands over), and the inbox that carries a woken task to its owner
//! thread.
//!
//! Python has no counterpart: asyncio runs every task of a loop on one thread, and wakes
//! one from another thread only through `call_soon_threadsafe`. Here a task is woken,
//! joined and cancelled from any thread (a channel end, a `JoinHandle`, `spawn_blocking`),
//! so these protocols say who may do what, when, and how the wakeups and the task's end
//! cross threads.
//!
//! Their atomics, locks and cells come from [`crate::loom`]: the loom model tests beside
//! this module (`state/loom_task.rs`, run by `.ci/run` with
//! `RUSTFLAGS="--cfg yieldpoint_loom"`, as tokio's `runtime/tests/loom_*.rs`) run every
//! interleaving of this very code from two or three threads and check the invariants below.
//! `header.rs` only delegates here.
//!
//! # The state word ([`State`])
//!
//! Every party of a task meets in one word, as in tokio's `runtime/task/state.rs`: the
//! task's owner (the scheduler thread that runs it), its wakers (any thread), its one
//! joiner (`JoinHandle::join`, which takes the handle by value), the handle's drop, and
//! whoever cancels it. Every change to the word is one atomic read-modify-write of the
//! whole word (a compare-exchange loop, a `fetch_add`, `fetch_or` or `fetch_and`),
//! acquire-release. So no change is lost to a racing one, and all changes to the word form
//! one order in which each party acts on everything the changes before its own had set;
//! and since a read-modify-write continues the release sequence it reads from, what a
//! party wrote before its change is visible to every party after its change.
//!
//! | field or bit | value | entered by | left by | means |
//! |--------------|-------|------------|---------|-------|
//! | park (bits 31–30) | `IDLE` (`0b00`) | a new task; `unpark` from `PARKED`; `try_park` from `NOTIFIED` | `unpark` (to `NOTIFIED`); `try_park` (to `PARKED`) | running, ready, or about to park; no token |
//! |              | `PARKED` (`0b01`) | the owner's `try_park`, after the task switched out to wait | the one wakeup (`unpark`, `request_cancel`) that finds it, which requeues the task | the task waits; only a wakeup runs it again |
//! |              | `NOTIFIED` (`0b11`) | a wakeup that finds the task not parked (one that finds a token writes it again) | the owner's `try_park`, which consumes it | a token, as `std::thread::park`'s: the task's next park returns at once |
//! | `CANCEL` (bit 0) | set | `request_cancel` (`JoinHandle::cancel`, a scheduler's shutdown), unless `FINISHED` | the owner's `take_cancel`, as it raises the cancel | a cancel is requested and not yet raised |
//! | `JOINING` (bit 1) | set | the joiner (`register_joiner`: in `wait`, or a poll of the `JoinHandle` future), unless `FINISHED` | the joiner's `unregister_joiner` (before it registers a new waiter, or as its handle drops), unless `FINISHED` | the joiner's waiter is registered: while set, it is the owner's to take and wake |
//! | `DETACHED` (bit 2) | set | the handle's drop (`detach`), unless `join` consumed the handle | never | nobody will take the task's value |
//! | `FINISHED` (bit 3) | set | the owner, at the task's end (`finish`) | never | the task's error and value are published |
//!
//! The word starts at 0: not parked, no token, nothing requested, registered or finished.
//! The park field is at the top, with `NOTIFIED` as `0b11`, so that `try_park` is one
//! `fetch_add` of `0b01 << 30` whatever it finds: `IDLE` becomes `PARKED`, and `NOTIFIED`
//! carries out of the word and leaves `IDLE`, the bits below untouched. `0b10` never
//! occurs: only the owner parks its task, once per switch out, so `try_park` never finds
//! `PARKED`.
//!
//! Whether the task is switched in right now (for snapshots) is not in the word: only the
//! owner writes it, at every switch in and out, and in the shared word each of those
//! writes would be a read-modify-write, where a yield and its switches now make none; it
//! is a plain store to an owner-only field of the header instead.
//!
//! Each transition is one read-modify-write; what it does next depends only on the word it
//! replaced:
//!
//! | transition | caller | read-modify-write | change | then, by what it replaced |
//! |------------|--------|-------------------|--------|---------------------------|
//! | [`unpark`](State::unpark) | any thread | compare-exchange (a loop if the word changes under it) | none if `FINISHED` (a waker that outlived its task); else park `PARKED` → `IDLE`, else → `NOTIFIED` (a token already there is written again) | `PARKED`: the caller requeues the task |
//! | [`request_cancel`](State::request_cancel) | any thread | compare-exchange loop | none if `FINISHED`; else set `CANCEL` and make `unpark`'s change | as `unpark` |
//! | [`try_park`](State::try_park) | the owner, after the task switched out to park | `fetch_add` | park `IDLE` → `PARKED`, `NOTIFIED` → `IDLE` | `NOTIFIED`: the owner runs the task again |
//! | [`take_cancel`](State::take_cancel) | the owner, at the task's yield point | `fetch_and` | clear `CANCEL` | `CANCEL`: the owner raises the cancel there |
//! | [`register_joiner`](State::register_joiner) | the joiner, once, if it saw no `FINISHED` | `fetch_or` | set `JOINING` | `FINISHED`: the joiner takes its waiter back; else it parks until it sees `FINISHED` ([`wait`](State::wait)) |
//! | [`unregister_joiner`](State::unregister_joiner) | the joiner, when `JOINING` is set and it registers again or detaches | compare-exchange loop | none if `FINISHED`; else clear `JOINING` | not `FINISHED`: the joiner takes its waiter back (drops it); else the owner has it |
//! | [`detach`](State::detach) | the handle's drop, once (after `unregister_joiner` if `JOINING`) | `fetch_or` | set `DETACHED` | `FINISHED`: the caller drops the value |
//! | [`finish`](State::finish) | the owner, once | `fetch_or` | set `FINISHED` | `JOINING`: the owner takes the waiter and wakes it; `DETACHED`: the owner drops the value |
//!
//! The reads: [`is_finished`](State::is_finished) (acquire: after it, the error and the
//! value may be taken), [`cancel_requested`](State::cancel_requested) (acquire, by the
//! owner each time it resumes the task) and [`is_parked`](State::is_parked) (snapshots).
//!
//! ## Park and unpark
//!
//! The protocol of `std::thread::park`, per task: a wakeup that arrives while the task is
//! not parked leaves a token that its next park consumes. A task parks in two steps: it
//! decides to park (it registers wherever its waker will find it, then switches out), then
//! its owner calls [`try_park`](State::try_park) on the scheduler's stack. A wakeup between
//! the two leaves `NOTIFIED`, so `try_park` fails and the owner runs the task again: the
//! wakeup is never lost. Only the wakeup that moves `PARKED` on requeues the task, so one
//! park is answered by at most one requeue however many wakers (and cancellers) race.
//! Every wakeup writes the word (a token already there is written again) and consuming a
//! token is a read-modify-write, all acquire-release: so what any waker wrote before its
//! wakeup is visible to the task when it runs again.
//!
//! ## The end: finish, join, detach
//!
//! A task has one owner and at most one joiner. The owner writes the task's value (the
//! task cell, `cell.rs`) and its error, then sets `FINISHED`; the joiner reads them only
//! after an acquire saw `FINISHED`, so neither needs a lock. Each party sets its bit with
//! one read-modify-write and acts on what the others had set before it:
//!
//! - The joiner writes its waiter while `JOINING` is clear, then sets it. If `FINISHED` was
//!   already set, the owner never saw `JOINING` and the joiner takes its waiter back; else
//!   the owner, whose `FINISHED` comes later, takes and wakes it. To replace its waiter (a
//!   `JoinHandle` future polled again with another waker), the joiner first clears
//!   `JOINING` with a compare-exchange that fails on `FINISHED`: if it succeeds, the
//!   owner's later `finish` sees no `JOINING` and the slot is the joiner's again; if it
//!   fails, the owner has taken (and woken) the old waiter and the task's end is
//!   published. The waiter is never touched by both, and a join (or poll) that started
//!   before the end is always woken, the last waiter registered exactly once.
//! - The value is dropped by exactly one party when nobody joins: the handle's drop if
//!   `FINISHED` was set before its `DETACHED` (it saw the value published), the owner if
//!   `DETACHED` was set before its `FINISHED`. A joiner that is cancelled while it waits
//!   (or a `JoinHandle` future dropped after a poll) drops its handle: it takes its waiter
//!   back first as above, so the owner wakes nobody and drops the value; if the task had
//!   finished, the owner had taken (and woken, to no effect) the waiter.
//!
//! ## Cancel
//!
//! A cancel is a wakeup that leaves a bit: `request_cancel` sets `CANCEL` in the same
//! read-modify-write that unparks the task, so a cancel racing with wakeups still requeues
//! a parked task once, and the owner, which checks `CANCEL` each time it resumes the task,
//! sees it when the task runs again. The owner raises it once: `take_cancel` clears the
//! bit as the cancel is raised, so a task that catches the cancel goes on uncancelled
//! (asyncio's `uncancel`), and a request that comes after the take sets the bit again for
//! the next yield point. A finished task's word takes no cancel.
//!
//! # The inbox ([`Inbox`])
//!
//! A task woken on another thread than its owner's goes into the owner's inbox: pushed
//! under a lock, then `pending` is set (release) and the owner thread unparked. The owner
//! drains the inbox when it sees `pending` (acquire), and parks its OS thread only after it
//! saw `pending` clear; `std::thread::park`'s own token covers an unpark that comes between
//! that check and the park.

use super::publish::PublishOnce;
use crate::loom::{AtomicBool, AtomicU32, Mutex, Ordering, UnsafeCell};

#[cfg(all(test, yieldpoint_loom))]
mod loom_task;

/// The park field: the top two bits of the word, one of [`IDLE`], [`PARKED`], [`NOTIFIED`].
const PARK: u32 = 0b11 << 30;
/// Park field: running, ready, or about to park; no token.
const IDLE: u32 = 0;
/// Park field: the task is parked; the next wakeup puts it back on its owner's run queue.
const PARKED: u32 = 0b01 << 30;
/// Park field: a wakeup arrived while the task was not parked (a token); its next park
/// returns at once.
const NOTIFIED: u32 = 0b11 << 30;
/// What `try_park` adds to the word: [`IDLE`] → [`PARKED`], and [`NOTIFIED`] → [`IDLE`]
/// (the carry leaves the word), so a park is one `fetch_add` whichever it finds.
const PARK_STEP: u32 = 0b01 << 30;
/// A cancel is requested and not yet raised in the task.
const CANCEL: u32 = 1 << 0;
/// The joiner's waiter is registered (from then on it belongs to the owner).
const JOINING: u32 = 1 << 1;
/// The `JoinHandle` is gone; nobody will take the task's value.
const DETACHED: u32 = 1 << 2;
/// The task has finished: its error (and value) are published.
const FINISHED: u32 = 1 << 3;

/// A task's state word, with the joiner's waiter `W` and the error `E` its end hands over;
/// see the module docs.
pub(crate) struct State<W, E> {
    word: AtomicU32,
    /// The parked joiner; see the module docs for who may touch it when.
    joiner: UnsafeCell<Option<W>>,
    /// Why the task produced no value: published by the owner before `FINISHED`, taken by
    /// the joiner after.
    error: PublishOnce<E>,
}

// SAFETY: `joiner` is only reached by the two parties of the protocol in the module docs,
// at times the state word orders (release/acquire), and `error` is a `PublishOnce`, `Sync`
// for `E: Send`; what they hold moves between the two threads, which `W: Send` and
// `E: Send` allow.
unsafe impl<W: Send, E: Send> Sync for State<W, E> {}

/// What [`State::finish`] found: the joiner to wake, and whether the handle is gone.
pub(crate) struct Finished<W> {
    /// The registered joiner, to be woken.
    pub(crate) joiner: Option<W>,
    /// The `JoinHandle` was dropped first: the owner drops the value.
    pub(crate) detached: bool,
}

impl<W, E> State<W, E> {
    pub(crate) fn new() -> Self {
        State {
            word: AtomicU32::new(0),
            joiner: UnsafeCell::new(None),
            error: PublishOnce::new(),
        }
    }

    /// Replaces the word by `change(word)` in one read-modify-write (a compare-exchange
    /// loop, acquire-release), unless `change` returns `None`; returns the word it
    /// replaced (or last read).
    #[inline(always)]
    fn update(&self, mut change: impl FnMut(u32) -> Option<u32>) -> u32 {
        let mut word = self.word.load(Ordering::Relaxed);
        loop {
            let Some(next) = change(word) else {
                return word;
            };
            match self
                .word
                .compare_exchange_weak(word, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return word,
                Err(actual) => word = actual,
            }
        }
    }

    /// Moves the word on for a wakeup: `true` if the task was parked and the caller
    /// must put it back on its owner's run queue; otherwise leaves a token (or finds one).
    /// Callable from any thread.
    ///
    /// A token that is already there is written again (`NOTIFIED` → `NOTIFIED`), not just
    /// read: that release write is what orders this waker's earlier writes before the
    /// task's next run. A waker that only read `NOTIFIED` would not be ordered with the
    /// `try_park` that consumes the token, and the task could run, miss what this waker
    /// wrote (a timeout, a count), and park for good (found by the loom model
    /// `loom_task_park_wakeups_across_parks_are_never_lost`).
    #[inline]
    pub(crate) fn unpark(&self) -> bool {
        // The common case first, as a compare-exchange of the word just read (a handful
        // of instructions on every wakeup's path); the loop handles the rest.
        let word = self.word.load(Ordering::Relaxed);
        if word & (PARK | FINISHED) == PARKED
            && self
                .word
                .compare_exchange_weak(word, word - PARKED, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            return true;
        }
        // A finished task is left alone: one closed where it was parked (its scheduler
        // dropped) keeps `PARKED`, and must not be queued on a scheduler that is gone.
        let before = self.update(|word| (word & FINISHED == 0).then(|| wake(word)));
        before & (PARK | FINISHED) == PARKED
    }

    /// Requests a cancel and wakes the task for it, in one read-modify-write: `true` if
    /// the task was parked and the caller must put it back on its owner's run queue. A
    /// finished task is left alone. Callable from any thread.
    #[inline]
    pub(crate) fn request_cancel(&self) -> bool {
        let before = self.update(|word| (word & FINISHED == 0).then(|| wake(word) | CANCEL));
        before & (PARK | FINISHED) == PARKED
    }

    /// Called by the owner after the task switched out to park: `true` if it is now
    /// parked, `false` if a token was waiting (consumed) and the task must run again.
    ///
    /// Consuming the token is a read-modify-write, not a store: it reads the last token
    /// write, so it synchronises with every waker whose wakeup this token stands for.
    #[inline]
    pub(crate) fn try_park(&self) -> bool {
        let before = self.word.fetch_add(PARK_STEP, Ordering::AcqRel) & PARK;
        debug_assert!(before != PARKED, "only the owner parks its task, once");
        before == IDLE
    }

    /// Whether the task is parked (for snapshots: it may change at once).
    #[inline]
    pub(crate) fn is_parked(&self) -> bool {
        self.word.load(Ordering::Acquire) & PARK == PARKED
    }

    /// Whether a cancel is requested and not yet raised (the owner, at each resume).
    #[inline]
    pub(crate) fn cancel_requested(&self) -> bool {
        self.word.load(Ordering::Acquire) & CANCEL != 0
    }

    /// Uses up the cancel request: `true` if there was one, which the owner raises now,
    /// once; a new request sets it again.
    pub(crate) fn take_cancel(&self) -> bool {
        self.word.fetch_and(!CANCEL, Ordering::AcqRel) & CANCEL != 0
    }

    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.word.load(Ordering::Acquire) & FINISHED != 0
    }

    /// Publishes the task's end (with `error` if it produced no value). Called by the
    /// task's owner thread, after the value was stored; a second call changes nothing (and
    /// drops its `error`).
    pub(crate) fn finish(&self, error: Option<E>) -> Finished<W> {
        // Relaxed: only this thread sets `FINISHED`.
        if self.word.load(Ordering::Relaxed) & FINISHED != 0 {
            return Finished {
                joiner: None,
                detached: false,
            };
        }
        if let Some(error) = error {
            // Only the owner publishes, and only before `FINISHED`: this is the first.
            let published = self.error.publish(error);
            debug_assert!(published.is_ok(), "a task's end is published once");
        }
        let before = self.word.fetch_or(FINISHED, Ordering::AcqRel);
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
        if self.register_joiner(waiter) {
            return;
        }
        // Registered while unfinished: the end comes after, and wakes this joiner.
        loop {
            park();
            if self.is_finished() {
                return;
            }
        }
    }

    /// The first half of [`wait`](Self::wait), and the whole of a `JoinHandle` poll:
    /// registers the joiner (`waiter()`) unless the task has finished; `true` if it has
    /// (then nothing stays registered), `false` if the owner will take and wake the waiter
    /// at the end.
    ///
    /// Only the task's one joiner calls this; it may call it again (a future polled again
    /// with a new waker): the waiter registered before is taken back (`unregister_joiner`)
    /// and replaced, so only the last one is woken.
    #[inline(always)]
    pub(crate) fn register_joiner(&self, waiter: impl FnOnce() -> W) -> bool {
        let word = self.word.load(Ordering::Acquire);
        if word & FINISHED != 0 {
            return true;
        }
        if word & JOINING != 0 && self.unregister_joiner() {
            return true;
        }
        let waiter = waiter();
        // SAFETY: not `JOINING` (never set, or cleared by `unregister_joiner` just above):
        // the owner does not touch `joiner` until it sees `JOINING`, and this is the only
        // joiner.
        self.joiner.with_mut(|slot| unsafe { *slot = Some(waiter) });
        if self.word.fetch_or(JOINING, Ordering::AcqRel) & FINISHED == 0 {
            return false;
        }
        // Finished before the registration: the owner saw no `JOINING` and left the waiter
        // alone; it is never woken, so take it back.
        // SAFETY: the owner's `finish` already happened and takes the joiner only when it
        // read `JOINING`, which it did not.
        drop(self.joiner.with_mut(|slot| unsafe { (*slot).take() }));
        true
    }

    /// Takes back (and drops) the waiter the joiner registered, by clearing `JOINING`
    /// unless the task has finished: `true` if it has (the owner took the waiter and woke
    /// it, or will: it is not the joiner's any more). Only the joiner calls this, and only
    /// when it set `JOINING` before.
    #[cold]
    fn unregister_joiner(&self) -> bool {
        let before = self.update(|word| (word & FINISHED == 0).then_some(word & !JOINING));
        if before & FINISHED != 0 {
            return true;
        }
        debug_assert!(
            before & JOINING != 0,
            "only a registered joiner unregisters"
        );
        // SAFETY: this read-modify-write cleared `JOINING` before any `FINISHED`: the
        // owner's `finish`, later, will not see `JOINING` (until the joiner sets it again)
        // and leaves the slot alone; the joiner is the only other party.
        drop(self.joiner.with_mut(|slot| unsafe { (*slot).take() }));
        false
    }

    /// Records that the `JoinHandle` is gone: `true` if the task has finished, and the
    /// caller must drop its value; otherwise the owner will, at the end.
    ///
    /// A handle that registered a waiter (a cancelled `join`, a dropped future) takes it
    /// back first, unless the task has finished, so the owner wakes nobody at the end.
    pub(crate) fn detach(&self) -> bool {
        // Relaxed: only the joiner (this handle) sets `JOINING`.
        if self.word.load(Ordering::Relaxed) & JOINING != 0 {
            // Taken back if still unfinished; else the owner has it (and wakes it).
            self.unregister_joiner();
        }
        self.word.fetch_or(DETACHED, Ordering::AcqRel) & FINISHED != 0
    }

    /// The error the task ended with, if any, once: the task's one joiner takes it after
    /// [`is_finished`](Self::is_finished) returned `true` (before, there is none yet).
    pub(crate) fn take_error(&self) -> Option<E> {
        debug_assert!(self.is_finished());
        self.error.take()
    }
}

/// `word` after a wakeup: a parked task is unparked (and requeued by the waker), any other
/// gets a token.
#[inline(always)]
fn wake(word: u32) -> u32 {
    if word & PARK == PARKED {
        word & !PARK
    } else {
        word | NOTIFIED
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
