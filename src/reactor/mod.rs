//! The reactor: one [`polling::Poller`] per OS thread, where that thread's green threads
//! wait for file descriptors to become readable or writable, and where the thread itself
//! waits when it has nothing to run.
//!
//! Python: the selector under asyncio's event loop (PEP 3156's `add_reader` /
//! `add_writer`, `selectors.DefaultSelector`). Go: the netpoller (`runtime/netpoll.go`).
//!
//! # Design
//!
//! - **One poller per thread.** A started task never leaves its thread, so a task always
//!   waits on the poller of the thread that runs it, and the events of a poller are handled
//!   by the thread that waits in it: a task registers its wait and parks, and the events
//!   that could wake it are read only after it switched out, by the same thread. So no
//!   readiness is lost between a read that would block and the park (Go's two-phase park
//!   needs its `pdReady` state because its netpoller runs on any thread; here the thread
//!   order gives it for free), as long as every wait first tries the operation
//!   ([`Registration::io`]).
//! - **Edge-triggered where the OS offers it** (epoll, kqueue): a file descriptor is added
//!   once per poller, for both directions, and never re-armed; elsewhere it is added in
//!   oneshot mode and re-armed, for the directions waited on, before each wait.
//! - **The idle thread waits in its poller.** A scheduler thread with nothing to run calls
//!   [`Reactor::park`] with the next timer's deadline: I/O and timers in one wait (as
//!   async-io's reactor). A task woken from another thread reaches it through
//!   [`Reactor::unpark`], which notifies the poller only while the thread waits there (a
//!   busy thread costs the waker no system call). Under load a scheduler polls without
//!   blocking every 61 switches ([`Reactor::poll_now`]), so ready tasks cannot starve I/O.
//! - **Wake every waiter of a direction.** An event wakes all tasks of this thread that
//!   wait for that direction on that descriptor; each tries its operation again and waits
//!   again if it would still block. So a waiter that leaves (cancelled, timed out) never
//!   holds a wakeup another one needed.
//!
//! Outside a scheduler (a plain OS thread) the same registration blocks the thread in its
//! own poller until the descriptor is ready, as std's blocking calls do.

mod sleep;
mod source;

pub(crate) use source::{Interest, Registration};

use std::cell::OnceCell;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use polling::{Events, PollMode, Poller};

use crate::task::owner::Unpark;
use sleep::SleepFlag;
use source::Sources;

/// One OS thread's poller, the descriptors registered with it, and the flag that says
/// whether the thread waits in it.
pub(crate) struct Reactor {
    poller: Poller,
    /// How descriptors are added: `Edge`, or `Oneshot` where edges are not supported.
    mode: PollMode,
    /// The registered descriptors, by event key and by descriptor.
    sources: Mutex<Sources>,
    /// Set while the owner thread waits in the poller, or is about to (see `park`).
    sleeping: SleepFlag,
    /// The event buffer; only the owner thread polls, so the lock is never contended.
    events: Mutex<Events>,
}

thread_local! {
    /// This thread's reactor, made on first use.
    static CURRENT: OnceCell<Arc<Reactor>> = const { OnceCell::new() };
}

impl Reactor {
    /// The calling thread's reactor (made on its first use).
    ///
    /// # Panics
    ///
    /// If the OS refuses a new poller (out of file descriptors, say): the message says
    /// which limit to raise.
    pub(crate) fn current() -> Arc<Reactor> {
        CURRENT.with(|current| current.get_or_init(Reactor::new).clone())
    }

    fn new() -> Arc<Reactor> {
        let poller = Poller::new().unwrap_or_else(|error| {
            panic!(
                "yieldpoint: cannot create this thread's I/O poller ({error}); \
                 if the process is out of file descriptors, raise RLIMIT_NOFILE (ulimit -n)"
            )
        });
        let mode = if poller.supports_edge() {
            PollMode::Edge
        } else {
            PollMode::Oneshot
        };
        Arc::new(Reactor {
            poller,
            mode,
            sources: Mutex::new(Sources::default()),
            sleeping: SleepFlag::default(),
            events: Mutex::new(Events::new()),
        })
    }

    /// Waits in the poller until an event, a wakeup ([`unpark`](Self::unpark)) or
    /// `deadline` (`None`: no deadline), then wakes the tasks whose descriptors are ready.
    /// Does not wait if `has_work()` says there is something to do once this thread
    /// counts as sleeping. Owner thread only.
    ///
    /// `has_work` must see everything that was published before an `unpark` (the inbox
    /// of woken tasks, a shutdown flag): so either the waker notifies, or this thread sees
    /// the work (see `SleepFlag`, and its loom model).
    pub(crate) fn park(&self, deadline: Option<Instant>, has_work: impl Fn() -> bool) {
        self.sleeping.sleep(has_work, || {
            let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            self.wait(timeout);
        });
    }

    /// Handles the events that are ready now, without waiting; nothing (not even a system
    /// call) when no descriptor is registered here. Owner thread only.
    pub(crate) fn poll_now(&self) {
        if !self.lock_sources().is_empty() {
            self.wait(Some(Duration::ZERO));
        }
    }

    /// Wakes the owner thread if it waits in [`park`](Self::park); call it after
    /// publishing what its `has_work` checks. Any thread.
    pub(crate) fn unpark(&self) {
        self.sleeping.wake(|| self.notify());
    }

    /// Wakes the owner thread's current or next wait in the poller.
    fn notify(&self) {
        if let Err(error) = self.poller.notify() {
            // Only a broken poller fails to notify; the thread would never wake.
            panic!("yieldpoint: cannot wake a scheduler thread's poller: {error}");
        }
    }

    /// One wait in the poller, then the wakeups of the ready descriptors' waiters.
    fn wait(&self, timeout: Option<Duration>) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events.clear();
        if let Err(error) = self.poller.wait(&mut events, timeout) {
            panic!("yieldpoint: waiting in a scheduler thread's poller failed: {error}");
        }
        for event in events.iter() {
            let source = self.lock_sources().get(event.key);
            if let Some(source) = source {
                source.wake(event.readable, event.writable);
            }
        }
    }

    fn lock_sources(&self) -> MutexGuard<'_, Sources> {
        self.sources.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Unpark for Reactor {
    fn unpark(&self) {
        Reactor::unpark(self);
    }
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("sources", &self.lock_sources().len())
            .field("mode", &self.mode)
            .finish()
    }
}

/// An error of the poller, where a caller can take it: adding a descriptor.
fn add_error(error: io::Error) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("yieldpoint: cannot register the descriptor with this thread's poller: {error}"),
    )
}
