//! A green-aware multi-producer, multi-consumer channel, bounded or unbounded.
//!
//! Python: `asyncio.Queue(maxsize)` (PEP 3156), plus closing: the channel closes when
//! every [`Sender`] is dropped, and receivers then drain what is left and get
//! [`RecvError`].
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//! use yieldpoint::sync::channel;
//!
//! RoundRobin::new().block_on(|| {
//!     let (tx, rx) = channel::unbounded();
//!     yieldpoint::spawn(move || {
//!         for word in ["ping", "pong"] {
//!             tx.send(word).unwrap();
//!         }
//!     });
//!     assert_eq!(rx.recv(), Ok("ping"));
//!     assert_eq!(rx.recv(), Ok("pong"));
//!     assert_eq!(rx.recv(), Err(channel::RecvError)); // the sender is gone
//! });
//! ```
//!
//! # The wait-queue protocol
//!
//! One lock guards the messages, the counts of live ends, and two FIFO wait queues:
//! `receiving` (parked receivers, each listed with a `Handoff` slot on its stack) and
//! `sending` (parked senders). A waiter is *listed* from registering until someone pops
//! it; a sender popped to be woken has a *wake-up in flight* until it takes the lock
//! again. Whenever the lock is free:
//!
//! 1. **While a receiver is listed, the queue is empty.** A receiver registers only after
//!    it saw the queue empty, and a message never goes into the queue while a receiver
//!    is listed: whoever holds it (a sender, or a cancelled receiver giving its message
//!    back) hands it to the longest-listed receiver's slot and pops that receiver, which
//!    then returns the message without taking the lock again. So a listed receiver never
//!    waits while a message is there; the last sender's drop wakes every listed receiver
//!    to see the close.
//! 2. **While a sender is listed, the room in the queue (`capacity - len`, or 0) is at most
//!    the number of senders with a wake-up in flight.** Each unit of room has a woken
//!    sender on its way to it, so no sender stays parked while there is room. Every path
//!    keeps it:
//!    - a receive (`recv`, `try_recv`) that frees room pops one listed sender;
//!    - a woken sender that queues its message uses the room it was woken for;
//!    - a woken sender that hands its message straight to a listed receiver (the queue is
//!      empty by 1, so there is room) did not use that room: it passes its wake-up on to
//!      the next listed sender (the lost wake-up of issue 10, item 3, was this path);
//!    - a woken sender that finds the queue full (a sender that never parked took the
//!      room first) parks again: no room is left to account for;
//!    - a woken sender that unwinds before it sends (cancelled, timed out) passes its
//!      wake-up on if there is room;
//!    - a sender registers only when the queue is full (room 0); a message given back by a
//!      cancelled receiver only takes room (the queue may then hold more than its
//!      capacity for a while, and a receive wakes a sender only once there is room);
//!    - the last receiver's drop wakes every listed sender to fail with [`SendError`].
//!
//! 3. **Once every sender is gone, the queue only shrinks.** A receiver that finds it
//!    empty then returns [`RecvError`] for good, so nothing may be put back after that:
//!    a receiver that was handed a message and is interrupted (cancelled, timed out)
//!    before it ran gives the message back only while a sender is left; after the close
//!    it keeps the message, its `recv` returns it, and the interrupt is raised at the
//!    task's next yield point instead (the close can overtake the receiver's wake-up: a
//!    busy worker, or one the OS preempted, runs it late).
//!
//! **Async receivers** ([`Receiver::recv_async`], [`Receiver::into_stream`]) wait in a
//! third queue, `receiving_async`, and take no hand-off: a future may be dropped at any
//! moment, and a message handed to a dropped future would be lost for good once the
//! senders are gone (invariant 3). A message that goes into the queue (no receiver is
//! listed in `receiving`) wakes the longest-waiting future, which takes a message from the
//! queue when polled; a woken future dropped before that passes its wakeup on while a
//! message is queued; the close wakes them all. So a future takes a message only in the
//! poll that returns it, and is cancel-safe.
//!
//! A [`Select`](super::Select) waiting on several channels lists its green thread (or OS
//! thread) in the same queue of each, by the same rules: woken by a queued message or the
//! close, it takes a message only with `try_recv`, and passes on a wakeup it does not use.
//!
//! After the close nobody registers again: a send fails once no receiver is left, and a
//! receive fails once the queue is empty and no sender is left. A waiter that finds itself
//! still listed when it takes the lock (a spurious wake-up) had no wake-up in flight and
//! owes nothing: it unlists itself and retries.
//!
//! The single-thread [`local_channel`](super::local_channel) runs the same protocol on the
//! same state (`State`), guarded by a `RefCell` instead of the lock.
//!
//! Order: each sender's messages are received in the order it sent them, except that a
//! message handed to a receiver cancelled before it ran goes to the next listed receiver
//! or back to the front of the queue (invariant 3: while a sender is left), by which time
//! another receiver may have received a later one.

use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::ops::DerefMut;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

// The lock: std's, or loom's in the model test tests/loom_channel.rs (built with
// `RUSTFLAGS="--cfg yieldpoint_loom"`); the hand-off cell, `PublishOnce`, switches with it.
#[cfg(yieldpoint_loom)]
use loom::sync::{Mutex, MutexGuard};
#[cfg(not(yieldpoint_loom))]
use std::sync::{Mutex, MutexGuard};

use super::wait_list::{
    park_current, park_current_or_interrupt, park_current_until, WaitQueue, Waiter,
};
use crate::task::context::Interrupt;
use crate::task::publish::PublishOnce;
use crate::task::WaitReason;
use crate::time::deadline_after;

/// Creates a channel that holds at most `capacity` messages; `send` waits while it is full.
///
/// Python: `asyncio.Queue(maxsize=capacity)`.
///
/// # Panics
///
/// If `capacity` is 0 (a rendezvous channel is not supported): use `bounded(1)`.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sync::channel;
///
/// RoundRobin::new().block_on(|| {
///     let (tx, rx) = channel::bounded(2);
///     let producer = yieldpoint::spawn(move || {
///         for n in 0..5 {
///             tx.send(n).unwrap(); // waits while 2 are queued
///         }
///     });
///     assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
///     producer.join().unwrap();
/// });
/// ```
#[track_caller]
pub fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "channel::bounded(0) is not supported; use bounded(1) or more"
    );
    new(Some(capacity))
}

/// Creates a channel without a bound; `send` never waits.
///
/// Python: `asyncio.Queue()`.
///
/// # Examples
/// ```
/// use yieldpoint::sync::channel;
///
/// let (tx, rx) = channel::unbounded();
/// for n in 0..1000 {
///     tx.send(n).unwrap(); // never waits
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.try_recv(), Ok(0));
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    new(None)
}

fn new<T>(capacity: Option<usize>) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan {
        state: Mutex::new(State::new(capacity)),
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The channel: one lock over the messages and both wait queues, so that checking for a
/// message and registering to wait for one is a single critical section (a sender that
/// pushes after it sees the registration), and a message costs one lock on each side.
struct Chan<T> {
    state: Mutex<State<T, HandoffRef<T>>>,
}

/// The messages, the counts of live ends and the two wait queues: the protocol of the
/// module doc, whatever guards it (this channel's lock, or the `RefCell` of the
/// single-thread [`local_channel`](super::local_channel)). `S` is how a listed receiver's
/// hand-off slot is kept.
pub(super) struct State<T, S> {
    queue: VecDeque<T>,
    capacity: Option<usize>,
    senders: usize,
    receivers: usize,
    /// Receivers parked until a message arrives or the channel closes, each with the
    /// slot a sender hands its message to.
    receiving: WaitQueue<S>,
    /// Senders parked until there is room (bounded channels only).
    sending: WaitQueue,
    /// Futures of `Receiver::recv_async` (and the receivers' `Stream`) waiting for a
    /// message or the close. They take no hand-off (a future may be dropped at any time,
    /// and a message handed to it would be lost, see invariant 3): a message sent while
    /// no receiver is listed in `receiving` goes into the queue and wakes one of them,
    /// which takes it from the queue when polled. A woken future dropped before it polls
    /// passes its wakeup on while a message is queued.
    receiving_async: WaitQueue,
}

/// A listed receiver's hand-off slot, as the `receiving` queue keeps it.
pub(super) trait Slot<T> {
    /// Hands `value` over.
    ///
    /// # Safety
    ///
    /// The slot's receiver was listed until the caller popped it just now, with the
    /// channel's state in hand: the slot is alive (its receiver unlists itself before it
    /// leaves its wait), and no one else writes it.
    unsafe fn deliver(&self, value: T);
}

/// What one attempt to send did.
enum Pushed<T> {
    /// The message went into the queue (and this waiting future is to be woken for it).
    Queued(Option<Waiter>),
    /// The message went straight to this receiver (popped from `receiving`), to be woken.
    HandedOff(Waiter),
    /// No receiver is left: the value back.
    Closed(T),
    /// The bounded channel is full: the value back.
    Full(T),
}

/// What one turn of a waiting `send` did.
pub(super) enum SendStep<T> {
    /// Sent (and whoever it concerns woken).
    Sent,
    /// No receiver is left: the value back.
    Closed(T),
    /// The channel is full: the sender is listed with this ticket; park, then try again.
    Listed(T, u64),
}

/// What one turn of a waiting `recv` did.
pub(super) enum RecvStep<T> {
    /// A message from the queue (the sender listed for the room it freed woken).
    Received(T),
    /// The channel is empty and every sender is gone.
    Closed,
    /// The channel is empty: the receiver is listed with this ticket and its slot; park,
    /// then look in the slot.
    Listed(u64),
}

impl<T, S: Slot<T>> State<T, S> {
    /// A channel with one sender and one receiver, holding at most `capacity` messages.
    pub(super) fn new(capacity: Option<usize>) -> Self {
        State {
            queue: VecDeque::new(),
            capacity,
            senders: 1,
            receivers: 1,
            receiving: WaitQueue::default(),
            sending: WaitQueue::default(),
            receiving_async: WaitQueue::default(),
        }
    }

    /// One attempt to send.
    ///
    /// A listed receiver gets the message handed to it directly (the queue is empty
    /// whenever receivers are listed: invariant 1 of the module doc).
    #[inline]
    fn push(&mut self, value: T) -> Pushed<T> {
        if self.receivers == 0 {
            return Pushed::Closed(value);
        }
        if self.capacity.is_some_and(|cap| self.queue.len() >= cap) {
            return Pushed::Full(value);
        }
        match self.receiving.pop_with() {
            Some((receiver, slot)) => {
                // SAFETY: the receiver was listed until now, and the caller holds the
                // state.
                unsafe { slot.deliver(value) };
                Pushed::HandedOff(receiver)
            }
            None => {
                self.queue.push_back(value);
                Pushed::Queued(self.receiving_async.pop())
            }
        }
    }

    /// [`push`](Self::push) without waiting: the receiver handed the message, to be woken.
    #[inline]
    pub(super) fn try_send(&mut self, value: T) -> Result<Option<Waiter>, TrySendError<T>> {
        match self.push(value) {
            Pushed::Queued(receiver) => Ok(receiver),
            Pushed::HandedOff(receiver) => Ok(Some(receiver)),
            Pushed::Closed(value) => Err(TrySendError::Closed(value)),
            Pushed::Full(value) => Err(TrySendError::Full(value)),
        }
    }

    /// One turn of a waiting `send`, with the state in hand (`state`, released before
    /// anyone is woken): the sender listed under `ticket` (if any) is off the list
    /// afterwards, and is listed again with a new ticket if the channel is full.
    ///
    /// Always inlined: it is most of the hot path of `send`.
    #[inline(always)]
    pub(super) fn send_step(
        state: impl DerefMut<Target = Self>,
        value: T,
        ticket: Option<u64>,
    ) -> SendStep<T> {
        Self::send_step_as(state, value, ticket, Waiter::current)
    }

    /// [`send_step`](Self::send_step) that lists `waiter()` when the channel is full (a
    /// future's waker, for `Sender::send_async`).
    #[inline(always)]
    pub(super) fn send_step_as(
        mut state: impl DerefMut<Target = Self>,
        value: T,
        ticket: Option<u64>,
        waiter: impl FnOnce() -> Waiter,
    ) -> SendStep<T> {
        // Woken (its entry was popped: it owes the room it was woken for), or a spurious
        // wakeup (still listed: it owes nothing).
        let woken = match ticket {
            Some(ticket) => !state.sending.remove(ticket),
            None => false,
        };
        match state.push(value) {
            Pushed::Queued(None) => SendStep::Sent,
            Pushed::Queued(Some(receiver)) => {
                drop(state);
                receiver.wake();
                SendStep::Sent
            }
            Pushed::HandedOff(receiver) => {
                // The room this sender was woken for is still free: pass it on.
                let next = if woken { state.sender_for_room() } else { None };
                drop(state);
                receiver.wake();
                if let Some(next) = next {
                    next.wake();
                }
                SendStep::Sent
            }
            Pushed::Closed(value) => SendStep::Closed(value),
            Pushed::Full(value) => SendStep::Listed(value, state.sending.push_with(waiter(), ())),
        }
    }

    /// One attempt to receive: the message and the listed sender to wake for the room it
    /// freed, if any (invariant 2).
    #[inline]
    pub(super) fn pop(&mut self) -> Result<(T, Option<Waiter>), TryRecvError> {
        match self.queue.pop_front() {
            Some(value) => Ok((value, self.sender_for_room())),
            None if self.senders == 0 => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// One turn of a waiting `recv` by a receiver that is not listed, with the state in
    /// hand (`state`, released before anyone is woken): a message, the close, or the
    /// receiver listed with `slot`.
    ///
    /// Always inlined, as [`send_step`](Self::send_step).
    #[inline(always)]
    pub(super) fn recv_step(mut state: impl DerefMut<Target = Self>, slot: S) -> RecvStep<T> {
        match state.pop() {
            Ok((value, sender)) => {
                drop(state);
                if let Some(sender) = sender {
                    sender.wake();
                }
                RecvStep::Received(value)
            }
            Err(TryRecvError::Closed) => RecvStep::Closed,
            Err(TryRecvError::Empty) => RecvStep::Listed(state.receiving.push_current_with(slot)),
        }
    }

    /// The last turn of a receive whose deadline has passed, with the state in hand
    /// (`state`, released before anyone is woken): a message, the close, or
    /// [`RecvTimeoutError::Timeout`]; nothing is listed.
    #[cold]
    pub(super) fn recv_step_without_waiting(
        mut state: impl DerefMut<Target = Self>,
    ) -> Result<T, RecvTimeoutError> {
        match state.pop() {
            Ok((value, sender)) => {
                drop(state);
                if let Some(sender) = sender {
                    sender.wake();
                }
                Ok(value)
            }
            Err(TryRecvError::Closed) => Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Lists `waiter` with the async receivers (`receiving_async`): it is woken when a
    /// message goes into the queue or the channel closes, and takes nothing by hand-off
    /// (a [`Select`](super::Select) waiting on several channels). Returns its ticket, for
    /// [`leave_async`](Self::leave_async).
    pub(super) fn listen(&mut self, waiter: Waiter) -> u64 {
        self.receiving_async.push_with(waiter, ())
    }

    /// Whether a receive would not wait now: a message is queued, or the channel is
    /// closed.
    pub(super) fn is_ready(&self) -> bool {
        !self.queue.is_empty() || self.senders == 0
    }

    /// Pops the longest-listed sender if the queue has room for it (bounded channels; an
    /// unbounded one never lists senders).
    #[inline]
    fn sender_for_room(&mut self) -> Option<Waiter> {
        match self.capacity {
            Some(cap) if self.queue.len() < cap => self.sending.pop(),
            _ => None,
        }
    }

    /// Unlists a receiver that is back from a park, or whose wait unwinds (cancelled, timed
    /// out); `false` if it was popped already (a message was handed to it, or the close
    /// woke it).
    pub(super) fn unlist_receiver(&mut self, ticket: u64) -> bool {
        self.receiving.remove(ticket)
    }

    /// Takes back a message handed to a receiver that unwound before it took it: the next
    /// listed receiver gets it (to be woken), or else the front of the queue (invariant 1).
    pub(super) fn give_back(&mut self, message: T) -> Option<Waiter> {
        match self.receiving.pop_with() {
            Some((receiver, slot)) => {
                // SAFETY: as in `push`: listed until now, and the caller holds the state.
                unsafe { slot.deliver(message) };
                Some(receiver)
            }
            None => {
                self.queue.push_front(message);
                self.receiving_async.pop()
            }
        }
    }

    /// A message handed to a receiver whose wait was interrupted: given back (the
    /// receiver to wake returned) while a sender is left; `Err` with the message, for the
    /// receiver to keep, once every sender is gone (invariant 3).
    pub(super) fn give_back_while_open(&mut self, message: T) -> Result<Option<Waiter>, T> {
        if self.senders == 0 {
            return Err(message);
        }
        Ok(self.give_back(message))
    }

    /// Unlists a sender whose wait unwinds (cancelled, timed out); if it had been woken,
    /// the room it was woken for goes to the next listed sender (invariant 2), returned to
    /// be woken.
    pub(super) fn leave_sending(&mut self, ticket: u64) -> Option<Waiter> {
        if self.sending.remove(ticket) {
            None
        } else {
            self.sender_for_room()
        }
    }

    /// One poll of an async receive (a `recv_async` future, a receiver's `Stream`), whose
    /// waker of the poll before, if any, is listed under `ticket`: a message (with the
    /// sender to wake for the room it freed), the close, or `waker` listed in
    /// `receiving_async` under a new `ticket`.
    pub(super) fn poll_recv(
        &mut self,
        ticket: &mut Option<u64>,
        waker: &Waker,
    ) -> Poll<Result<(T, Option<Waiter>), RecvError>> {
        if let Some(listed) = ticket.take() {
            // Woken (popped) or polled again: the check below uses the wakeup.
            self.receiving_async.remove(listed);
        }
        match self.pop() {
            Ok(received) => Poll::Ready(Ok(received)),
            Err(TryRecvError::Closed) => Poll::Ready(Err(RecvError)),
            Err(TryRecvError::Empty) => {
                *ticket = Some(
                    self.receiving_async
                        .push_with(Waiter::Waker(waker.clone()), ()),
                );
                Poll::Pending
            }
        }
    }

    /// An async receive dropped while its waker was listed under `ticket`: unlisted; if it
    /// was woken already and a message is queued, the next waiting future is returned, to
    /// be woken in its place.
    pub(super) fn leave_async(&mut self, ticket: u64) -> Option<Waiter> {
        if self.receiving_async.remove(ticket) || self.queue.is_empty() {
            return None;
        }
        self.receiving_async.pop()
    }

    /// Whether every receiver is gone.
    pub(super) fn is_closed(&self) -> bool {
        self.receivers == 0
    }

    /// Messages in the queue.
    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(super) fn add_sender(&mut self) {
        self.senders += 1;
    }

    pub(super) fn add_receiver(&mut self) {
        self.receivers += 1;
    }

    /// Counts a sender's drop; the last one closes the channel: every listed receiver is
    /// returned, to be woken to see the close.
    pub(super) fn drop_sender(&mut self) -> Vec<Waiter> {
        self.senders -= 1;
        if self.senders == 0 {
            let listed = self.receiving.take_all();
            listed.chain(self.receiving_async.take_all()).collect()
        } else {
            Vec::new()
        }
    }

    /// Counts a receiver's drop; after the last one every listed sender is returned, to be
    /// woken to see its send fail.
    pub(super) fn drop_receiver(&mut self) -> Vec<Waiter> {
        self.receivers -= 1;
        if self.receivers == 0 {
            self.sending.take_all().collect()
        } else {
            Vec::new()
        }
    }
}

impl<T> Chan<T> {
    fn lock(&self) -> MutexGuard<'_, State<T, HandoffRef<T>>> {
        // No user code runs under this lock, so it is never poisoned mid-update.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends, parking while the channel is full.
    ///
    /// Inlined into [`Sender::send`], and it into its callers, so a task parks and resumes
    /// in its own frame (see "Return-address prediction" in `sched/local.rs`).
    #[inline(always)]
    fn send(&self, mut value: T) -> Result<(), SendError<T>> {
        let mut parked = ParkedSender {
            chan: self,
            ticket: None,
        };
        loop {
            match State::send_step(self.lock(), value, parked.ticket.take()) {
                SendStep::Sent => return Ok(()),
                SendStep::Closed(value) => return Err(SendError(value)),
                SendStep::Listed(back, ticket) => (value, parked.ticket) = (back, Some(ticket)),
            }
            park_current(WaitReason::ChannelSend);
        }
    }

    /// Receives, parking until a message or the channel's close arrives.
    ///
    /// Inlined for the same reason as `send`; the loop is [`recv_until`](Self::recv_until)'s
    /// with no deadline, whose branches fold away (callgrind on a round-robin ping-pong:
    /// one instruction more per `recv` than the loop had before it took a deadline, of
    /// about 470 per message).
    #[inline(always)]
    fn recv(&self) -> Result<T, RecvError> {
        self.recv_until(None, RecvError, RecvError)
    }

    /// Receives, parking until a message or the channel's close arrives, or `deadline` (if
    /// any) passes.
    ///
    /// A parked receiver lists a [`Handoff`] on its own stack; the sender that finds it
    /// hands the message over there, so once woken the receiver takes it without taking
    /// the lock again. Once the deadline has passed it unlists itself, and a last look at
    /// the queue (under the lock, without listing) decides between a message, the close
    /// and [`RecvTimeoutError::Timeout`]; a message handed over before that is returned.
    /// The error is `closed` once the channel is closed and drained, `timed_out` once the
    /// deadline has passed: `recv`'s `RecvError` needs no conversion from
    /// [`RecvTimeoutError`] on the hot path.
    #[inline(always)]
    fn recv_until<E>(&self, deadline: Option<Instant>, closed: E, timed_out: E) -> Result<T, E> {
        let slot = Handoff::new();
        let mut parked = ParkedReceiver {
            chan: self,
            slot: &slot,
            ticket: None,
        };
        loop {
            if parked.ticket.is_some() {
                if let Some(message) = slot.take() {
                    // Delivered: the sender unlisted this receiver.
                    parked.ticket = None;
                    return Ok(message);
                }
            }
            let mut state = self.lock();
            if let Some(ticket) = parked.ticket.take() {
                // Popped (woken) or still listed (a spurious wakeup); a message may have
                // been delivered since the check above.
                if !state.unlist_receiver(ticket) {
                    if let Some(message) = slot.take() {
                        drop(state);
                        return Ok(message);
                    }
                }
            }
            let step = match deadline {
                Some(deadline) if Instant::now() >= deadline => {
                    return State::recv_step_without_waiting(state).map_err(|e| match e {
                        RecvTimeoutError::Timeout => timed_out,
                        RecvTimeoutError::Disconnected => closed,
                    });
                }
                _ => State::recv_step(state, HandoffRef(&slot)),
            };
            match step {
                RecvStep::Received(value) => return Ok(value),
                RecvStep::Closed => return Err(closed),
                RecvStep::Listed(ticket) => parked.ticket = Some(ticket),
            }
            let parked_until = match deadline {
                None => park_current_or_interrupt(WaitReason::ChannelRecv),
                Some(deadline) => park_current_until(WaitReason::ChannelRecv, deadline),
            };
            if let Err(interrupt) = parked_until {
                return Ok(self.recv_interrupted(&slot, parked.ticket.take(), interrupt));
            }
        }
    }
}

/// Where a parked receiver's message is handed over: on the receiver's stack, listed with
/// its registration in the channel's `receiving` queue. The sender that pops the receiver
/// publishes the message there (under the lock); the receiver takes it once.
type Handoff<T> = PublishOnce<T>;

/// The message handed to `slot`, which [`PublishOnce::is_full`] said is there: only the
/// slot's receiver takes it.
#[inline]
fn handed_over<T>(slot: &Handoff<T>) -> T {
    slot.take().unwrap_or_else(|| {
        unreachable!("a delivered slot holds its message until its receiver takes it")
    })
}

/// A listed receiver's [`Handoff`], as the channel's `receiving` queue keeps it.
///
/// Valid while the receiver is listed: the receiver unlists itself before its `recv`
/// returns or unwinds ([`ParkedReceiver`]), and only lock holders read the queue.
struct HandoffRef<T>(*const Handoff<T>);

// SAFETY: a `HandoffRef` is only dereferenced under the channel's lock while its receiver is
// listed (see above); through it a `T` moves to the receiver's thread, which `T: Send`
// allows.
unsafe impl<T: Send> Send for HandoffRef<T> {}

impl<T> Slot<T> for HandoffRef<T> {
    /// Publishes `value` in the receiver's [`Handoff`], as [`Slot::deliver`]'s contract allows: the caller holds
    /// the channel's lock and has just unlisted the receiver.
    #[inline]
    unsafe fn deliver(&self, value: T) {
        // SAFETY: the receiver keeps the slot alive until it is unlisted and takes the lock
        // to unlist itself, which the caller holds.
        let slot = unsafe { &*self.0 };
        if slot.publish(value).is_err() {
            unreachable!("a listed receiver's slot is handed one message: it was unlisted for it");
        }
    }
}

/// A parked receiver's registration. Dropped with a ticket only when the wait unwinds
/// (the task was cancelled or timed out while parked): it unlists itself, or, if a message
/// was already handed to it, gives the message to the next listed receiver, or back to the
/// front of the queue, so none is lost.
struct ParkedReceiver<'a, T> {
    chan: &'a Chan<T>,
    slot: &'a Handoff<T>,
    ticket: Option<u64>,
}

impl<T> Drop for ParkedReceiver<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket {
            self.leave(ticket);
        }
    }
}

impl<T> Chan<T> {
    /// Leaves the wait of a receiver (listed under `ticket`, with `slot`) whose park was
    /// interrupted (cancelled, timed out). A message handed to it meanwhile goes to the
    /// next listed receiver or back to the front of the queue while the channel is open;
    /// once every sender is gone it is kept: other receivers may have seen the channel
    /// empty and closed already, and a message put back then would reach nobody.
    ///
    /// So it raises the interrupt, or returns the message it keeps and defers the
    /// interrupt to the task's next yield point. Out of line, with the receiver's state
    /// passed by value: the hot loop of `recv` only calls it.
    #[cold]
    #[inline(never)]
    fn recv_interrupted(&self, slot: &Handoff<T>, ticket: Option<u64>, interrupt: Interrupt) -> T {
        match ticket.and_then(|ticket| self.leave_interrupted(slot, ticket)) {
            Some(message) => {
                interrupt.defer();
                message
            }
            None => interrupt.raise(),
        }
    }

    /// Unlists an interrupted receiver; the message handed to it if it keeps it.
    fn leave_interrupted(&self, slot: &Handoff<T>, ticket: u64) -> Option<T> {
        let next = {
            let mut state = self.lock();
            if state.unlist_receiver(ticket) || !slot.is_full() {
                return None;
            }
            match state.give_back_while_open(handed_over(slot)) {
                Ok(next) => next,
                Err(kept) => return Some(kept),
            }
        };
        if let Some(next) = next {
            next.wake();
        }
        None
    }
}

impl<T> ParkedReceiver<'_, T> {
    /// Leaves the wait of a receiver that unwinds while listed: its message, if one was
    /// handed over, goes back (it cannot be returned from here).
    #[cold]
    fn leave(&self, ticket: u64) {
        let next = {
            let mut state = self.chan.lock();
            // Still listed: nothing came. Popped without a message: by the close, which
            // woke every receiver, so there is nothing to pass on.
            if state.unlist_receiver(ticket) || !self.slot.is_full() {
                return;
            }
            let message = handed_over(self.slot);
            state.give_back(message)
        };
        if let Some(next) = next {
            next.wake();
        }
    }
}

/// A parked sender's registration. Dropped with a ticket only when the wait unwinds (the
/// task was cancelled or timed out while parked) or a [`SendAsync`] future is dropped while
/// it waits: then it removes the registration, or, if the sender had already been woken,
/// passes the wakeup on to the next sender while there is room, so none is lost.
struct ParkedSender<'a, T> {
    chan: &'a Chan<T>,
    ticket: Option<u64>,
}

impl<T> Drop for ParkedSender<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket {
            self.leave(ticket);
        }
    }
}

impl<T> ParkedSender<'_, T> {
    /// Unregisters a waiter that leaves while listed or woken (it was cancelled); a
    /// wakeup it got goes to the next waiter.
    #[cold]
    fn leave(&self, ticket: u64) {
        let next = self.chan.lock().leave_sending(ticket);
        if let Some(next) = next {
            next.wake();
        }
    }
}

/// The sending half; clone it for more producers.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sync::channel;
///
/// RoundRobin::new().block_on(|| {
///     let (tx, rx) = channel::unbounded();
///     for id in 0..3 {
///         let tx = tx.clone();
///         yieldpoint::spawn(move || tx.send(id).unwrap());
///     }
///     drop(tx); // the channel closes when the clones are done too
///     let mut got: Vec<i32> = rx.iter().collect();
///     got.sort();
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while a bounded channel is full (parking the green thread).
    ///
    /// Python: `await queue.put(value)`.
    ///
    /// # Errors
    ///
    /// [`SendError`] holding `value` if every receiver is gone (permanent).
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting; `value` is dropped.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::channel::{self, SendError};
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = channel::bounded(1);
    ///     let consumer = yieldpoint::spawn(move || rx.recv().unwrap() + rx.recv().unwrap());
    ///     tx.send(1).unwrap();
    ///     tx.send(2).unwrap(); // parks until the consumer takes the 1
    ///     assert_eq!(consumer.join().unwrap(), 3);
    ///     assert_eq!(tx.send(3), Err(SendError(3))); // the receiver is gone
    /// });
    /// ```
    #[inline]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.send(value)
    }

    /// [`send`](Self::send) for async code: a future that sends `value`, waiting without
    /// blocking the executor's thread while a bounded channel is full (an unbounded one
    /// never waits).
    ///
    /// Cancel-safe: dropped before it is ready, the future drops `value` unsent (it was not
    /// queued) and passes on a wakeup for room it was given, so no other sender is stranded.
    ///
    /// Python: `await queue.put(item)` from a coroutine of another loop than the receiver's.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value back once every receiver is gone (permanent).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    /// use yieldpoint::sync::channel;
    ///
    /// let rt = WorkQueue::builder().workers(1).build();
    /// let (tx, rx) = channel::bounded(1);
    /// let consumer = rt.spawn(move || rx.iter().sum::<u32>());
    /// futures::executor::block_on(async {
    ///     for n in 1..=4 {
    ///         tx.send_async(n).await.unwrap(); // waits while the one slot is taken
    ///     }
    /// });
    /// drop(tx);
    /// assert_eq!(futures::executor::block_on(consumer).unwrap(), 10);
    /// ```
    pub fn send_async(&self, value: T) -> SendAsync<'_, T> {
        SendAsync {
            value: Some(value),
            parked: ParkedSender {
                chan: &self.chan,
                ticket: None,
            },
        }
    }

    /// Sends `value` if there is room now.
    ///
    /// Python: `queue.put_nowait(value)` (raises `QueueFull`).
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], each holding `value`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::channel::{self, TrySendError};
    ///
    /// let (tx, rx) = channel::bounded(1);
    /// assert_eq!(tx.try_send("a"), Ok(()));
    /// assert_eq!(tx.try_send("b"), Err(TrySendError::Full("b")));
    /// drop(rx);
    /// assert_eq!(tx.try_send("c"), Err(TrySendError::Closed("c")));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let receiver = self.chan.lock().try_send(value)?;
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Ok(())
    }

    /// Whether every receiver is gone.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::channel;
    ///
    /// let (tx, rx) = channel::unbounded::<u8>();
    /// let rx2 = rx.clone();
    /// drop(rx);
    /// assert!(!tx.is_closed()); // `rx2` still receives
    /// drop(rx2);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.lock().is_closed()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.lock().add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // The last sender closes the channel: every parked receiver gets to see it.
        let receivers = self.chan.lock().drop_sender();
        for receiver in receivers {
            receiver.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The receiving half; clone it for more consumers (each message goes to one of them).
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sync::channel;
///
/// RoundRobin::new().block_on(|| {
///     let (tx, rx) = channel::unbounded();
///     let rx2 = rx.clone();
///     let a = yieldpoint::spawn(move || rx.iter().count());
///     let b = yieldpoint::spawn(move || rx2.iter().count());
///     (0..10).for_each(|n| tx.send(n).unwrap());
///     drop(tx);
///     // Each message went to exactly one of the two receivers.
///     assert_eq!(a.join().unwrap() + b.join().unwrap(), 10);
/// });
/// ```
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting (parking the green thread) while the channel is
    /// empty.
    ///
    /// Python: `await queue.get()`.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is empty and every sender is gone (permanent).
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting (the cancel unwinds from here), unless a
    /// message was handed to it before every sender was gone: it then returns the message,
    /// and the cancel is raised at the task's next yield point (see the module docs,
    /// invariant 3).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::channel::{self, RecvError};
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = channel::unbounded();
    ///     yieldpoint::spawn(move || tx.send("hello").unwrap());
    ///     assert_eq!(rx.recv(), Ok("hello")); // parks until the task sends
    ///     assert_eq!(rx.recv(), Err(RecvError)); // drained, and the sender is gone
    /// });
    /// ```
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan.recv()
    }

    /// Receives the next message, waiting at most `timeout` while the channel is empty:
    /// [`recv`](Self::recv) with a time limit, in a green thread (on either scheduler) and
    /// on a plain OS thread alike.
    ///
    /// A green thread parks with a timer on its scheduler (other tasks run meanwhile), an
    /// OS thread with `std::thread::park_timeout`. A message that arrives as the time runs
    /// out is returned, never dropped. `Duration::ZERO` is a [`try_recv`](Self::try_recv)
    /// with `recv`'s error shape; `Duration::MAX` waits without limit.
    ///
    /// Rust: std's `mpsc::Receiver::recv_timeout`, with its error type. Python:
    /// `await asyncio.wait_for(queue.get(), timeout)`, where the timeout raises
    /// `TimeoutError`. Where [`timeout`](crate::timeout) around a `recv` gives a nested
    /// `Result<Result<T, RecvError>, Elapsed>` and needs a green thread, this gives one
    /// error and works anywhere.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if no message came in time (transient: the channel
    /// is still open); [`RecvTimeoutError::Disconnected`] once the channel is empty and
    /// every sender is gone (permanent).
    ///
    /// # Panics
    ///
    /// As [`recv`](Self::recv): if the task is cancelled while waiting.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::channel::{self, RecvTimeoutError};
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = channel::unbounded();
    ///     let wait = Duration::from_millis(5);
    ///     assert_eq!(rx.recv_timeout(wait), Err(RecvTimeoutError::Timeout));
    ///     yieldpoint::spawn(move || tx.send("late").unwrap());
    ///     assert_eq!(rx.recv_timeout(Duration::from_secs(60)), Ok("late"));
    ///     assert_eq!(rx.recv_timeout(wait), Err(RecvTimeoutError::Disconnected));
    /// });
    /// // The same call on a plain OS thread blocks that thread.
    /// let (_tx, rx) = channel::unbounded::<u8>();
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
    /// ```
    #[inline]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.chan.recv_until(
            Some(deadline_after(timeout)),
            RecvTimeoutError::Disconnected,
            RecvTimeoutError::Timeout,
        )
    }

    /// Receives the next message, waiting until `deadline` at most while the channel is
    /// empty; see [`recv_timeout`](Self::recv_timeout). A deadline in the past makes it a
    /// [`try_recv`](Self::try_recv).
    ///
    /// Rust: crossbeam-channel's `Receiver::recv_deadline`.
    ///
    /// # Errors
    ///
    /// As [`recv_timeout`](Self::recv_timeout).
    ///
    /// # Panics
    ///
    /// As [`recv`](Self::recv): if the task is cancelled while waiting.
    ///
    /// # Examples
    /// ```
    /// use std::time::{Duration, Instant};
    /// use yieldpoint::sync::channel::{self, RecvTimeoutError};
    ///
    /// let (tx, rx) = channel::unbounded();
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// let sender = std::thread::spawn(move || tx.send(1).unwrap());
    /// assert_eq!(rx.recv_deadline(deadline + Duration::from_secs(60)), Ok(1));
    /// sender.join().unwrap(); // `tx` is gone with its thread
    /// assert_eq!(rx.recv_deadline(deadline), Err(RecvTimeoutError::Disconnected));
    /// ```
    #[inline]
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.chan.recv_until(
            Some(deadline),
            RecvTimeoutError::Disconnected,
            RecvTimeoutError::Timeout,
        )
    }

    /// Receives a message if one is there now.
    ///
    /// Python: `queue.get_nowait()` (raises `QueueEmpty`).
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Closed`].
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::channel::{self, TryRecvError};
    ///
    /// let (tx, rx) = channel::unbounded();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let popped = self.chan.lock().pop();
        popped.map(|(value, sender)| {
            if let Some(sender) = sender {
                sender.wake();
            }
            value
        })
    }

    /// [`recv`](Self::recv) for async code: a future of the next message that waits
    /// without blocking the executor's thread (tokio, `futures`, any executor).
    ///
    /// Cancel-safe: a message is taken from the channel only by the poll that returns it,
    /// so dropping the future loses nothing; a wakeup it was given and did not use goes to
    /// the next waiting future. A sender hands its message straight to a green thread
    /// parked in `recv`, if one is, and otherwise queues it and wakes one waiting future.
    ///
    /// Python: `await queue.get()` from a coroutine of another loop than the sender's.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is empty and every sender is gone (permanent).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    /// use yieldpoint::sync::channel;
    ///
    /// let rt = WorkQueue::builder().workers(1).build();
    /// let (tx, rx) = channel::unbounded();
    /// rt.spawn(move || tx.send("from a green thread").unwrap());
    /// futures::executor::block_on(async {
    ///     assert_eq!(rx.recv_async().await, Ok("from a green thread"));
    ///     assert_eq!(rx.recv_async().await, Err(channel::RecvError)); // the sender is gone
    /// });
    /// ```
    pub fn recv_async(&self) -> Recv<'_, T> {
        Recv {
            chan: &self.chan,
            ticket: None,
        }
    }

    /// The receiver as a [`Stream`](futures_core::Stream) of its messages, which ends once
    /// the channel is closed and drained: async code consumes it with
    /// `futures::StreamExt` (`next`, `map`, `collect`...). Each item is received as by
    /// [`recv_async`](Self::recv_async).
    ///
    /// Python: `async for item in queue_iterator` over an `asyncio.Queue`.
    ///
    /// # Examples
    /// ```
    /// use futures::StreamExt;
    /// use yieldpoint::sync::channel;
    ///
    /// let (tx, rx) = channel::unbounded();
    /// (1..=3).for_each(|n| tx.send(n).unwrap());
    /// drop(tx);
    /// let total = futures::executor::block_on(rx.into_stream().fold(0, |a, n| async move { a + n }));
    /// assert_eq!(total, 6);
    /// ```
    pub fn into_stream(self) -> RecvStream<T> {
        RecvStream {
            receiver: self,
            ticket: None,
        }
    }

    /// An iterator that receives until the channel is closed and drained.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::channel;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = channel::bounded(1);
    ///     yieldpoint::spawn(move || (1..=3).for_each(|n| tx.send(n).unwrap()));
    ///     assert_eq!(rx.iter().sum::<i32>(), 6); // ends when the sender is dropped
    /// });
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// Messages waiting right now. A message sent while a receiver was parked goes
    /// straight to that receiver and is not counted.
    ///
    /// Python: `queue.qsize()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::channel;
    ///
    /// let (tx, rx) = channel::unbounded();
    /// tx.send('a').unwrap();
    /// tx.send('b').unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.lock().len()
    }

    /// Whether no message is waiting right now.
    ///
    /// Python: `queue.empty()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::channel;
    ///
    /// let (tx, rx) = channel::unbounded();
    /// assert!(rx.is_empty());
    /// tx.send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lists `waiter` to be woken when a message is queued or the channel closes (for a
    /// [`Select`](super::Select)); returns its ticket for [`unlisten`](Self::unlisten).
    pub(super) fn listen(&self, waiter: Waiter) -> u64 {
        self.chan.lock().listen(waiter)
    }

    /// Unlists `ticket`'s waiter; a wakeup it got and did not use goes to the next.
    pub(super) fn unlisten(&self, ticket: u64) {
        leave_async(&self.chan, Some(ticket));
    }

    /// Whether a receive would not wait now (a message is queued, or the channel closed).
    pub(super) fn is_ready(&self) -> bool {
        self.chan.lock().is_ready()
    }
}

/// One async receive by `ticket`'s owner: the message, with the sender to wake for its room
/// woken; the close; or pending with the waker listed.
fn poll_recv<T>(
    chan: &Chan<T>,
    ticket: &mut Option<u64>,
    cx: &Context<'_>,
) -> Poll<Result<T, RecvError>> {
    let polled = chan.lock().poll_recv(ticket, cx.waker());
    polled.map_ok(|(value, sender)| {
        if let Some(sender) = sender {
            sender.wake();
        }
        value
    })
}

/// Unlists an async receive's waker as its future goes, passing on a wakeup it did not use.
fn leave_async<T>(chan: &Chan<T>, ticket: Option<u64>) {
    let Some(ticket) = ticket else { return };
    let next = chan.lock().leave_async(ticket);
    if let Some(next) = next {
        next.wake();
    }
}

/// The future of [`Sender::send_async`]: `Ok` once the value is sent, or [`SendError`]
/// with it back once every receiver is gone.
#[must_use = "futures do nothing unless awaited"]
pub struct SendAsync<'a, T> {
    /// The value, until it is sent (or handed back).
    value: Option<T>,
    /// The registration while the channel is full; its drop leaves the wait as a cancelled
    /// green sender's does (invariant 2).
    parked: ParkedSender<'a, T>,
}

impl<T> Future for SendAsync<'_, T> {
    type Output = Result<(), SendError<T>>;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let value = this
            .value
            .take()
            .expect("send_async polled after it completed; await a new send_async");
        let chan = this.parked.chan;
        let waker = || Waiter::Waker(cx.waker().clone());
        match State::send_step_as(chan.lock(), value, this.parked.ticket.take(), waker) {
            SendStep::Sent => Poll::Ready(Ok(())),
            SendStep::Closed(value) => Poll::Ready(Err(SendError(value))),
            SendStep::Listed(value, ticket) => {
                (this.value, this.parked.ticket) = (Some(value), Some(ticket));
                Poll::Pending
            }
        }
    }
}

// The value is never pinned: it moves in and out of the channel by value.
impl<T> Unpin for SendAsync<'_, T> {}

impl<T> fmt::Debug for SendAsync<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendAsync")
            .field("waiting", &self.parked.ticket.is_some())
            .finish()
    }
}

/// The future of [`Receiver::recv_async`]: the next message, or [`RecvError`] once the
/// channel is closed and drained.
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    chan: &'a Chan<T>,
    /// The ticket of this future's waker in the channel's `receiving_async` queue.
    ticket: Option<u64>,
}

impl<T> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        poll_recv(this.chan, &mut this.ticket, cx)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        leave_async(self.chan, self.ticket);
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("waiting", &self.ticket.is_some())
            .finish()
    }
}

/// A [`Receiver`] as a [`Stream`](futures_core::Stream) of its messages
/// ([`Receiver::into_stream`]); it ends once the channel is closed and drained.
pub struct RecvStream<T> {
    receiver: Receiver<T>,
    /// As [`Recv`]'s.
    ticket: Option<u64>,
}

impl<T> futures_core::Stream for RecvStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        poll_recv(&this.receiver.chan, &mut this.ticket, cx).map(Result::ok)
    }
}

impl<T> Drop for RecvStream<T> {
    fn drop(&mut self) {
        leave_async(&self.receiver.chan, self.ticket.take());
    }
}

impl<T> fmt::Debug for RecvStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("receiver", &self.receiver)
            .finish()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.lock().add_receiver();
        Receiver {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // The last receiver: every parked sender gets to see its send fail.
        let senders = self.chan.lock().drop_receiver();
        for sender in senders {
            sender.wake();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

receiver_iterators!(channel);

/// Every receiver is gone; the unsent value is inside.
///
/// # Examples
/// ```
/// use yieldpoint::sync::channel;
///
/// let (tx, rx) = channel::unbounded();
/// drop(rx);
/// let err = tx.send(String::from("lost")).unwrap_err();
/// assert_eq!(err.0, "lost"); // the value comes back
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a channel whose receivers are all dropped")
    }
}

impl<T> Error for SendError<T> {}

/// Why [`Sender::try_send`] did not send; the value is inside.
///
/// # Examples
/// ```
/// use yieldpoint::sync::channel::{self, TrySendError};
///
/// let (tx, _rx) = channel::bounded(1);
/// tx.try_send(1).unwrap();
/// match tx.try_send(2) {
///     Err(TrySendError::Full(value)) => assert_eq!(value, 2), // retry later
///     other => panic!("expected Full, got {other:?}"),
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The bounded channel is full right now (transient).
    Full(T),
    /// Every receiver is gone (permanent).
    Closed(T),
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("the channel is full"),
            TrySendError::Closed(_) => {
                f.write_str("sending on a channel whose receivers are all dropped")
            }
        }
    }
}

impl<T> Error for TrySendError<T> {}

/// The channel is empty and every sender is gone.
///
/// # Examples
/// ```
/// use yieldpoint::sync::channel::{self, RecvError};
///
/// let (tx, rx) = channel::unbounded::<u8>();
/// drop(tx);
/// assert_eq!(rx.recv(), Err(RecvError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a closed channel: it is empty and every sender is dropped")
    }
}

impl Error for RecvError {}

/// Why [`Receiver::recv_timeout`] (or [`recv_deadline`](Receiver::recv_deadline))
/// returned no message.
///
/// Rust: std's `mpsc::RecvTimeoutError`, the same variants. Python: `TimeoutError` from
/// `asyncio.wait_for(queue.get(), timeout)`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use yieldpoint::sync::channel::{self, RecvTimeoutError};
///
/// let (tx, rx) = channel::unbounded::<u8>();
/// let wait = Duration::from_millis(1);
/// assert_eq!(rx.recv_timeout(wait), Err(RecvTimeoutError::Timeout)); // transient
/// drop(tx);
/// assert_eq!(rx.recv_timeout(wait), Err(RecvTimeoutError::Disconnected)); // permanent
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// No message came before the deadline; the channel is still open (transient: wait
    /// again).
    Timeout,
    /// The channel is empty and every sender is gone (permanent).
    Disconnected,
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => {
                f.write_str("timed out waiting on a channel; it is still open, so wait again")
            }
            RecvTimeoutError::Disconnected => RecvError.fmt(f),
        }
    }
}

impl Error for RecvTimeoutError {}

impl From<RecvError> for RecvTimeoutError {
    fn from(RecvError: RecvError) -> Self {
        RecvTimeoutError::Disconnected
    }
}

/// Why [`Receiver::try_recv`] returned nothing.
///
/// # Examples
/// ```
/// use yieldpoint::sync::channel::{self, TryRecvError};
///
/// let (tx, rx) = channel::unbounded::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // transient
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed)); // permanent
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing is waiting right now (transient).
    Empty,
    /// The channel is empty and every sender is gone (permanent).
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("the channel is empty"),
            TryRecvError::Closed => RecvError.fmt(f),
        }
    }
}

impl Error for TryRecvError {}

#[cfg(test)]
mod tests {
    use super::{bounded, unbounded};
    use crate::sched::RoundRobin;

    /// A receiver woken for a message but cancelled before it ran passes the wakeup on:
    /// the next parked receiver gets the message instead of it waiting forever.
    #[test]
    fn cancelled_receiver_passes_its_wakeup_on() {
        RoundRobin::new().block_on(|| {
            let (tx, rx) = unbounded::<u32>();
            let (rx1, rx2) = (rx.clone(), rx);
            let first = crate::spawn(move || rx1.recv());
            let second = crate::spawn(move || rx2.recv());
            crate::yield_now(); // both park, `first` at the front
            tx.send(7).unwrap(); // wakes `first`
            first.cancel(); // ...which unwinds before it receives
            assert_eq!(second.join().unwrap(), Ok(7));
            assert!(first.join().unwrap_err().is_cancelled());
        });
    }

    /// The same for a sender woken for room in a bounded channel.
    #[test]
    fn cancelled_sender_passes_its_wakeup_on() {
        RoundRobin::new().block_on(|| {
            let (tx, rx) = bounded::<u32>(1);
            tx.send(0).unwrap();
            let (tx1, tx2) = (tx.clone(), tx);
            let first = crate::spawn(move || tx1.send(1).is_ok());
            let second = crate::spawn(move || tx2.send(2).is_ok());
            crate::yield_now(); // both park on the full channel
            assert_eq!(rx.recv(), Ok(0)); // makes room, wakes `first`
            first.cancel();
            assert!(second.join().unwrap());
            assert!(first.join().unwrap_err().is_cancelled());
            assert_eq!(rx.recv(), Ok(2));
            assert!(rx.try_recv().is_err());
        });
    }
}
