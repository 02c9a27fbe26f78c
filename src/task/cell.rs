//! One allocation per task: its [`Header`] (the state every party shares) and its body (the
//! closure until it runs, then its value until the `JoinHandle` takes it), reached through
//! one thin, reference-counted pointer, [`TaskRef`].
//!
//! The body's type is erased behind a [`Vtable`] of functions made for it, so every task
//! is the same `TaskRef` whatever it computes, and the header is at offset 0 of the cell
//! (`#[repr(C)]`), so reaching it costs nothing. This is the shape of tokio's
//! `runtime::task` (`Cell`, `Header`, `RawTask`, `Vtable`); a `std::sync::Arc<dyn Body>`
//! would be a fat pointer whose every dereference reads the body's alignment from its
//! vtable, measured at about 60 more instructions per task switch.
//!
//! The allocation's memory comes from a per-thread cache of freed cells (`cell_cache.rs`),
//! which saves the global allocator's `malloc`/`free` on every spawn.
//!
//! # Who touches the body when
//!
//! | stage      | written by                                 | read or taken by                       |
//! |------------|--------------------------------------------|----------------------------------------|
//! | `Unrun(f)` | the spawner, before the task is queued     | the owner thread: [`TaskRef::run_body`] on the task's stack, or [`TaskRef::drop_unrun`] |
//! | `Running`  | `run_body`, while `f` runs                 | nobody                                 |
//! | `Done(v)`  | `run_body`, before the owner publishes the end | after the end (state word `FINISHED`): the joiner ([`TaskRef::take_output`]), or the party that `detach` picks ([`TaskRef::drop_output`]) |
//!
//! The state word (`state.rs`) orders the two halves: the owner publishes the end with
//! a release after `run_body` returned, and the value is touched only after an acquire saw
//! it. Who drops an unjoined value is decided there too (`detach`): the owner, right after
//! the end, if the handle was dropped first; the handle's drop otherwise. So a value that is
//! not `Send` is dropped on the thread of its handle (which is not `Send` either) or of its
//! owner, the same thread, never wherever the last reference to the cell happens to go.
//!
//! # The reference count
//!
//! As `std::sync::Arc`'s: a clone adds one (relaxed: the clone was made from a live
//! reference), a drop subtracts one with release, and the drop that reaches zero takes an
//! acquire fence before it frees the cell, so every use of the task happened before.

use std::alloc::Layout;
use std::cell::UnsafeCell;
use std::mem::{self, ManuallyDrop};
use std::ops::Deref;
use std::panic::Location;
use std::ptr::{self, NonNull};
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;

use super::cell_cache;
use super::header::Header;
use super::TaskId;

/// The functions of one body type, for a task whose type is erased.
pub(crate) struct Vtable {
    run: unsafe fn(NonNull<Header>),
    drop_unrun: unsafe fn(NonNull<Header>),
    take_output: unsafe fn(NonNull<Header>, *mut ()),
    drop_output: unsafe fn(NonNull<Header>),
    dealloc: unsafe fn(NonNull<Header>),
}

/// The allocation of a task whose closure is `F` and value `T`.
#[repr(C)]
struct TaskCell<F, T> {
    /// First, so that a pointer to the cell is a pointer to its header.
    header: Header,
    stage: UnsafeCell<Stage<F, T>>,
}

enum Stage<F, T> {
    Unrun(F),
    Running,
    Done(T),
    Empty,
}

/// A counted reference to a task (the scheduler's, a waiter's, a `JoinHandle`'s).
pub(crate) struct TaskRef(NonNull<Header>);

// SAFETY: the header is made for sharing between threads (atomics and locks). The body's
// stage is reached by one party at a time, in the order the module docs give: the owner
// thread before the task's end (the closure, then writing the value), the joiner or the
// handle's drop after it, ordered by the state word. A closure moves between threads
// only if it is `Send` (`spawn` demands it; `spawn_local` makes the cell on its owner thread
// and its task never leaves it), and a value is taken or dropped on another thread than
// its owner only through a `JoinHandle<T>` that is `Send`, that is when `T: Send`. The cell
// is freed by the last reference wherever it goes, with the closure and the value gone by
// then (taken, or dropped by the owner: see `drop_unrun` and `detach`).
unsafe impl Send for TaskRef {}
// SAFETY: as for `Send`: `&TaskRef` gives only `&Header` and the body operations above.
unsafe impl Sync for TaskRef {}

impl TaskRef {
    /// A new task, named `name` and spawned at `spawned_at`, whose body is `f`; the one
    /// reference to it.
    #[inline]
    pub(crate) fn new<F, T>(
        id: TaskId,
        name: Option<Arc<str>>,
        spawned_at: &'static Location<'static>,
        f: F,
    ) -> TaskRef
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        let cell = cell_cache::alloc(Layout::new::<TaskCell<F, T>>()).cast::<TaskCell<F, T>>();
        // SAFETY: `cell` is fresh memory for a `TaskCell<F, T>` (its layout), which
        // nothing else reaches.
        unsafe {
            cell.as_ptr().write(TaskCell {
                header: Header::new(id, name, spawned_at, vtable::<F, T>()),
                stage: UnsafeCell::new(Stage::<F, T>::Unrun(f)),
            })
        };
        TaskRef(cell.cast())
    }

    /// The pointer, for the run loop and the task context; the reference moves into it
    /// (give it back with [`from_raw`](Self::from_raw)).
    #[inline]
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        ManuallyDrop::new(self).0
    }

    /// Takes back a reference given away by [`into_raw`](Self::into_raw).
    ///
    /// # Safety
    ///
    /// `raw` came from `into_raw` and that reference has not been taken back yet.
    #[inline]
    pub(crate) unsafe fn from_raw(raw: NonNull<Header>) -> TaskRef {
        TaskRef(raw)
    }

    /// A new reference to the task at `raw`.
    ///
    /// # Safety
    ///
    /// `raw` came from [`as_raw`](Self::as_raw) or [`into_raw`](Self::into_raw), and a
    /// reference to that task is alive for the whole call.
    #[inline]
    pub(crate) unsafe fn clone_raw(raw: NonNull<Header>) -> TaskRef {
        let borrowed = ManuallyDrop::new(TaskRef(raw));
        TaskRef::clone(&borrowed)
    }

    /// The task's pointer, the reference staying here.
    #[inline]
    pub(crate) fn as_raw(&self) -> NonNull<Header> {
        self.0
    }

    /// Whether two references are to one task.
    #[inline]
    pub(crate) fn ptr_eq(a: &TaskRef, b: &TaskRef) -> bool {
        a.0 == b.0
    }

    /// Runs the closure and keeps its value. Owner thread, once, on the task's stack.
    #[inline]
    pub(crate) fn run_body(&self) {
        // SAFETY: `self.0` is the head of a cell of the vtable's types (`new`).
        unsafe { (self.vtable().run)(self.0) }
    }

    /// Drops the closure if it never ran (the task ended before it started); nothing
    /// otherwise. Owner thread; may panic (a capture's `Drop`).
    pub(crate) fn drop_unrun(&self) {
        // SAFETY: as in `run_body`.
        unsafe { (self.vtable().drop_unrun)(self.0) }
    }

    /// Moves the value, if the closure returned one, into `*out`.
    ///
    /// # Safety
    ///
    /// `out` points to an `Option<T>` for the `T` this task returns; the caller is the
    /// task's joiner and saw the task finished.
    pub(crate) unsafe fn take_output(&self, out: *mut ()) {
        // SAFETY: per this function's contract, and as in `run_body`.
        unsafe { (self.vtable().take_output)(self.0, out) }
    }

    /// Drops the value, if any: nobody will take it. May panic (the value's `Drop`).
    ///
    /// # Safety
    ///
    /// The task has finished and the caller is the one party the state word chose to
    /// drop it (see `detach` in `state.rs`).
    pub(crate) unsafe fn drop_output(&self) {
        // SAFETY: per this function's contract, and as in `run_body`.
        unsafe { (self.vtable().drop_output)(self.0) }
    }
}

impl Deref for TaskRef {
    type Target = Header;

    #[inline]
    fn deref(&self) -> &Header {
        // SAFETY: the reference keeps the cell, whose head is the header, allocated.
        unsafe { self.0.as_ref() }
    }
}

impl Clone for TaskRef {
    #[inline]
    fn clone(&self) -> TaskRef {
        // Relaxed, as `Arc::clone`: a new reference is made from a live one.
        let before = self.refs().fetch_add(1, Ordering::Relaxed);
        if before > isize::MAX as usize {
            std::process::abort(); // as `Arc`: a leak of this many references is a bug
        }
        TaskRef(self.0)
    }
}

impl Drop for TaskRef {
    #[inline]
    fn drop(&mut self) {
        if self.refs().fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        // SAFETY: the last reference: nobody reaches the cell any more; `self.0` is the
        // head of a cell of the vtable's types, allocated by `new`.
        unsafe { (self.vtable().dealloc)(self.0) }
    }
}

/// The table of the body type `F` → `T`.
fn vtable<F: FnOnce() -> T, T>() -> &'static Vtable {
    &Vtable {
        run: run::<F, T>,
        drop_unrun: drop_unrun::<F, T>,
        take_output: take_output::<F, T>,
        drop_output: drop_output::<F, T>,
        dealloc: dealloc::<F, T>,
    }
}

/// The stage of the cell at `ptr`.
///
/// # Safety
///
/// `ptr` is the head of a live `TaskCell<F, T>` (its pointer from `TaskRef::new`, so its
/// provenance covers the whole cell), and the caller is the party the module docs allow
/// to touch the stage now.
unsafe fn stage<'a, F, T>(ptr: NonNull<Header>) -> &'a mut Stage<F, T> {
    // SAFETY: per the contract; `TaskCell` is `repr(C)` with the header first.
    unsafe { &mut *ptr.cast::<TaskCell<F, T>>().as_ref().stage.get() }
}

unsafe fn run<F: FnOnce() -> T, T>(ptr: NonNull<Header>) {
    // SAFETY: the owner thread runs the body once, before the task's end; the borrow ends
    // before `f` runs (which may reach the task through other references).
    let Stage::Unrun(f) = mem::replace(unsafe { stage::<F, T>(ptr) }, Stage::Running) else {
        unreachable!("a task's body runs once");
    };
    let value = f();
    // SAFETY: as above; the end is published after this returns.
    *unsafe { stage::<F, T>(ptr) } = Stage::Done(value);
}

unsafe fn drop_unrun<F: FnOnce() -> T, T>(ptr: NonNull<Header>) {
    // SAFETY: the owner thread, before the task's end (it ends now).
    let stage = unsafe { stage::<F, T>(ptr) };
    if matches!(stage, Stage::Unrun(_)) {
        drop(mem::replace(stage, Stage::Empty));
    }
}

unsafe fn take_output<F: FnOnce() -> T, T>(ptr: NonNull<Header>, out: *mut ()) {
    // SAFETY: per `TaskRef::take_output`: the joiner after the end.
    if let Stage::Done(value) = mem::replace(unsafe { stage::<F, T>(ptr) }, Stage::Empty) {
        // SAFETY: per `TaskRef::take_output`, `out` is an `Option<T>` of this `T`.
        unsafe { *out.cast::<Option<T>>() = Some(value) };
    }
}

unsafe fn drop_output<F: FnOnce() -> T, T>(ptr: NonNull<Header>) {
    // SAFETY: per `TaskRef::drop_output`.
    drop(mem::replace(unsafe { stage::<F, T>(ptr) }, Stage::Empty));
}

unsafe fn dealloc<F: FnOnce() -> T, T>(ptr: NonNull<Header>) {
    let cell = ptr.cast::<TaskCell<F, T>>();
    // SAFETY: per `Drop for TaskRef`: the cell was allocated and written as a
    // `TaskCell<F, T>` by `new`, and this is the last reference, so nothing reaches it
    // after it is dropped here.
    unsafe { ptr::drop_in_place(cell.as_ptr()) };
    // SAFETY: `new` took this memory from `cell_cache::alloc` with this layout; the cell
    // in it was dropped just above.
    unsafe { cell_cache::dealloc(cell.cast(), Layout::new::<TaskCell<F, T>>()) };
}
