//! A descriptor registered with reactors: its waiters per poller ([`Source`]), a
//! reactor's table of them ([`Sources`]), and the handle a socket keeps for it
//! ([`Registration`]).

use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use polling::{Event, PollMode};
use slab::Slab;

use super::{add_error, Reactor};
use crate::task::context;
use crate::task::waiter::{park_current, Waiter};
use crate::task::WaitReason;

/// Which readiness a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interest {
    Read,
    Write,
}

impl Interest {
    fn index(self) -> usize {
        self as usize
    }

    fn reason(self) -> WaitReason {
        match self {
            Interest::Read => WaitReason::Readable,
            Interest::Write => WaitReason::Writable,
        }
    }
}

/// One descriptor registered with one reactor: the event key, and who waits for each
/// direction.
pub(super) struct Source {
    key: usize,
    waiters: Mutex<Waiters>,
}

/// The waiters of one source, by [`Interest`], each with the ticket it leaves by.
#[derive(Default)]
struct Waiters {
    next_ticket: u64,
    lists: [Vec<(u64, Waiter)>; 2],
}

impl Source {
    fn lock(&self) -> MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every waiter of the directions that are ready (called by the poller's
    /// thread, after a wait).
    ///
    /// The waiters are woken under the source's lock, drained in place so the lists keep
    /// their room (no allocation per event): a wakeup only queues the task on its
    /// scheduler or unparks a thread, and never takes this lock.
    pub(super) fn wake(&self, readable: bool, writable: bool) {
        let mut waiters = self.lock();
        for (ready, list) in [readable, writable].into_iter().zip(&mut waiters.lists) {
            if ready {
                list.drain(..).for_each(|(_, waiter)| waiter.wake());
            }
        }
    }

    /// Lists the current task (or OS thread) as waiting for `interest`; returns its ticket.
    fn push_current(&self, interest: Interest) -> u64 {
        let mut waiters = self.lock();
        waiters.next_ticket += 1;
        let ticket = waiters.next_ticket;
        waiters.lists[interest.index()].push((ticket, Waiter::current()));
        ticket
    }

    /// Whether `ticket` still waits (no event took it yet).
    fn is_listed(&self, interest: Interest, ticket: u64) -> bool {
        self.lock().lists[interest.index()]
            .iter()
            .any(|(t, _)| *t == ticket)
    }

    /// Unlists `ticket`; `false` if an event took it already.
    fn remove(&self, interest: Interest, ticket: u64) -> bool {
        let mut waiters = self.lock();
        let list = &mut waiters.lists[interest.index()];
        match list.iter().position(|(t, _)| *t == ticket) {
            Some(at) => {
                list.swap_remove(at);
                true
            }
            None => false,
        }
    }

    /// The interest of the current waiters, for re-arming a oneshot registration.
    fn armed_event(&self) -> Event {
        let waiters = self.lock();
        let mut event = Event::none(self.key);
        event.readable = !waiters.lists[0].is_empty();
        event.writable = !waiters.lists[1].is_empty();
        event
    }
}

/// The descriptors registered with one reactor, by event key and by descriptor.
///
/// A descriptor is added to a poller once (epoll refuses a second `add` with `EEXIST`),
/// and its [`Source`] is shared by every [`Registration`] of it on that reactor: a
/// socket's own, and an [`io::wait_readable`](crate::io::wait_readable) on the same
/// socket, or several such waits on one pipe. The last one to go deletes it.
#[derive(Default)]
pub(super) struct Sources {
    by_key: Slab<Shared>,
    by_fd: HashMap<RawFd, usize>,
}

/// A registered descriptor's source and how many registrations share it.
struct Shared {
    fd: RawFd,
    source: Arc<Source>,
    registrations: usize,
}

impl Sources {
    /// Whether no descriptor is registered.
    pub(super) fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// How many descriptors are registered.
    pub(super) fn len(&self) -> usize {
        self.by_key.len()
    }

    /// The source of event key `key`, if it is still registered.
    pub(super) fn get(&self, key: usize) -> Option<Arc<Source>> {
        self.by_key.get(key).map(|shared| shared.source.clone())
    }

    /// Ends one registration of `key`; `true` if it was the last (the caller deletes the
    /// descriptor from the poller).
    fn release(&mut self, key: usize) -> bool {
        let Some(shared) = self.by_key.get_mut(key) else {
            return false;
        };
        shared.registrations -= 1;
        if shared.registrations > 0 {
            return false;
        }
        let shared = self.by_key.remove(key);
        self.by_fd.remove(&shared.fd);
        true
    }
}

/// A descriptor's registrations, one per reactor (OS thread) on which something waited
/// for it, deleted from every poller when dropped.
///
/// The owner of the descriptor (a socket) keeps the registration, drops it before it
/// closes the descriptor, and makes it non-blocking: [`polling::Poller::add`]'s
/// contract.
pub(crate) struct Registration {
    fd: RawFd,
    sources: Mutex<Vec<(Arc<Reactor>, Arc<Source>)>>,
}

impl Registration {
    /// A registration for `fd`, registered nowhere yet.
    ///
    /// # Safety
    ///
    /// `fd` stays open, and is the same descriptor, until the registration is dropped.
    pub(crate) unsafe fn new(fd: RawFd) -> Registration {
        Registration {
            fd,
            sources: Mutex::new(Vec::new()),
        }
    }

    /// Runs `op` until it does not fail with [`io::ErrorKind::WouldBlock`], waiting for
    /// `interest` in between: the green thread parks, an OS thread blocks in its poller.
    ///
    /// # Errors
    ///
    /// What `op` returns, or the poller's error if the descriptor cannot be registered.
    pub(crate) fn io<R>(
        &self,
        interest: Interest,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            match op() {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => self.wait(interest)?,
                result => return result,
            }
        }
    }

    /// Waits until the descriptor may be ready for `interest` (it may still not be: try
    /// the operation again). A green thread parks (a cancel or an expired `timeout`
    /// unwinds from here, unlisted); an OS thread blocks in its own poller.
    ///
    /// # Errors
    ///
    /// The poller's error if the descriptor cannot be registered (out of memory, a
    /// descriptor the OS cannot poll).
    pub(crate) fn wait(&self, interest: Interest) -> io::Result<()> {
        self.wait_until(interest, None)
    }

    /// [`wait`](Self::wait), which on an OS thread gives up at `deadline` with
    /// [`io::ErrorKind::TimedOut`]. A green thread ignores `deadline`: put a
    /// [`timeout`](crate::timeout) around its wait instead (a timer of its scheduler).
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait), and the timeout.
    pub(crate) fn wait_until(
        &self,
        interest: Interest,
        deadline: Option<Instant>,
    ) -> io::Result<()> {
        let (reactor, source) = self.source_here()?;
        let ticket = source.push_current(interest);
        let listed = Listed {
            source: &source,
            interest,
            ticket,
        };
        if reactor.mode == PollMode::Oneshot {
            if let Err(error) = reactor.poller.modify(self.borrowed(), source.armed_event()) {
                drop(listed);
                return Err(error);
            }
        }
        if context::in_task() && !std::thread::panicking() {
            park_current(interest.reason());
        } else {
            // An OS thread, or a green thread whose stack unwinds (it cannot switch out):
            // only this thread waits in its poller, so wait there until an event takes
            // the ticket.
            while source.is_listed(interest, ticket) {
                let timeout = match deadline {
                    Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                        Some(left) => Some(left),
                        None => return Err(io::Error::from(io::ErrorKind::TimedOut)),
                    },
                    None => None,
                };
                reactor.wait(timeout);
            }
        }
        drop(listed);
        Ok(())
    }

    /// This thread's reactor and this descriptor's source in it, registered now if it is
    /// not yet.
    fn source_here(&self) -> io::Result<(Arc<Reactor>, Arc<Source>)> {
        let reactor = Reactor::current();
        let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, source)) = sources.iter().find(|(r, _)| Arc::ptr_eq(r, &reactor)) {
            return Ok((reactor, source.clone()));
        }
        let source = self.register(&reactor)?;
        sources.push((reactor.clone(), source.clone()));
        Ok((reactor, source))
    }

    /// Adds the descriptor to `reactor`'s poller under a new key, or joins the source of
    /// another registration of it there.
    fn register(&self, reactor: &Reactor) -> io::Result<Arc<Source>> {
        let mut sources = reactor.lock_sources();
        if let Some(&key) = sources.by_fd.get(&self.fd) {
            // An `add` reports the descriptor's readiness at once, and a wait that tries no
            // operation first (`io::wait_readable`) relies on that; with edges, the source's
            // edge may have come and gone, so `modify` (which reports it again) stands in.
            if reactor.mode == PollMode::Edge {
                reactor
                    .poller
                    .modify_with_mode(self.borrowed(), Event::all(key), PollMode::Edge)
                    .map_err(add_error)?;
            }
            let shared = &mut sources.by_key[key];
            shared.registrations += 1;
            return Ok(shared.source.clone());
        }
        let entry = sources.by_key.vacant_entry();
        let source = Arc::new(Source {
            key: entry.key(),
            waiters: Mutex::new(Waiters::default()),
        });
        let interest = match reactor.mode {
            PollMode::Edge => Event::all(source.key),
            _ => Event::none(source.key),
        };
        // SAFETY: `Registration::new`'s contract keeps the descriptor open until this
        // registration is dropped, and `Drop` deletes it from every poller it was added to
        // (this one is recorded by the caller right after) once no other registration of
        // it there is left, as `Poller::add` requires.
        unsafe {
            reactor
                .poller
                .add_with_mode(self.fd, interest, reactor.mode)
        }
        .map_err(add_error)?;
        entry.insert(Shared {
            fd: self.fd,
            source: source.clone(),
            registrations: 1,
        });
        sources.by_fd.insert(self.fd, source.key);
        Ok(source)
    }

    fn borrowed(&self) -> std::os::fd::BorrowedFd<'_> {
        // SAFETY: open while the registration lives (`Registration::new`'s contract).
        unsafe { std::os::fd::BorrowedFd::borrow_raw(self.fd) }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let sources = std::mem::take(self.sources.get_mut().unwrap_or_else(|e| e.into_inner()));
        for (reactor, source) in sources {
            // The lock is held over the delete: no `add` of the same descriptor (a new
            // registration) can come between the release and the delete.
            let mut registered = reactor.lock_sources();
            if registered.release(source.key) {
                // A delete can only fail for a descriptor the poller no longer has; nothing
                // is left to undo then.
                let _ = reactor.poller.delete(self.borrowed());
            }
        }
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("fd", &self.fd)
            .finish()
    }
}

/// A listed waiter, unlisted when its wait ends or unwinds (cancelled, timed out): an
/// event that comes later finds nothing of it.
struct Listed<'a> {
    source: &'a Source,
    interest: Interest,
    ticket: u64,
}

impl Drop for Listed<'_> {
    fn drop(&mut self) {
        self.source.remove(self.interest, self.ticket);
    }
}
