//! Something to wake: a green thread when the wait happens inside a scheduler, the OS
//! thread otherwise, or a future's [`Waker`] when async code waits (a `JoinHandle` or a
//! `sync` future polled by any executor); and the park that waits for the wakeup. Every green-aware wait
//! (`join`, `sync`, `time`, `future`) registers a [`Waiter`] and calls [`park_current`].
//!
//! Parking is token based (like `std::thread::park`): a wakeup that arrives between
//! registering and parking is not lost, it makes the park return at once.

// OS-thread waiters: std's threads, or loom's in the channel's model test
// (tests/loom_channel.rs, built with `RUSTFLAGS="--cfg yieldpoint_loom"`).
#[cfg(yieldpoint_loom)]
use loom::thread as os_thread;
use os_thread::Thread;
#[cfg(not(yieldpoint_loom))]
use std::thread as os_thread;

use std::task::Waker;

use super::cell::TaskRef;
use super::context::{self, Interrupt};
use super::WaitReason;

/// Something that can be woken: a green thread, an OS thread, or a future's waker.
pub(crate) enum Waiter {
    Task(TaskRef),
    Thread(Thread),
    /// A future waits: waking it wakes whatever executor polls it (tokio, `futures`, or
    /// yieldpoint's own `future::await_`).
    Waker(Waker),
}

impl Waiter {
    /// The green thread running here, or else this OS thread.
    #[inline]
    pub(crate) fn current() -> Waiter {
        match context::current_task() {
            Some(header) => Waiter::Task(header),
            None => Waiter::Thread(os_thread::current()),
        }
    }

    #[inline]
    pub(crate) fn wake(self) {
        match self {
            Waiter::Task(header) => header.unpark_owned(),
            Waiter::Thread(thread) => thread.unpark(),
            Waiter::Waker(waker) => waker.wake(),
        }
    }

    pub(crate) fn wake_ref(&self) {
        match self {
            Waiter::Task(header) => header.unpark(),
            Waiter::Thread(thread) => thread.unpark(),
            Waiter::Waker(waker) => waker.wake_by_ref(),
        }
    }
}

/// Parks the current green thread (or OS thread) until woken; may return spuriously.
#[inline(always)]
pub(crate) fn park_current(reason: WaitReason) {
    if !context::park_task(reason) {
        // Outside a green thread, or while one unwinds: the OS thread waits.
        #[cfg(not(yieldpoint_loom))]
        context::park_thread(reason);
        #[cfg(yieldpoint_loom)]
        os_thread::park();
    }
}

/// [`park_current`] that returns an interrupt delivered at the park instead of raising it
/// (see [`context::park_task_or_interrupt`]); outside a green thread, or while one
/// unwinds, the OS thread waits and nothing interrupts it.
#[inline(always)]
pub(crate) fn park_current_or_interrupt(reason: WaitReason) -> Result<(), Interrupt> {
    if !context::park_task_or_interrupt(reason)? {
        #[cfg(not(yieldpoint_loom))]
        context::park_thread(reason);
        #[cfg(yieldpoint_loom)]
        os_thread::park();
    }
    Ok(())
}
