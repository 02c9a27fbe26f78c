//! Waiting on several channels at once, with an optional time limit: [`Select`].
//!
//! Go: `select { case v, ok := <-a: ... case v, ok := <-b: ... case <-time.After(d): ... }`.
//! Python: `asyncio.wait({get_a, get_b}, timeout=d, return_when=FIRST_COMPLETED)`. Rust:
//! crossbeam-channel's `Select`, whose method names these follow (`select`, `try_select`,
//! `select_timeout`, `select_deadline`).
//!
//! ```
//! use std::time::Duration;
//! use yieldpoint::sched::RoundRobin;
//! use yieldpoint::sync::{channel, Select};
//!
//! #[derive(Debug, PartialEq)]
//! enum Event {
//!     Job(u32),
//!     Quit,
//! }
//!
//! RoundRobin::new().block_on(|| {
//!     let (jobs_tx, jobs) = channel::unbounded();
//!     let (quit_tx, quit) = channel::bounded(1);
//!     yieldpoint::spawn(move || {
//!         jobs_tx.send(7).unwrap();
//!         quit_tx.send(()).unwrap();
//!     });
//!     let mut select = Select::new()
//!         .recv(&jobs, |job| Event::Job(job.unwrap()))
//!         .recv(&quit, |_| Event::Quit);
//!     let wait = Duration::from_secs(60);
//!     assert_eq!(select.select_timeout(wait), Ok(Event::Job(7)));
//!     assert_eq!(select.select_timeout(wait), Ok(Event::Quit));
//! });
//! ```
//!
//! # How it waits
//!
//! A select takes a message only with `try_recv`, never by hand-off: it first tries every
//! arm; if none is ready, it lists itself (the green thread, or the OS thread) with each
//! arm's channel among the waiters that a queued message or the close wakes (the queue the
//! channels' futures wait in: see "The wait-queue protocol" in
//! [`channel`]), looks once more, and parks. Woken, it unlists itself
//! everywhere and tries again. A wakeup it got from a channel it then does not take from
//! goes to that channel's next waiter, so no message waits while a select that could take
//! it sleeps, and a message is taken only by the `try_recv` whose result the select
//! returns: none is lost, whatever interrupts the wait (a timeout, a cancel).
//!
//! A receiver parked in a plain `recv` on the same channel is handed messages first; the
//! select sees only what reaches the queue.

use std::fmt;
use std::time::{Duration, Instant};

use super::channel::{self, RecvError, TryRecvError};
use super::local_channel;
use super::wait_list::{park_current, park_current_until, Waiter};
use crate::task::WaitReason;
use crate::time::deadline_after;

/// A wait for the first of several channels to have a message (or to close), with an
/// optional time limit.
///
/// Build it with one [`recv`](Self::recv) per channel, each with a function that turns that
/// channel's outcome — `Ok(message)`, or `Err(RecvError)` once it is closed and drained —
/// into the select's output `O` (an enum naming the arm, say). Then
/// [`select`](Self::select), [`select_timeout`](Self::select_timeout) or
/// [`try_select`](Self::try_select) returns the output of the arm that was ready, as many
/// times as you like. A closed channel is always ready (Go's `v, ok := <-ch` with `ok ==
/// false`): [`remove`](Self::remove) its arm once it is done with (Go: set the channel to
/// `nil`).
///
/// When several arms are ready, the one after the arm chosen last is taken (round robin),
/// so an arm that is always ready does not starve the others.
///
/// It works in a green thread on either scheduler (the task parks; other tasks run), and
/// on a plain OS thread (the thread parks), like the channels' own waits.
///
/// Go: `select`. Python: `asyncio.wait(..., return_when=FIRST_COMPLETED)`. Rust:
/// crossbeam-channel's `Select`, which returns an operation to complete; this one completes
/// it, returning the message.
///
/// # Examples
///
/// A time limit, then a message from another OS thread:
/// ```
/// use std::time::Duration;
/// use yieldpoint::sync::{channel, Select, SelectTimeoutError};
///
/// let (tx, numbers) = channel::unbounded::<u32>();
/// let (_names_tx, names) = channel::unbounded::<String>();
/// let mut select = Select::new()
///     .recv(&numbers, |n| format!("number {}", n.unwrap()))
///     .recv(&names, |name| format!("name {}", name.unwrap()));
/// assert_eq!(select.select_timeout(Duration::from_millis(1)), Err(SelectTimeoutError));
/// std::thread::spawn(move || tx.send(3).unwrap());
/// assert_eq!(select.select(), "number 3");
/// ```
pub struct Select<'a, O> {
    /// In the order added; `None` once [`remove`](Self::remove)d, so indices stay put.
    arms: Vec<Option<Box<dyn Arm<O> + 'a>>>,
    /// The arm tried first by the next select: the one after the arm chosen last.
    next: usize,
}

/// One arm of a [`Select`]: a receiver and what to make of its outcome.
trait Arm<O> {
    /// Receives without waiting; the mapped outcome if the channel had a message or is
    /// closed.
    fn try_take(&mut self) -> Option<O>;
    /// Whether [`try_take`](Self::try_take) would return something now.
    fn is_ready(&self) -> bool;
    /// Lists `waiter` to be woken by a queued message or the close; returns its ticket.
    fn listen(&self, waiter: Waiter) -> u64;
    /// Unlists `ticket`'s waiter, passing on a wakeup it did not use.
    fn unlisten(&self, ticket: u64);
    /// Whether only tasks of this OS thread can make it ready (a `local_channel`).
    fn is_local(&self) -> bool;
}

/// The receiver ends a [`Select`] can wait on.
trait Source {
    type Item;
    fn try_recv(&self) -> Result<Self::Item, TryRecvError>;
    fn is_ready(&self) -> bool;
    fn listen(&self, waiter: Waiter) -> u64;
    fn unlisten(&self, ticket: u64);
    const LOCAL: bool;
}

/// `Source` for a channel module's `Receiver`, by its inherent methods of the same names.
macro_rules! source_for {
    ($module:ident, local: $local:literal) => {
        impl<T> Source for $module::Receiver<T> {
            type Item = T;
            fn try_recv(&self) -> Result<T, TryRecvError> {
                $module::Receiver::try_recv(self)
            }
            fn is_ready(&self) -> bool {
                $module::Receiver::is_ready(self)
            }
            fn listen(&self, waiter: Waiter) -> u64 {
                $module::Receiver::listen(self, waiter)
            }
            fn unlisten(&self, ticket: u64) {
                $module::Receiver::unlisten(self, ticket);
            }
            const LOCAL: bool = $local;
        }
    };
}

source_for!(channel, local: false);
source_for!(local_channel, local: true);

/// A [`Source`] and the function that maps its outcome.
struct RecvArm<'a, R, F> {
    receiver: &'a R,
    map: F,
}

impl<O, R: Source, F: FnMut(Result<R::Item, RecvError>) -> O> Arm<O> for RecvArm<'_, R, F> {
    fn try_take(&mut self) -> Option<O> {
        match self.receiver.try_recv() {
            Ok(message) => Some((self.map)(Ok(message))),
            Err(TryRecvError::Closed) => Some((self.map)(Err(RecvError))),
            Err(TryRecvError::Empty) => None,
        }
    }
    fn is_ready(&self) -> bool {
        self.receiver.is_ready()
    }
    fn listen(&self, waiter: Waiter) -> u64 {
        self.receiver.listen(waiter)
    }
    fn unlisten(&self, ticket: u64) {
        self.receiver.unlisten(ticket);
    }
    fn is_local(&self) -> bool {
        R::LOCAL
    }
}

impl<'a, O> Select<'a, O> {
    /// A select with no arms yet; add them with [`recv`](Self::recv).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::Select;
    ///
    /// let mut select = Select::<u8>::new();
    /// assert_eq!(select.try_select(), None); // nothing to wait on
    /// ```
    pub fn new() -> Self {
        Select {
            arms: Vec::new(),
            next: 0,
        }
    }

    /// Adds an arm that receives from `receiver`, a [`channel`] end, and
    /// turns the outcome into the select's output with `map`: `Ok(message)`, or
    /// `Err(RecvError)` once the channel is empty and every sender is gone.
    ///
    /// Go: `case v, ok := <-receiver:`.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::{channel, Select};
    ///
    /// let (tx, rx) = channel::unbounded();
    /// tx.send(5).unwrap();
    /// drop(tx);
    /// let mut select = Select::new().recv(&rx, |n: Result<u32, _>| n.ok());
    /// assert_eq!(select.select(), Some(5));
    /// assert_eq!(select.select(), None); // closed: ready at once, with `Err(RecvError)`
    /// ```
    #[must_use = "the builder returns the select with the arm added"]
    pub fn recv<T>(
        self,
        receiver: &'a channel::Receiver<T>,
        map: impl FnMut(Result<T, RecvError>) -> O + 'a,
    ) -> Self {
        self.arm(RecvArm { receiver, map })
    }

    /// [`recv`](Self::recv) for a [`local_channel`] end (the
    /// channel of one OS thread's green threads).
    ///
    /// Only tasks of this OS thread can send on it, so a select whose arms are all local
    /// channels panics rather than wait without a time limit outside a green thread (as
    /// `local_channel`'s `recv` does there); with a time limit it sleeps the thread until
    /// then.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::{local_channel, Select};
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (tx, rx) = local_channel::unbounded();
    ///     yieldpoint::spawn_local(move || tx.send('x').unwrap());
    ///     let mut select = Select::new().recv_local(&rx, Result::ok);
    ///     assert_eq!(select.select_timeout(Duration::from_secs(60)), Ok(Some('x')));
    /// });
    /// ```
    #[must_use = "the builder returns the select with the arm added"]
    pub fn recv_local<T>(
        self,
        receiver: &'a local_channel::Receiver<T>,
        map: impl FnMut(Result<T, RecvError>) -> O + 'a,
    ) -> Self {
        self.arm(RecvArm { receiver, map })
    }

    fn arm(mut self, arm: impl Arm<O> + 'a) -> Self {
        self.arms.push(Some(Box::new(arm)));
        self
    }

    /// Removes arm `index` (counted from 0 in the order the arms were added; the others
    /// keep theirs): a channel that is closed and done with, which would otherwise be
    /// ready at every select.
    ///
    /// Go: setting a channel variable to `nil`, which disables its `case`.
    ///
    /// # Panics
    ///
    /// If there is no arm `index`, or it was removed already.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::{channel, Select};
    ///
    /// let (tx, done) = channel::unbounded::<()>();
    /// let (more_tx, more) = channel::unbounded();
    /// drop(tx);
    /// more_tx.send(1).unwrap();
    /// let mut select = Select::new().recv(&done, |_| None).recv(&more, Result::ok);
    /// assert_eq!(select.select(), None); // `done` is closed: ready, and first in turn
    /// select.remove(0);
    /// assert_eq!(select.select(), Some(1));
    /// ```
    #[track_caller]
    pub fn remove(&mut self, index: usize) {
        let removed = self.arms.get_mut(index).and_then(Option::take);
        assert!(
            removed.is_some(),
            "Select::remove({index}): no such arm (arms are counted from 0 in the order added, \
             and each is removed once)"
        );
    }

    /// The arms not removed.
    fn live_arms(&self) -> impl Iterator<Item = &(dyn Arm<O> + 'a)> {
        self.arms.iter().flatten().map(|arm| &**arm)
    }

    /// The output of the first ready arm (starting after the one chosen last), without
    /// waiting; `None` if no channel has a message and none is closed.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sync::{channel, Select};
    ///
    /// let (a_tx, a) = channel::unbounded();
    /// let (b_tx, b) = channel::unbounded();
    /// let mut select = Select::new().recv(&a, |m| ('a', m)).recv(&b, |m| ('b', m));
    /// assert_eq!(select.try_select(), None);
    /// a_tx.send(1).unwrap();
    /// a_tx.send(2).unwrap();
    /// b_tx.send(3).unwrap();
    /// // Both ready: the arms take turns.
    /// assert_eq!(select.try_select(), Some(('a', Ok(1))));
    /// assert_eq!(select.try_select(), Some(('b', Ok(3))));
    /// assert_eq!(select.try_select(), Some(('a', Ok(2))));
    /// ```
    pub fn try_select(&mut self) -> Option<O> {
        let count = self.arms.len();
        (0..count).find_map(|offset| {
            let index = (self.next + offset) % count;
            let output = self.arms[index].as_mut()?.try_take()?;
            self.next = (index + 1) % count;
            Some(output)
        })
    }

    /// Waits until one of the channels has a message or is closed; returns that arm's
    /// output.
    ///
    /// Go: `select` without `default`.
    ///
    /// # Panics
    ///
    /// With no arms, or with only [`recv_local`](Self::recv_local) arms outside a green
    /// thread: nothing could ever end the wait. If the task is cancelled while waiting (the
    /// cancel unwinds from here; no message was taken).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    /// use yieldpoint::sync::{channel, Select};
    ///
    /// let rt = WorkQueue::builder().workers(2).build();
    /// let (tx, rx) = channel::unbounded();
    /// let (_other_tx, other) = channel::unbounded::<u32>();
    /// let waiter = rt.spawn(move || {
    ///     Select::new().recv(&rx, |m| m.unwrap()).recv(&other, |m| m.unwrap()).select()
    /// });
    /// tx.send(9).unwrap(); // from this OS thread
    /// assert_eq!(waiter.join().unwrap(), 9);
    /// ```
    #[track_caller]
    pub fn select(&mut self) -> O {
        match self.wait(None) {
            Ok(output) => output,
            Err(SelectTimeoutError) => unreachable!("a select without deadline never times out"),
        }
    }

    /// [`select`](Self::select) that gives up once `timeout` has passed.
    ///
    /// Go: `select` with a `case <-time.After(timeout):`.
    ///
    /// # Errors
    ///
    /// [`SelectTimeoutError`] if no arm was ready in time.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::sync::{channel, Select, SelectTimeoutError};
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let (_tx, rx) = channel::unbounded::<u8>();
    ///     let mut select = Select::new().recv(&rx, |m| m);
    ///     let waited = select.select_timeout(Duration::from_millis(2));
    ///     assert_eq!(waited, Err(SelectTimeoutError));
    /// });
    /// ```
    #[track_caller]
    pub fn select_timeout(&mut self, timeout: Duration) -> Result<O, SelectTimeoutError> {
        self.wait(Some(deadline_after(timeout)))
    }

    /// [`select`](Self::select) that gives up at `deadline`; a deadline in the past makes
    /// it a [`try_select`](Self::try_select).
    ///
    /// # Errors
    ///
    /// [`SelectTimeoutError`] if no arm was ready in time.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while waiting.
    ///
    /// # Examples
    /// ```
    /// use std::time::{Duration, Instant};
    /// use yieldpoint::sync::{channel, Select, SelectTimeoutError};
    ///
    /// let (tx, rx) = channel::unbounded::<u8>();
    /// let mut select = Select::new().recv(&rx, |m| m);
    /// let deadline = Instant::now() + Duration::from_millis(1);
    /// assert_eq!(select.select_deadline(deadline), Err(SelectTimeoutError));
    /// tx.send(4).unwrap();
    /// assert_eq!(select.select_deadline(deadline), Ok(Ok(4))); // past, but ready
    /// ```
    #[track_caller]
    pub fn select_deadline(&mut self, deadline: Instant) -> Result<O, SelectTimeoutError> {
        self.wait(Some(deadline))
    }

    /// The loop of the module doc ("How it waits").
    #[track_caller]
    fn wait(&mut self, deadline: Option<Instant>) -> Result<O, SelectTimeoutError> {
        if self.live_arms().next().is_none() && deadline.is_none() {
            panic!("Select::select with no arms would wait forever; add one with Select::recv")
        }
        loop {
            if let Some(output) = self.try_select() {
                return Ok(output);
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Err(SelectTimeoutError);
            }
            let listening = Listening::new(self.live_arms().collect());
            if deadline.is_none() && listening.cannot_be_woken {
                panic!(
                    "Select::select over local_channel ends only would wait forever outside a \
                     green thread: no task of this thread runs while it waits; select inside \
                     a task (block_on, spawn_local), add a time limit, or use sync::channel"
                )
            }
            if !listening.any_ready() {
                match deadline {
                    None => park_current(WaitReason::ChannelRecv),
                    Some(deadline) => {
                        if let Err(interrupt) =
                            park_current_until(WaitReason::ChannelRecv, deadline)
                        {
                            interrupt.raise();
                        }
                    }
                }
            }
            // `listening` drops here: unlisted everywhere before the next try.
        }
    }
}

/// A select's registration with each of its arms' channels; dropping it (after the park,
/// or while a cancel unwinds) unlists the waiter everywhere, passing on the wakeups it did
/// not use.
struct Listening<'s, 'a, O> {
    arms: Vec<&'s (dyn Arm<O> + 'a)>,
    tickets: Vec<u64>,
    /// The waiter is an OS thread and every arm a local channel: nothing could wake it.
    cannot_be_woken: bool,
}

impl<'s, 'a, O> Listening<'s, 'a, O> {
    fn new(arms: Vec<&'s (dyn Arm<O> + 'a)>) -> Self {
        let mut listening = Listening {
            tickets: Vec::with_capacity(arms.len()),
            cannot_be_woken: false,
            arms,
        };
        for arm in &listening.arms {
            let waiter = Waiter::current();
            listening.cannot_be_woken |= matches!(waiter, Waiter::Thread(_));
            listening.tickets.push(arm.listen(waiter));
        }
        listening.cannot_be_woken &= listening.arms.iter().all(|arm| arm.is_local());
        listening
    }

    /// The second look after listing: a message queued (or a close) between the first try
    /// and the listing woke nobody.
    fn any_ready(&self) -> bool {
        self.arms.iter().any(|arm| arm.is_ready())
    }
}

impl<O> Drop for Listening<'_, '_, O> {
    fn drop(&mut self) {
        for (arm, &ticket) in self.arms.iter().zip(&self.tickets) {
            arm.unlisten(ticket);
        }
    }
}

impl<O> Default for Select<'_, O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<O> fmt::Debug for Select<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("arms", &self.live_arms().count())
            .finish_non_exhaustive()
    }
}

/// The error of [`Select::select_timeout`] and [`Select::select_deadline`]: no arm was
/// ready in time (transient: the channels are as they were; select again).
///
/// Rust: crossbeam-channel's `SelectTimeoutError`. Python: the empty `done` set of
/// `asyncio.wait(..., timeout=...)`.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// use yieldpoint::sync::{channel, Select, SelectTimeoutError};
///
/// let (_tx, rx) = channel::unbounded::<u8>();
/// let err = Select::new().recv(&rx, |m| m).select_timeout(Duration::ZERO).unwrap_err();
/// assert_eq!(err, SelectTimeoutError);
/// assert_eq!(err.to_string(), "timed out waiting on a select; no channel was ready");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectTimeoutError;

impl fmt::Display for SelectTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out waiting on a select; no channel was ready")
    }
}

impl std::error::Error for SelectTimeoutError {}
