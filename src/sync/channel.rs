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

use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use super::wait_list::WaitList;
use crate::task::WaitReason;

/// Creates a channel that holds at most `capacity` messages; `send` waits while it is full.
///
/// Python: `asyncio.Queue(maxsize=capacity)`.
///
/// # Panics
///
/// If `capacity` is 0 (a rendezvous channel is not supported): use `bounded(1)`.
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
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    new(None)
}

fn new<T>(capacity: Option<usize>) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            capacity,
            senders: 1,
            receivers: 1,
        }),
        receivers: WaitList::new(),
        senders: WaitList::new(),
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

struct Chan<T> {
    state: Mutex<State<T>>,
    /// Receivers waiting for a message or for the close.
    receivers: WaitList,
    /// Senders waiting for room (bounded channels only).
    senders: WaitList,
}

struct State<T> {
    queue: VecDeque<T>,
    capacity: Option<usize>,
    senders: usize,
    receivers: usize,
}

impl<T> Chan<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No user code runs under this lock, so it is never poisoned mid-update.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One attempt to send: `Ok(Ok)` sent, `Ok(Err)` no receiver left, `Err(v)` full.
    fn try_push(&self, value: T) -> Result<Result<(), SendError<T>>, T> {
        let mut state = self.lock();
        if state.receivers == 0 {
            return Ok(Err(SendError(value)));
        }
        if state.capacity.is_some_and(|cap| state.queue.len() >= cap) {
            return Err(value);
        }
        state.queue.push_back(value);
        drop(state);
        self.receivers.notify_one();
        Ok(Ok(()))
    }

    /// One attempt to receive.
    fn try_pop(&self) -> Result<T, TryRecvError> {
        let mut state = self.lock();
        match state.queue.pop_front() {
            Some(value) => {
                let bounded = state.capacity.is_some();
                drop(state);
                if bounded {
                    self.senders.notify_one();
                }
                Ok(value)
            }
            None if state.senders == 0 => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }
}

/// The sending half; clone it for more producers.
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
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let mut value = Some(value);
        self.chan.senders.wait_until(WaitReason::ChannelSend, || {
            let v = value.take()?;
            match self.chan.try_push(v) {
                Ok(result) => Some(result),
                Err(full) => {
                    value = Some(full);
                    None
                }
            }
        })
    }

    /// Sends `value` if there is room now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], each holding `value`.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan.try_push(value) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(SendError(v))) => Err(TrySendError::Closed(v)),
            Err(v) => Err(TrySendError::Full(v)),
        }
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.lock().receivers == 0
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.lock().senders += 1;
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.chan.lock();
        state.senders -= 1;
        let last = state.senders == 0;
        drop(state);
        if last {
            self.chan.receivers.notify_all();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The receiving half; clone it for more consumers (each message goes to one of them).
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
    /// If the task is cancelled while waiting.
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan
            .receivers
            .wait_until(WaitReason::ChannelRecv, || match self.chan.try_pop() {
                Ok(value) => Some(Ok(value)),
                Err(TryRecvError::Closed) => Some(Err(RecvError)),
                Err(TryRecvError::Empty) => None,
            })
    }

    /// Receives a message if one is there now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] or [`TryRecvError::Closed`].
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_pop()
    }

    /// An iterator that receives until the channel is closed and drained.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// Messages waiting right now.
    pub fn len(&self) -> usize {
        self.chan.lock().queue.len()
    }

    /// Whether no message is waiting right now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.lock().receivers += 1;
        Receiver {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.chan.lock();
        state.receivers -= 1;
        let last = state.receivers == 0;
        drop(state);
        if last {
            self.chan.senders.notify_all();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// Iterator over received messages; see [`Receiver::iter`].
#[derive(Debug)]
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

/// Owning iterator over received messages.
#[derive(Debug)]
pub struct IntoIter<T> {
    receiver: Receiver<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { receiver: self }
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// Every receiver is gone; the unsent value is inside.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a closed channel: it is empty and every sender is dropped")
    }
}

impl Error for RecvError {}

/// Why [`Receiver::try_recv`] returned nothing.
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
