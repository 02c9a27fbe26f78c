//! Parked waiters shared by every green-aware primitive: a FIFO list of tasks or OS
//! threads waiting for a condition, and the check–register–recheck–park loop.
//!
//! A waiter ([`Waiter`], from the task layer) is a green thread when the wait happens
//! inside a scheduler, and the OS thread otherwise, so one primitive serves both. Parking
//! is token based (like `std::thread::park`): a wakeup that arrives between registering
//! and parking is not lost, it makes the park return at once.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use crate::sched::context::with_local;
use crate::sched::timer::TimerAction;
use crate::task::context::{self, Interrupt};
pub(crate) use crate::task::waiter::{park_current, park_current_or_interrupt, Waiter};
use crate::task::WaitReason;

/// [`park_current_or_interrupt`] that also returns once `deadline` has passed: a green
/// thread parks with a timer on its scheduler that unparks it at `deadline` (cancelled when
/// the park returns or unwinds); an OS thread, or a green thread whose stack unwinds, waits
/// with `std::thread::park_timeout`. May return spuriously, before the deadline and without
/// a wakeup: the caller checks its condition and the clock again.
pub(crate) fn park_current_until(reason: WaitReason, deadline: Instant) -> Result<(), Interrupt> {
    // `None` outside a green thread and while its stack unwinds (see `current_task`).
    let timer = context::current_task()
        .and_then(|task| with_local(|local| local.add_timer(deadline, TimerAction::Wake(task))));
    if timer.is_some() && context::park_task_or_interrupt(reason)? {
        return Ok(());
    }
    drop(timer);
    if let Some(left) = deadline.checked_duration_since(Instant::now()) {
        std::thread::park_timeout(left);
    }
    Ok(())
}

/// A FIFO of waiters, each with a ticket that can remove it again and a payload `X` for
/// whoever wakes it (a channel's receivers give the address their message is handed to);
/// the caller guards it with a lock of its own (a [`WaitList`]'s, or a channel's state
/// lock).
///
/// The longest-waiting waiter is kept inline: most lists (a channel's receivers, a
/// mutex's waiters) never hold more than one, and then waiting allocates nothing.
pub(crate) struct WaitQueue<X = ()> {
    next_ticket: u64,
    /// The front of the queue; `None` only when `rest` is empty too.
    first: Option<(u64, Waiter, X)>,
    rest: VecDeque<(u64, Waiter, X)>,
}

impl<X> Default for WaitQueue<X> {
    fn default() -> Self {
        WaitQueue {
            next_ticket: 0,
            first: None,
            rest: VecDeque::new(),
        }
    }
}

impl WaitQueue {
    /// Adds the current waiter (green thread or OS thread) at the back; returns its ticket.
    pub(crate) fn push_current(&mut self) -> u64 {
        self.push_current_with(())
    }

    /// Takes the longest-waiting waiter; the caller wakes it after releasing its lock.
    pub(crate) fn pop(&mut self) -> Option<Waiter> {
        self.pop_with().map(|(waiter, ())| waiter)
    }
}

impl<X> WaitQueue<X> {
    /// Adds the current waiter, with `payload`, at the back; returns its ticket.
    #[inline]
    pub(crate) fn push_current_with(&mut self, payload: X) -> u64 {
        self.push_with(Waiter::current(), payload)
    }

    /// Adds `waiter` (a future's waker, say), with `payload`, at the back; returns its
    /// ticket.
    #[inline]
    pub(crate) fn push_with(&mut self, waiter: Waiter, payload: X) -> u64 {
        self.next_ticket += 1;
        let entry = (self.next_ticket, waiter, payload);
        if self.first.is_none() {
            self.first = Some(entry);
        } else {
            self.rest.push_back(entry);
        }
        self.next_ticket
    }

    /// Takes the longest-waiting waiter and its payload.
    pub(crate) fn pop_with(&mut self) -> Option<(Waiter, X)> {
        let (_, waiter, payload) = self.first.take()?;
        self.first = self.rest.pop_front();
        Some((waiter, payload))
    }

    /// Removes `ticket`'s waiter; `false` if it is no longer listed (it was popped).
    pub(crate) fn remove(&mut self, ticket: u64) -> bool {
        if self.first.as_ref().is_some_and(|(id, _, _)| *id == ticket) {
            self.first = self.rest.pop_front();
            return true;
        }
        match self.rest.iter().position(|(id, _, _)| *id == ticket) {
            Some(index) => {
                self.rest.remove(index);
                true
            }
            None => false,
        }
    }

    /// Whether `ticket`'s waiter is still listed (not popped, not removed).
    pub(crate) fn is_listed(&self, ticket: u64) -> bool {
        let listed = |(id, _, _): &(u64, Waiter, X)| *id == ticket;
        self.first.iter().chain(self.rest.iter()).any(listed)
    }

    /// Replaces `ticket`'s waiter (a future polled again with a new waker), keeping its
    /// place; `false` if it is no longer listed.
    pub(crate) fn replace_waiter(&mut self, ticket: u64, waiter: Waiter) -> bool {
        match self.entry(ticket) {
            Some(entry) => {
                entry.1 = waiter;
                true
            }
            None => false,
        }
    }

    fn entry(&mut self, ticket: u64) -> Option<&mut (u64, Waiter, X)> {
        self.first
            .iter_mut()
            .chain(self.rest.iter_mut())
            .find(|(id, _, _)| *id == ticket)
    }

    /// Takes every waiter, in order.
    pub(crate) fn take_all(&mut self) -> impl Iterator<Item = Waiter> {
        let first = self.first.take();
        let rest = std::mem::take(&mut self.rest);
        first.into_iter().chain(rest).map(|(_, waiter, _)| waiter)
    }
}

/// A FIFO list of parked waiters.
#[derive(Default)]
pub(crate) struct WaitList {
    list: Mutex<WaitQueue>,
}

impl WaitList {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, WaitQueue> {
        // The list is never left inconsistent by a panic (no user code runs under it).
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers the current waiter; the ticket removes it again unless it was woken.
    fn register(&self) -> Ticket<'_> {
        let id = self.lock().push_current();
        Ticket {
            list: self,
            id,
            armed: true,
        }
    }

    /// Wakes the longest-waiting waiter; `false` if there was none.
    pub(crate) fn notify_one(&self) -> bool {
        let waiter = self.lock().pop();
        match waiter {
            Some(waiter) => {
                waiter.wake();
                true
            }
            None => false,
        }
    }

    /// Wakes every waiter.
    pub(crate) fn notify_all(&self) {
        let waiters = self.lock().take_all();
        for waiter in waiters {
            waiter.wake();
        }
    }

    /// Waits until `poll` returns `Some`, parking between attempts.
    ///
    /// `poll` must be the check that notifiers make true before calling `notify_*`. A
    /// waiter that is woken but then leaves without success (it was cancelled while
    /// parked) passes its wakeup on, so none is lost.
    pub(crate) fn wait_until<T>(
        &self,
        reason: WaitReason,
        mut poll: impl FnMut() -> Option<T>,
    ) -> T {
        loop {
            if let Some(value) = poll() {
                return value;
            }
            let ticket = self.register();
            if let Some(value) = poll() {
                ticket.disarm();
                return value;
            }
            park_current(reason);
            if let Some(value) = poll() {
                ticket.disarm();
                return value;
            }
        }
    }
}

/// # Hand-off: FIFO-fair locks and permits
///
/// A `Mutex`'s lock and a `Semaphore`'s permits are handed over at release: the releaser
/// pops the longest-waiting waiter and the resource is its own from then on (the lock stays
/// taken, the permit count does not go up); only with nobody listed is the resource freed
/// ([`grant_one`](WaitList::grant_one)). So a releaser that asks again at once, or a task
/// that arrives later, queues behind the waiters instead of overtaking them, and waiters
/// get the resource in the order they listed, as with asyncio's `Lock` and `Semaphore`
/// and tokio's. A waiter lists itself only under the list's lock, after one more
/// `try_take` there, and a release decides between handing over and freeing under that
/// same lock, so no release slips between a waiter's check and its listing.
///
/// A waiter that was handed the resource and then leaves without taking it (cancelled
/// while parked, a future dropped) releases it again, which hands it to the next waiter:
/// nothing is lost, nothing is stranded.
impl WaitList {
    /// Frees the resource or hands it to the longest-waiting waiter, woken to take it:
    /// `free` runs (under the list's lock) only when no waiter is listed.
    pub(crate) fn grant_one(&self, free: impl FnOnce()) {
        let waiter = {
            let mut list = self.lock();
            let waiter = list.pop();
            if waiter.is_none() {
                free();
            }
            waiter
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    /// Takes the resource with `try_take` if it is free, or else waits in line until a
    /// [`grant_one`](Self::grant_one) hands it over, and returns `granted()` then.
    /// `release` gives back a resource that was handed over to a waiter that unwinds
    /// before it took it (a cancel delivered at the park).
    pub(crate) fn take_or_wait<T>(
        &self,
        reason: WaitReason,
        mut try_take: impl FnMut() -> Option<T>,
        granted: impl FnOnce() -> T,
        release: impl Fn(),
    ) -> T {
        if let Some(value) = try_take() {
            return value;
        }
        let id = {
            let mut list = self.lock();
            if let Some(value) = try_take() {
                return value;
            }
            list.push_current()
        };
        let ticket = GrantTicket {
            list: self,
            id,
            release: &release,
        };
        loop {
            park_current(reason);
            if !self.lock().is_listed(id) {
                // Popped: only `grant_one` pops, and it handed the resource over.
                std::mem::forget(ticket);
                return granted();
            }
        }
    }
}

/// A waiter's place in line for a hand-off. Dropped only when the wait unwinds: still
/// listed, it leaves the line; already handed the resource, it releases it again (to the
/// next waiter).
struct GrantTicket<'a> {
    list: &'a WaitList,
    id: u64,
    release: &'a dyn Fn(),
}

impl Drop for GrantTicket<'_> {
    fn drop(&mut self) {
        let listed = self.list.lock().remove(self.id);
        if !listed {
            (self.release)();
        }
    }
}

/// The place in line of an async wait for a hand-off (a future of `Mutex::lock_async`,
/// `Semaphore::acquire_async`): [`WaitList::take_or_wait`] for futures. Dropped after the
/// resource was handed to it and before the poll that takes it, it releases the resource
/// again (cancel-safe); `R` is that release.
pub(crate) struct AsyncGrant<'a, R: Fn()> {
    list: &'a WaitList,
    ticket: Option<u64>,
    release: R,
}

impl<'a, R: Fn()> AsyncGrant<'a, R> {
    pub(crate) fn new(list: &'a WaitList, release: R) -> Self {
        AsyncGrant {
            list,
            ticket: None,
            release,
        }
    }

    /// One poll: the resource if it was handed over (or is free, for a first poll), or
    /// pending with this poll's waker in line.
    pub(crate) fn poll_take<T>(
        &mut self,
        cx: &Context<'_>,
        mut try_take: impl FnMut() -> Option<T>,
        granted: impl FnOnce() -> T,
    ) -> Poll<T> {
        let waiter = || Waiter::Waker(cx.waker().clone());
        if let Some(id) = self.ticket {
            if self.list.lock().replace_waiter(id, waiter()) {
                return Poll::Pending;
            }
            self.ticket = None;
            return Poll::Ready(granted());
        }
        if let Some(value) = try_take() {
            return Poll::Ready(value);
        }
        let mut list = self.list.lock();
        if let Some(value) = try_take() {
            return Poll::Ready(value);
        }
        self.ticket = Some(list.push_with(waiter(), ()));
        Poll::Pending
    }
}

impl<R: Fn()> Drop for AsyncGrant<'_, R> {
    fn drop(&mut self) {
        let Some(id) = self.ticket else { return };
        let listed = self.list.lock().remove(id);
        if !listed {
            // Handed the resource, dropped before it took it: the next waiter gets it.
            (self.release)();
        }
    }
}

/// The registration of an async wait on a [`WaitList`] (a future of `Event::wait_async`,
/// `Semaphore::acquire_async`, `Mutex::lock_async`): the ticket of its waker while listed.
/// Dropped before the wait succeeded, it unlists the waker, or passes on a wakeup it
/// received and did not use, so none is lost (the future is cancel-safe).
pub(crate) struct AsyncWait<'a> {
    list: &'a WaitList,
    ticket: Option<u64>,
}

impl<'a> AsyncWait<'a> {
    pub(crate) fn new(list: &'a WaitList) -> Self {
        AsyncWait { list, ticket: None }
    }

    /// One poll of the wait until `poll` returns `Some`: check, register the task's waker,
    /// check again (the protocol of [`WaitList::wait_until`], with the waker in place of
    /// the park). A poll again first unlists the waker of the poll before, so only the
    /// latest is listed.
    pub(crate) fn poll_until<T>(
        &mut self,
        cx: &Context<'_>,
        mut poll: impl FnMut() -> Option<T>,
    ) -> Poll<T> {
        if let Some(ticket) = self.ticket.take() {
            // Woken (popped) or not: either way the wakeup, if any, is used by this check.
            self.list.lock().remove(ticket);
        }
        if let Some(value) = poll() {
            return Poll::Ready(value);
        }
        let waiter = Waiter::Waker(cx.waker().clone());
        self.ticket = Some(self.list.lock().push_with(waiter, ()));
        if let Some(value) = poll() {
            if let Some(ticket) = self.ticket.take() {
                self.list.lock().remove(ticket);
            }
            return Poll::Ready(value);
        }
        Poll::Pending
    }
}

impl Drop for AsyncWait<'_> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else { return };
        let listed = self.list.lock().remove(ticket);
        if !listed {
            // Woken, then dropped before it polled again: the wakeup goes to the next.
            self.list.notify_one();
        }
    }
}

/// A registration in a [`WaitList`]. Dropping it while still listed removes it; dropping
/// it during unwinding after it was woken (a cancelled waiter) wakes the next waiter.
struct Ticket<'a> {
    list: &'a WaitList,
    id: u64,
    armed: bool,
}

impl Ticket<'_> {
    /// The wait succeeded: remove the registration without passing a wakeup on.
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        let mut list = self.list.lock();
        // Not listed any more: it was woken.
        if !list.remove(self.id) && self.armed && std::thread::panicking() {
            // Woken, then unwound (cancelled, timed out) before using the wakeup.
            drop(list);
            self.list.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WaitQueue;

    /// FIFO across the inline first entry and the rest; removal by ticket from either.
    #[test]
    fn wait_queue_is_fifo_and_removes_by_ticket() {
        let mut queue = WaitQueue::default();
        let [a, b, c, d] = [(); 4].map(|()| queue.push_current());
        assert!(queue.remove(a), "the inline first entry");
        assert!(!queue.remove(a), "already gone");
        assert!(queue.remove(c), "an entry behind the first");
        assert!(queue.pop().is_some()); // b
        assert!(!queue.remove(b), "b was popped first");
        assert_eq!(queue.take_all().count(), 1); // d
        assert!(!queue.remove(d));
        assert!(queue.pop().is_none());
    }
}
