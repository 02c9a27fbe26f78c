//! A channel for the green threads of one OS thread: [`channel`](super::channel)'s
//! semantics without its lock, for tasks that never leave their thread.
//!
//! Python: `asyncio.Queue(maxsize)` (PEP 3156), which is single-threaded by nature: only
//! the coroutines of one event loop use it. Rust: a channel for the `!Send` tasks of one
//! thread, as tokio's `LocalSet` runs them, built from `Rc` and `RefCell` where
//! [`channel`](super::channel) uses `Arc` and a lock.
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//! use yieldpoint::sync::local_channel;
//!
//! RoundRobin::new().block_on(|| {
//!     let (tx, rx) = local_channel::bounded(1);
//!     let (echo_tx, echo_rx) = local_channel::unbounded();
//!     let echo = yieldpoint::spawn_local(move || {
//!         for word in rx {
//!             echo_tx.send(word).unwrap();
//!         }
//!     });
//!     for word in ["ping", "pong"] {
//!         tx.send(word).unwrap();
//!         assert_eq!(echo_rx.recv(), Ok(word));
//!     }
//!     drop(tx); // closes the channel: the echo task's loop ends
//!     echo.join().unwrap();
//!     assert_eq!(echo_rx.recv(), Err(local_channel::RecvError));
//! });
//! ```
//!
//! # When to use it
//!
//! Its [`Sender`] and [`Receiver`] are neither `Send` nor `Sync` (they share an `Rc`), so
//! the compiler keeps them on the thread that made them: use it between tasks of a
//! [`RoundRobin`](crate::sched::RoundRobin) or tasks made with
//! [`spawn_local`](crate::spawn_local), and [`channel`](super::channel) for anything that
//! crosses OS threads (work-queue tasks made with `spawn`, `spawn_blocking`, plain
//! threads). In exchange the channel itself takes no lock and no atomic operation, and a
//! `recv` that finds it empty yields once to the one other ready task before it parks
//! ([`Receiver::recv`], "Yield before the wait"). So a round trip between two round-robin
//! tasks is a yield each way, where over `channel` it is a park and a wakeup each way, and
//! about a third faster (the perf report's row `channel_ping_pong`).
//!
//! # Waiting
//!
//! The semantics are [`channel`](super::channel)'s, with the same error types: FIFO order,
//! `send` waits while a bounded channel is full, `recv` waits while it is empty, the
//! channel closes when every sender (or every receiver) is gone, and a waiting task that is
//! cancelled or times out leaves the wait queue, a message already handed to it going to
//! the next waiting receiver or back to the front of the queue. The state is `channel`'s
//! too (its module doc, "The wait-queue protocol"), guarded by a `RefCell` instead of a
//! lock; a receiver that parks lists a slot on its own stack, and a sender hands the next
//! message straight to it.
//!
//! Only a green thread can wait. Outside one, or in one whose stack unwinds (a destructor
//! running during a cancel or a panic cannot switch out), a wait could never end: nothing
//! else on this thread runs meanwhile, and no other thread holds an end. So a `recv` on an
//! empty channel with live senders, or a `send` on a full one with live receivers, panics
//! there with a message saying so, where [`channel`](super::channel) would block the OS
//! thread (during unwinding the panic aborts the process, which beats a silent hang).
//! Everything that does not wait works anywhere: `try_send`, `try_recv`, `send` on an
//! unbounded channel, `recv` on one that holds a message or is closed.
//!
//! ```
//! use yieldpoint::sync::local_channel;
//!
//! let (tx, rx) = local_channel::unbounded();
//! tx.send(1).unwrap(); // an unbounded send never waits
//! assert_eq!(rx.recv(), Ok(1));
//! let empty = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.recv()));
//! assert!(empty.is_err(), "it would wait forever: no task could send");
//! ```

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

pub use super::channel::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use super::channel::{RecvStep, SendStep, Slot, State};
use super::wait_list::Waiter;
use super::Select;
use crate::task::context::{self, Interrupt};
use crate::task::WaitReason;

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
/// use yieldpoint::sync::local_channel;
///
/// RoundRobin::new().block_on(|| {
///     let (tx, rx) = local_channel::bounded(2);
///     let producer = yieldpoint::spawn_local(move || {
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
        "local_channel::bounded(0) is not supported; use bounded(1) or more"
    );
    new(Some(capacity))
}

/// Creates a channel without a bound; `send` never waits.
///
/// Python: `asyncio.Queue()`.
///
/// # Examples
/// ```
/// use yieldpoint::sync::local_channel;
///
/// let (tx, rx) = local_channel::unbounded();
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
    let chan = Rc::new(Chan {
        state: RefCell::new(State::new(capacity)),
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The channel: `channel`'s state, borrowed only for short steps that run no user code and
/// never across a park, so a borrow never fails.
struct Chan<T> {
    state: RefCell<State<T, SlotRef<T>>>,
}

/// A listed receiver's slot, a `Cell` on its stack, as the `receiving` queue keeps it.
///
/// Valid while the receiver is listed: the receiver unlists itself before its `recv`
/// returns or unwinds ([`ParkedReceiver`]).
struct SlotRef<T>(*const Cell<Option<T>>);

impl<T> Slot<T> for SlotRef<T> {
    #[inline]
    unsafe fn deliver(&self, value: T) {
        // SAFETY: per the contract the receiver was listed until now, so its frame, which
        // holds the slot, is alive; the slot is a `Cell` of this thread, written by whoever
        // pops its receiver and read by that receiver once it is popped.
        let slot = unsafe { &*self.0 };
        slot.set(Some(value));
    }
}

/// Parks the current green thread until woken; may return spuriously. Outside a green
/// thread (or while its stack unwinds) nothing could wake it: panics instead.
#[inline(always)]
#[track_caller]
fn park(reason: WaitReason) {
    if !context::park_task(reason) {
        cannot_wait(reason);
    }
}

/// [`park`] that returns an interrupt delivered at the park (a cancel, an expired
/// timeout) instead of raising it.
#[inline(always)]
#[track_caller]
fn park_or_interrupt(reason: WaitReason) -> Result<(), Interrupt> {
    if !context::park_task_or_interrupt(reason)? {
        cannot_wait(reason);
    }
    Ok(())
}

#[cold]
#[inline(never)]
#[track_caller]
fn cannot_wait(reason: WaitReason) -> ! {
    let what = match reason {
        WaitReason::ChannelSend => "send on a full local_channel",
        _ => "recv on an empty local_channel",
    };
    if context::in_task() {
        panic!(
            "{what} would wait forever: a green thread cannot switch out while its stack \
             unwinds (in a destructor during a cancel or a panic), so no other task could \
             take its turn; wait after catch_unwind instead, or use try_send/try_recv here"
        )
    }
    panic!(
        "{what} would wait forever outside a green thread: its ends cannot leave this OS \
         thread, and no task of it runs while it waits; wait inside a task (block_on, \
         spawn_local), or use sync::channel to talk between OS threads"
    )
}

/// A parked receiver's registration. Dropped with a ticket only when the wait unwinds
/// (the task was cancelled or timed out while parked, or could not park): it unlists
/// itself, or, if a message was already handed to it, gives the message to the next listed
/// receiver, or back to the front of the queue, so none is lost.
struct ParkedReceiver<'a, T> {
    chan: &'a Chan<T>,
    slot: &'a Cell<Option<T>>,
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
    /// As `channel`'s `Chan::recv_interrupted`: a message handed over while the park was
    /// interrupted goes back while a sender is left, and is kept once every sender is gone
    /// (returned, with the interrupt deferred to the task's next yield point); otherwise
    /// the interrupt is raised.
    #[cold]
    #[inline(never)]
    fn recv_interrupted(
        &self,
        slot: &Cell<Option<T>>,
        ticket: Option<u64>,
        interrupt: Interrupt,
    ) -> T {
        match ticket.and_then(|ticket| self.leave_interrupted(slot, ticket)) {
            Some(message) => {
                interrupt.defer();
                message
            }
            None => interrupt.raise(),
        }
    }

    /// Unlists an interrupted receiver; the message handed to it if it keeps it.
    fn leave_interrupted(&self, slot: &Cell<Option<T>>, ticket: u64) -> Option<T> {
        let next = {
            let mut state = self.state.borrow_mut();
            if state.unlist_receiver(ticket) {
                return None; // still listed: nothing came
            }
            let message = slot.take()?; // `None`: popped by the close
            match state.give_back_while_open(message) {
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
    #[cold]
    fn leave(&self, ticket: u64) {
        let next = {
            let mut state = self.chan.state.borrow_mut();
            if state.unlist_receiver(ticket) {
                return; // still listed: nothing came
            }
            match self.slot.take() {
                Some(message) => state.give_back(message),
                None => return, // popped by the close, which woke every receiver
            }
        };
        if let Some(next) = next {
            next.wake();
        }
    }
}

/// A parked sender's registration. Dropped with a ticket only when the wait unwinds: it
/// unlists itself, or, if it had already been woken, passes the wakeup on to the next
/// sender while there is room, so none is lost.
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
    #[cold]
    fn leave(&self, ticket: u64) {
        let next = self.chan.state.borrow_mut().leave_sending(ticket);
        if let Some(next) = next {
            next.wake();
        }
    }
}

/// The sending half; clone it for more producers on this thread.
///
/// Neither `Send` nor `Sync`: see the [module docs](self) for when to use
/// [`channel::Sender`](super::channel::Sender) instead.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sync::local_channel;
///
/// RoundRobin::new().block_on(|| {
///     let (tx, rx) = local_channel::unbounded();
///     for id in 0..3 {
///         let tx = tx.clone();
///         yieldpoint::spawn_local(move || tx.send(id).unwrap());
///     }
///     drop(tx); // the channel closes when the clones are done too
///     assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]); // round-robin: spawn order
/// });
/// ```
pub struct Sender<T> {
    chan: Rc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while a bounded channel is full (parking the green thread).
    ///
    /// Python: `await queue.put(value)`.
    ///
    /// Inlined into its caller, so that a task parks and resumes in its own frame (see
    /// "Return-address prediction" in `sched/local.rs`).
    ///
    /// # Errors
    ///
    /// [`SendError`] holding `value` if every receiver is gone (permanent).
    ///
    /// # Panics
    ///
    /// If it would have to wait outside a green thread, or while the green thread's stack
    /// unwinds: nothing could make room (see the [module docs](self#waiting)). If the task
    /// is cancelled while waiting (the cancel unwinds from here); `value` is dropped.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::local_channel::{self, SendError};
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = local_channel::bounded(1);
    ///     let consumer = yieldpoint::spawn_local(move || rx.recv().unwrap() + rx.recv().unwrap());
    ///     tx.send(1).unwrap();
    ///     tx.send(2).unwrap(); // parks until the consumer takes the 1
    ///     assert_eq!(consumer.join().unwrap(), 3);
    ///     assert_eq!(tx.send(3), Err(SendError(3))); // the receiver is gone
    /// });
    /// ```
    #[inline(always)]
    #[track_caller]
    pub fn send(&self, mut value: T) -> Result<(), SendError<T>> {
        let mut parked = ParkedSender {
            chan: &self.chan,
            ticket: None,
        };
        loop {
            match State::send_step(self.chan.state.borrow_mut(), value, parked.ticket.take()) {
                SendStep::Sent => return Ok(()),
                SendStep::Closed(value) => return Err(SendError(value)),
                SendStep::Listed(back, ticket) => (value, parked.ticket) = (back, Some(ticket)),
            }
            park(WaitReason::ChannelSend);
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
    /// use yieldpoint::sync::local_channel::{self, TrySendError};
    ///
    /// let (tx, rx) = local_channel::bounded(1);
    /// assert_eq!(tx.try_send("a"), Ok(()));
    /// assert_eq!(tx.try_send("b"), Err(TrySendError::Full("b")));
    /// drop(rx);
    /// assert_eq!(tx.try_send("c"), Err(TrySendError::Closed("c")));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let receiver = self.chan.state.borrow_mut().try_send(value)?;
        if let Some(receiver) = receiver {
            receiver.wake();
        }
        Ok(())
    }

    /// Whether every receiver is gone.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::local_channel;
    ///
    /// let (tx, rx) = local_channel::unbounded::<u8>();
    /// let rx2 = rx.clone();
    /// drop(rx);
    /// assert!(!tx.is_closed()); // `rx2` still receives
    /// drop(rx2);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.state.borrow().is_closed()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.state.borrow_mut().add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // The last sender closes the channel: every parked receiver gets to see it.
        let receivers = self.chan.state.borrow_mut().drop_sender();
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

/// The receiving half; clone it for more consumers on this thread (each message goes to
/// one of them).
///
/// Neither `Send` nor `Sync`: see the [module docs](self) for when to use
/// [`channel::Receiver`](super::channel::Receiver) instead.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sync::local_channel;
///
/// RoundRobin::new().block_on(|| {
///     let (tx, rx) = local_channel::unbounded();
///     let rx2 = rx.clone();
///     let a = yieldpoint::spawn_local(move || rx.iter().count());
///     let b = yieldpoint::spawn_local(move || rx2.iter().count());
///     (0..10).for_each(|n| tx.send(n).unwrap());
///     drop(tx);
///     // Each message went to exactly one of the two receivers.
///     assert_eq!(a.join().unwrap() + b.join().unwrap(), 10);
/// });
/// ```
pub struct Receiver<T> {
    chan: Rc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting (parking the green thread) while the channel is
    /// empty.
    ///
    /// Python: `await queue.get()`.
    ///
    /// A receiver that parks lists a slot on its own stack; the sender that finds it hands
    /// the message over there, so once woken the receiver returns it without looking at
    /// the channel again. Inlined into its caller, as [`Sender::send`].
    ///
    /// # Yield before the wait
    ///
    /// On an empty channel, when exactly one other task is ready on this thread, `recv`
    /// first yields to that task, once, and looks again before it parks. Between two tasks
    /// that answer each other (a ping-pong, a request and its reply) the peer is that one
    /// ready task, and it usually sends before it switches out: the message is then taken
    /// from the queue, with no park and no wakeup. If nothing came, the receiver parks as
    /// usual, having switched out once more. With several tasks ready it parks at once, as
    /// they would all run before it anyway. A task dump shows the receiver ready during
    /// that yield; its timeline shows the yield as parked on [`WaitReason::ChannelRecv`].
    /// A cancel or an expired timeout delivered at the yield unwinds from `recv` as one
    /// delivered at the park does; no message was taken.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the channel is empty and every sender is gone (permanent).
    ///
    /// # Panics
    ///
    /// If it would have to wait outside a green thread, or while the green thread's stack
    /// unwinds: nothing could send (see the [module docs](self#waiting)). If the task is
    /// cancelled while waiting (the cancel unwinds from here), unless a message was handed
    /// to it before every sender was gone: as
    /// [`channel::Receiver::recv`](super::channel::Receiver::recv)'s.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::local_channel::{self, RecvError};
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = local_channel::unbounded();
    ///     yieldpoint::spawn_local(move || tx.send("hello").unwrap());
    ///     assert_eq!(rx.recv(), Ok("hello")); // parks until the task sends
    ///     assert_eq!(rx.recv(), Err(RecvError)); // drained, and the sender is gone
    /// });
    /// ```
    #[inline(always)]
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        if !self.chan.state.borrow().is_ready() {
            context::yield_before_wait(WaitReason::ChannelRecv);
        }
        let slot = Cell::new(None);
        let mut parked = ParkedReceiver {
            chan: &self.chan,
            slot: &slot,
            ticket: None,
        };
        loop {
            let mut state = self.chan.state.borrow_mut();
            if let Some(ticket) = parked.ticket.take() {
                // Woken with an empty slot: by the close, or spuriously (still listed).
                state.unlist_receiver(ticket);
            }
            match State::recv_step(state, SlotRef(&slot)) {
                RecvStep::Received(value) => return Ok(value),
                RecvStep::Closed => return Err(RecvError),
                RecvStep::Listed(ticket) => parked.ticket = Some(ticket),
            }
            if let Err(interrupt) = park_or_interrupt(WaitReason::ChannelRecv) {
                return Ok(self
                    .chan
                    .recv_interrupted(&slot, parked.ticket.take(), interrupt));
            }
            if let Some(value) = slot.take() {
                // Only the one who popped this receiver fills its slot: it is unlisted.
                parked.ticket = None;
                return Ok(value);
            }
        }
    }

    /// Receives the next message, waiting at most `timeout` while the channel is empty.
    ///
    /// [`channel::Receiver::recv_timeout`](super::channel::Receiver::recv_timeout)'s
    /// semantics and errors; the wait is a one-arm [`Select`]. Outside a green thread
    /// nothing on this thread could send meanwhile, so it sleeps the thread for `timeout`
    /// and then looks once more.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] if no message came in time (transient);
    /// [`RecvTimeoutError::Disconnected`] once the channel is empty and every sender is
    /// gone (permanent).
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting (no message was taken).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::local_channel::{self, RecvTimeoutError};
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = local_channel::unbounded();
    ///     assert_eq!(rx.recv_timeout(Duration::from_millis(2)), Err(RecvTimeoutError::Timeout));
    ///     yieldpoint::spawn_local(move || tx.send(1).unwrap());
    ///     assert_eq!(rx.recv_timeout(Duration::from_secs(60)), Ok(1));
    ///     assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Disconnected));
    /// });
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match Select::new()
            .recv_local(self, |r| r)
            .select_timeout(timeout)
        {
            Ok(received) => Ok(received?),
            Err(_) => Err(RecvTimeoutError::Timeout),
        }
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
    /// use yieldpoint::sync::local_channel::{self, TryRecvError};
    ///
    /// let (tx, rx) = local_channel::unbounded();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let (value, sender) = self.chan.state.borrow_mut().pop()?;
        if let Some(sender) = sender {
            sender.wake();
        }
        Ok(value)
    }

    /// An iterator that receives until the channel is closed and drained.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::local_channel;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = local_channel::bounded(1);
    ///     yieldpoint::spawn_local(move || (1..=3).for_each(|n| tx.send(n).unwrap()));
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
    /// use yieldpoint::sync::local_channel;
    ///
    /// let (tx, rx) = local_channel::unbounded();
    /// tx.send('a').unwrap();
    /// tx.send('b').unwrap();
    /// assert_eq!(rx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.state.borrow().len()
    }

    /// Whether no message is waiting right now.
    ///
    /// Python: `queue.empty()`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::local_channel;
    ///
    /// let (tx, rx) = local_channel::unbounded();
    /// assert!(rx.is_empty());
    /// tx.send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Receiver<T> {
    /// Lists `waiter` to be woken when a message is queued or the channel closes (for a
    /// [`Select`]); returns its ticket for [`unlisten`](Self::unlisten).
    pub(super) fn listen(&self, waiter: Waiter) -> u64 {
        self.chan.state.borrow_mut().listen(waiter)
    }

    /// Unlists `ticket`'s waiter; a wakeup it got and did not use goes to the next.
    pub(super) fn unlisten(&self, ticket: u64) {
        let next = self.chan.state.borrow_mut().leave_async(ticket);
        if let Some(next) = next {
            next.wake();
        }
    }

    /// Whether a receive would not wait now (a message is queued, or the channel closed).
    pub(super) fn is_ready(&self) -> bool {
        self.chan.state.borrow().is_ready()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.state.borrow_mut().add_receiver();
        Receiver {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // The last receiver: every parked sender gets to see its send fail.
        let senders = self.chan.state.borrow_mut().drop_receiver();
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

receiver_iterators!(local_channel);
