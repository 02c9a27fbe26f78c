//! Green-aware synchronization: channels, `Mutex`, `Event`, `Semaphore`.
//!
//! Python: `asyncio.Queue`, `asyncio.Lock`, `asyncio.Event`, `asyncio.Semaphore`
//! (PEP 3156). Waiting on one parks the green thread, not the OS thread: the scheduler runs
//! other tasks meanwhile. Outside a scheduler the same calls block the OS thread, so the
//! same code runs in both places, and a green thread can talk to an OS thread.
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//! use yieldpoint::sync::channel;
//!
//! let total = RoundRobin::new().block_on(|| {
//!     let (tx, rx) = channel::bounded(2);
//!     for id in 0..3 {
//!         let tx = tx.clone();
//!         yieldpoint::spawn(move || tx.send(id * 10).unwrap());
//!     }
//!     drop(tx); // the channel closes when the last sender is gone
//!     rx.iter().sum::<i32>()
//! });
//! assert_eq!(total, 30);
//! ```
//!
//! Between two yield points a task runs alone, so plain data shared by the tasks of one
//! [`RoundRobin`](crate::sched::RoundRobin) needs no lock at all (the bank transfer of
//! the article "Python Cooperative Scheduling — Core Concepts"); a [`Mutex`] is for state
//! that must stay consistent *across* a yield point.
//!
//! # Which channel
//!
//! - [`channel`]: thread-safe. Its ends are `Send` (for `T: Send`), so it connects green
//!   threads on any scheduler, green threads on different work-queue workers, OS threads,
//!   and a green thread with an OS thread; outside a scheduler a wait blocks the OS thread.
//! - [`local_channel`]: for the green threads of one OS thread (the tasks of a
//!   [`RoundRobin`](crate::sched::RoundRobin), or tasks made with
//!   [`spawn_local`](crate::spawn_local)). Its ends are not `Send`, it takes no lock and
//!   no atomic operation of its own, and a `recv` on an empty one yields to the one other
//!   ready task before it parks, so a round trip between two tasks is faster (about a
//!   third in the perf report's `channel_ping_pong` row). A wait outside a green thread
//!   panics instead of blocking, since nothing could ever end it.
//!
//! Both have the same API, semantics and error types, `asyncio.Queue`'s: pick
//! `local_channel` when every end stays on one thread, and switching costs one import.
//!
//! # Waiting with a time limit, or on several channels
//!
//! [`Receiver::recv_timeout`](channel::Receiver::recv_timeout) is `recv` with a time
//! limit (std's name and error, `RecvTimeoutError::{Timeout, Disconnected}`), in green
//! threads and on OS threads alike. [`Select`] waits for the first of several channels to
//! have a message (or to close), optionally with a time limit: Go's `select`, asyncio's
//! `wait(..., return_when=FIRST_COMPLETED)`.
//!
//! Book: Part IV, "Synchronisation between yield points" (the bank transfer, locks and
//! semaphores).

/// The iterators of a channel module's `Receiver` (`Iter`, `IntoIter`, and `IntoIterator`
/// for the receiver and a reference to it): each item is a `recv`, and the iteration ends
/// when the channel is empty and every sender is gone. `$module` names the module in the
/// doc examples.
macro_rules! receiver_iterators {
    ($module:ident) => {
        #[doc = concat!(
            "Iterator over received messages; see [`Receiver::iter`].\n\n",
            "# Examples\n```\n",
            "use yieldpoint::sync::", stringify!($module), ";\n\n",
            "let (tx, rx) = ", stringify!($module), "::unbounded();\n",
            "tx.send(1).unwrap();\ntx.send(2).unwrap();\ndrop(tx);\n",
            "let mut iter: ", stringify!($module), "::Iter<'_, i32> = rx.iter();\n",
            "assert_eq!((iter.next(), iter.next(), iter.next()), (Some(1), Some(2), None));\n",
            "```"
        )]
        #[derive(Debug)]
        pub struct Iter<'a, T> {
            receiver: &'a Receiver<T>,
        }

        impl<T> Iterator for Iter<'_, T> {
            type Item = T;
            #[inline]
            fn next(&mut self) -> Option<T> {
                self.receiver.recv().ok()
            }
        }

        #[doc = concat!(
            "Owning iterator over received messages.\n\n",
            "# Examples\n```\n",
            "use yieldpoint::sync::", stringify!($module), ";\n\n",
            "let (tx, rx) = ", stringify!($module), "::unbounded();\n",
            "tx.send(\"x\").unwrap();\ndrop(tx);\n",
            "let iter: ", stringify!($module), "::IntoIter<&str> = rx.into_iter();\n",
            "assert_eq!(iter.collect::<Vec<_>>(), [\"x\"]);\n",
            "```"
        )]
        #[derive(Debug)]
        pub struct IntoIter<T> {
            receiver: Receiver<T>,
        }

        impl<T> Iterator for IntoIter<T> {
            type Item = T;
            #[inline]
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
    };
}

pub mod channel;
mod event;
pub mod local_channel;
mod mutex;
mod select;
mod semaphore;
pub(crate) mod wait_list;

pub use event::Event;
pub use mutex::{Mutex, MutexGuard};
pub use select::{Select, SelectTimeoutError};
pub use semaphore::{Semaphore, SemaphorePermit};
