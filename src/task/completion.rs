//! How a task's end reaches its `JoinHandle`: a small state machine instead of locks.
//!
//! A task has one owner (the scheduler thread that runs it) and at most one joiner (the
//! `JoinHandle`, whose `join` takes it by value). The owner writes the task's value or its
//! error, then publishes them with a release store of `FINISHED`; the joiner reads them
//! only after an acquire load saw `FINISHED`. That single handoff is all the
//! synchronisation the value and the error need, so neither sits behind a mutex. The
//! completion word and the joiner's registration are [`JoinState`] (`state.rs`, where
//! their loom model tests are); this module adds the task's value.
//!
//! The value waits where its [`ValueSlot`] says: inside the header ([`InlineValue`]) when it
//! is `Send` and at most 32 bytes, so that such a task allocates nothing for it; otherwise
//! in an [`Output`] of its own.
//!
//! The joiner registers itself (as a [`Waiter`]) before it parks; `state.rs` draws the
//! states and says who may touch the waiter when.

use std::mem::{align_of, size_of, MaybeUninit};
use std::panic::AssertUnwindSafe;

use std::sync::Arc;

use super::state::JoinState;
use super::{JoinError, WaitReason};
use crate::loom::UnsafeCell;
use crate::sync::wait_list::{park_current, Waiter};

/// The end of one task as its owner and its joiner share it.
pub(crate) struct Completion {
    /// The completion word, the parked joiner and the task's error.
    join: JoinState<Waiter, JoinError>,
    /// The value of a task whose value is small and `Send`: written by the body before
    /// `FINISHED`, taken by the joiner after.
    value: InlineValue,
}

// SAFETY: `join` is `Sync` (its `Waiter` and `JoinError` are `Send`); `value` is only
// reached by the body (before `FINISHED`) and the joiner (after), an order the completion
// word's release/acquire sets; what it holds was stored through the `T: Send` `set_value`.
unsafe impl Sync for Completion {}

impl Completion {
    pub(crate) fn new() -> Self {
        Completion {
            join: JoinState::new(),
            value: InlineValue::new(),
        }
    }

    #[inline]
    pub(crate) fn is_finished(&self) -> bool {
        self.join.is_finished()
    }

    /// Publishes the task's end (with `error` if it produced no value) and wakes its
    /// joiner. Called by the task's owner thread; a second call changes nothing.
    pub(crate) fn finish(&self, error: Option<JoinError>) {
        if let Some(joiner) = self.join.finish(error) {
            joiner.wake();
        }
    }

    /// Parks the calling task (or blocks the calling thread) until the task has finished.
    ///
    /// Only the task's one joiner calls this. A wakeup that finds the task unfinished (a
    /// stale park token) parks again. Inlined, so that a green thread parks in the frame
    /// that called `join` (see "Return-address prediction" in `sched/local.rs`).
    #[inline(always)]
    pub(crate) fn wait(&self) {
        self.join
            .wait(Waiter::current, || park_current(WaitReason::Join));
    }

    /// The error the task ended with, if any.
    ///
    /// # Safety
    ///
    /// The caller is the task's one joiner, it saw [`is_finished`](Self::is_finished)
    /// return `true`, and nothing else takes the error.
    pub(crate) unsafe fn take_error(&self) -> Option<JoinError> {
        // SAFETY: per this function's contract, which is `JoinState::take_error`'s.
        unsafe { self.join.take_error() }
    }

    /// Stores the body's value in the task's header.
    ///
    /// # Safety
    ///
    /// Called once, by the task's body, before its owner calls [`finish`](Self::finish),
    /// with a `T` that [`InlineValue::fits`].
    pub(crate) unsafe fn set_value<T: Send>(&self, value: T) {
        // SAFETY: per this function's contract.
        unsafe { self.value.set(value) }
    }

    /// Takes the value the body stored in the header, if it stored one.
    ///
    /// # Safety
    ///
    /// As [`take_error`](Self::take_error), and `T` is the type the body stored (through
    /// `set_value`, so it is `Send`).
    pub(crate) unsafe fn take_value<T>(&self) -> Option<T> {
        debug_assert!(self.is_finished());
        // SAFETY: per this function's contract.
        unsafe { self.value.take() }
    }
}

/// Room for a small value inside the header, so that a task whose value fits needs no
/// allocation for it (the common `()` included).
pub(crate) struct InlineValue {
    bytes: UnsafeCell<MaybeUninit<[u64; INLINE_WORDS]>>,
    /// Drops the value in `bytes`: set when one is stored, cleared when it is taken.
    drop: UnsafeCell<Option<unsafe fn(*mut u8)>>,
}

/// Words of [`InlineValue`]: a `String`, a `Vec` or four integers fit.
const INLINE_WORDS: usize = 4;

impl InlineValue {
    pub(crate) fn new() -> Self {
        InlineValue {
            bytes: UnsafeCell::new(MaybeUninit::uninit()),
            drop: UnsafeCell::new(None),
        }
    }

    /// Whether a `T` fits (size and alignment).
    pub(crate) const fn fits<T>() -> bool {
        size_of::<T>() <= size_of::<[u64; INLINE_WORDS]>() && align_of::<T>() <= align_of::<u64>()
    }

    /// Stores `value`.
    ///
    /// # Safety
    ///
    /// As [`Completion::set_value`].
    pub(crate) unsafe fn set<T: Send>(&self, value: T) {
        unsafe fn drop_value<T>(bytes: *mut u8) {
            // SAFETY: `bytes` holds a `T` written by `set` and not taken.
            unsafe { std::ptr::drop_in_place(bytes.cast::<T>()) }
        }
        assert!(Self::fits::<T>(), "an inline task value must fit");
        // SAFETY: `T` fits (checked above) and, per the contract, nothing else reaches the
        // cells now: the joiner reads only after `FINISHED`, which comes later.
        self.bytes
            .with_mut(|bytes| unsafe { (*bytes).as_mut_ptr().cast::<T>().write(value) });
        // SAFETY: as above.
        self.drop
            .with_mut(|slot| unsafe { *slot = Some(drop_value::<T> as unsafe fn(*mut u8)) });
    }

    /// Takes the stored value, if there is one.
    ///
    /// # Safety
    ///
    /// As [`Completion::take_value`].
    pub(crate) unsafe fn take<T>(&self) -> Option<T> {
        // SAFETY: per the contract: the body's writes happened before `FINISHED`, and the
        // caller is the only reader; a stored value is a `T`.
        self.drop.with_mut(|slot| unsafe { (*slot).take() })?;
        // SAFETY: as above; `drop` was set, so `bytes` holds a `T`, now taken out once.
        Some(
            self.bytes
                .with(|bytes| unsafe { (*bytes).as_ptr().cast::<T>().read() }),
        )
    }
}

impl Drop for InlineValue {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: nothing else reaches the cells.
        if let Some(drop_value) = self.drop.with_mut(|slot| unsafe { (*slot).take() }) {
            let dropped = std::panic::catch_unwind(AssertUnwindSafe(|| {
                self.bytes.with_mut(|bytes| {
                    // SAFETY: `drop` is set only while `bytes` holds the value it drops
                    // (taken above, so it runs once even if it panics); the value is `Send`,
                    // so any thread may drop it.
                    unsafe { drop_value((*bytes).as_mut_ptr().cast()) }
                })
            }));
            // The last reference to a task's header may go anywhere, a scheduler's loop
            // included: a panic from a value no one joined must not unwind out of there
            // (tokio drops an unjoined output under `catch_unwind` too).
            if dropped.is_err() {
                eprintln!(
                    "yieldpoint: dropping the value of a task that no one joined panicked; \
                     the panic was caught"
                );
            }
        }
    }
}

/// Where a task's body leaves its return value for the `JoinHandle` when the value
/// cannot stay in the header (it is not `Send`, or too big for [`InlineValue`]).
///
/// Written once, by the body on its owner thread, before the owner publishes the task's end
/// ([`Completion::finish`]); taken once, by `JoinHandle::join`, after it saw the task
/// finished. That handoff orders the two accesses.
pub(crate) struct Output<T>(UnsafeCell<Option<T>>);

// SAFETY: the value moves from the owner thread to the joiner's thread at most once, in the
// handoff described above; `T: Send` allows that move. Nothing reads it concurrently.
unsafe impl<T: Send> Send for Output<T> {}
// SAFETY: as for `Send`: the two accesses through `&Output` are ordered by the handoff.
unsafe impl<T: Send> Sync for Output<T> {}

impl<T> Output<T> {
    pub(crate) fn new() -> Self {
        Output(UnsafeCell::new(None))
    }

    /// Stores the body's value.
    ///
    /// # Safety
    ///
    /// Called once, by the task's body, before its owner calls [`Completion::finish`].
    pub(crate) unsafe fn set(&self, value: T) {
        // SAFETY: per the contract, the joiner does not read before `finish`, which comes
        // after this write on the same thread.
        self.0.with_mut(|slot| unsafe { *slot = Some(value) });
    }

    /// Takes the value, if the body stored one.
    ///
    /// # Safety
    ///
    /// Called once, by the task's joiner, after it saw the task finished.
    pub(crate) unsafe fn take(&self) -> Option<T> {
        // SAFETY: per the contract, the body's write happened before `FINISHED`, which the
        // caller observed; nobody else touches the value.
        self.0.with_mut(|slot| unsafe { (*slot).take() })
    }
}

/// Where a task's value waits for its `JoinHandle`.
pub(crate) enum ValueSlot<T> {
    /// In the task's header ([`Completion::set_value`]).
    InHeader,
    /// In its own allocation.
    Shared(Arc<Output<T>>),
}
