//! The synchronisation primitives of the lock-free protocols, from std or from loom.
//!
//! The protocols whose every interleaving is checked by a loom model test
//! ([`task::state`](crate::task::state)) take their atomics, locks and cells from here: the
//! std ones in a normal build, loom's when built with `RUSTFLAGS="--cfg yieldpoint_loom"`,
//! so that the model tests run the very code the schedulers run (tokio's `src/loom/`).
//!
//! The cfg is `yieldpoint_loom`, not `loom`: `RUSTFLAGS` reaches every crate of the build,
//! and dependencies of ours (concurrent-queue, event-listener, through `blocking`) switch
//! to loom under `cfg(loom)` without loom being one of their enabled dependencies, so they
//! would not compile (crossbeam has `crossbeam_loom` for the same reason).
//!
//! [`UnsafeCell`] has loom's closure API (`with`, `with_mut`) in both builds: loom checks
//! every access made through it against the happens-before order of the model; the std
//! version compiles to a plain pointer access.

#[cfg(not(yieldpoint_loom))]
pub(crate) use std::sync::{
    atomic::{fence, AtomicBool, AtomicU32, AtomicUsize, Ordering},
    Mutex,
};

#[cfg(yieldpoint_loom)]
pub(crate) use ::loom::cell::UnsafeCell;
#[cfg(yieldpoint_loom)]
pub(crate) use ::loom::sync::{
    atomic::{fence, AtomicBool, AtomicU32, AtomicUsize, Ordering},
    Mutex,
};

/// `std::cell::UnsafeCell` with loom's closure API.
#[cfg(not(yieldpoint_loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(yieldpoint_loom))]
impl<T> UnsafeCell<T> {
    #[inline(always)]
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a pointer for reading and writing the value.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
