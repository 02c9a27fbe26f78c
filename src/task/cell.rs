//! One allocation per task: its [`Header`] (the state every party shares) and its body (the
//! closure until it runs, then its value until the `JoinHandle` takes it).
//!
//! The body's type is erased behind the [`Body`] trait, so every task is the same
//! [`TaskRef`] (`Arc<TaskCell<dyn Body>>`) whatever it computes; the header sits at a fixed
//! offset, so reaching it needs no virtual call. tokio's `runtime::task::core::Cell` has
//! the same shape (header, then the future or its output).
//!
//! # Who touches the body when
//!
//! | stage      | written by                                 | read or taken by                       |
//! |------------|--------------------------------------------|----------------------------------------|
//! | `Unrun(f)` | the spawner, before the task is queued     | the owner thread: [`Body::run`] on the task's stack, or [`Body::drop_unrun`] |
//! | `Running`  | `run`, while `f` runs                      | nobody                                 |
//! | `Done(v)`  | `run`, before the owner publishes the end | after the end (completion word `FINISHED`): the joiner ([`Body::take_output`]), or whoever sees the handle gone ([`Body::drop_output`]) |
//!
//! The completion word (`state.rs`) orders the two halves: the owner publishes the end with
//! a release after `run` returned, and the value is touched only after an acquire saw it.
//! Who drops an unjoined value is decided there too (`detach`): the owner, right after the
//! end, if the handle was dropped first; the handle's drop otherwise. So a value that is not
//! `Send` is dropped on the thread of its handle (which is not `Send` either) or of its
//! owner, the same thread, never wherever the last reference to the cell happens to go.

use std::cell::UnsafeCell;
use std::mem;
use std::ops::Deref;
use std::sync::Arc;

use super::header::Header;

/// A task: its header and its type-erased body, in one allocation.
pub(crate) struct TaskCell<B: ?Sized = dyn Body> {
    pub(crate) header: Header,
    body: B,
}

/// A reference to a task (the scheduler's, a waiter's, a `JoinHandle`'s).
pub(crate) type TaskRef = Arc<TaskCell>;

impl TaskCell {
    /// A task whose body is `f`.
    pub(crate) fn new<F, T>(header: Header, f: F) -> TaskRef
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        Arc::new(TaskCell {
            header,
            body: BodyCell(UnsafeCell::new(Stage::Unrun(f))),
        })
    }

    /// The task's body.
    #[inline]
    pub(crate) fn body(&self) -> &dyn Body {
        &self.body
    }
}

impl<B: ?Sized> Deref for TaskCell<B> {
    type Target = Header;

    #[inline]
    fn deref(&self) -> &Header {
        &self.header
    }
}

/// A task's closure and then its value, type-erased; see the module docs for who may call
/// what when.
pub(crate) trait Body: Send + Sync {
    /// Runs the closure and keeps its value. Owner thread, once, on the task's stack.
    fn run(&self);

    /// Drops the closure if it never ran (the task ended before it started); does nothing
    /// otherwise. Owner thread; may panic (a capture's `Drop`).
    fn drop_unrun(&self);

    /// Moves the value, if the closure returned one, into `*out`.
    ///
    /// # Safety
    ///
    /// `out` points to an `Option<T>` for the `T` this body returns; the caller is the
    /// task's joiner and saw the task finished.
    unsafe fn take_output(&self, out: *mut ());

    /// Drops the value, if any: nobody will take it. May panic (the value's `Drop`).
    ///
    /// # Safety
    ///
    /// The task has finished and the caller is the one party the completion word chose to
    /// drop it (see `detach` in `state.rs`).
    unsafe fn drop_output(&self);
}

/// Where a task's closure `F` and then its value `T` live.
struct BodyCell<F, T>(UnsafeCell<Stage<F, T>>);

enum Stage<F, T> {
    Unrun(F),
    Running,
    Done(T),
    Empty,
}

// SAFETY: the stage is reached by one party at a time, in the order the module docs give:
// the owner thread before the task's end (the closure, then writing the value), the joiner
// or the handle's drop after it, ordered by the completion word's release/acquire. A closure
// moves between threads only if it is `Send` (`spawn` demands it; `spawn_local` creates the
// cell on its owner thread), and a value is taken or dropped on another thread than its
// owner only through a `JoinHandle<T>` that is `Send`, that is when `T: Send`.
unsafe impl<F, T> Send for BodyCell<F, T> {}
// SAFETY: as for `Send`: no two parties reach the stage at the same time.
unsafe impl<F, T> Sync for BodyCell<F, T> {}

impl<F: FnOnce() -> T, T> BodyCell<F, T> {
    /// Replaces the stage, returning the old one.
    ///
    /// # Safety
    ///
    /// The caller is the party the module docs allow to touch the stage now.
    unsafe fn replace(&self, stage: Stage<F, T>) -> Stage<F, T> {
        // SAFETY: per this function's contract, nothing else reaches the stage.
        unsafe { mem::replace(&mut *self.0.get(), stage) }
    }
}

impl<F: FnOnce() -> T, T> Body for BodyCell<F, T> {
    fn run(&self) {
        // SAFETY: the owner thread runs the body once, before the task's end.
        let Stage::Unrun(f) = (unsafe { self.replace(Stage::Running) }) else {
            unreachable!("a task's body runs once");
        };
        let value = f();
        // SAFETY: as above; the end is published after this returns.
        unsafe { self.replace(Stage::Done(value)) };
    }

    fn drop_unrun(&self) {
        // SAFETY: the owner thread, before the task's end (it ends now).
        let stage = unsafe { &mut *self.0.get() };
        if matches!(stage, Stage::Unrun(_)) {
            drop(mem::replace(stage, Stage::Empty));
        }
    }

    unsafe fn take_output(&self, out: *mut ()) {
        // SAFETY: per the contract, the joiner after the end: nobody else reaches the stage.
        if let Stage::Done(value) = unsafe { self.replace(Stage::Empty) } {
            // SAFETY: per the contract, `out` is an `Option<T>` of this `T`.
            unsafe { *out.cast::<Option<T>>() = Some(value) };
        }
    }

    unsafe fn drop_output(&self) {
        // SAFETY: per the contract.
        drop(unsafe { self.replace(Stage::Empty) });
    }
}
