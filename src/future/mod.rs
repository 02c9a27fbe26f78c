//! Futures both ways: green threads await Rust futures, async code awaits green threads.
//!
//! Python: `await` (PEP 492). A green thread has its own stack, so it can wait for a future
//! without being `async` itself: [`await_`] polls the future and parks the green thread (not
//! the OS thread) until the future's waker fires. The other way, a
//! [`JoinHandle`](crate::JoinHandle) is a `Future`, so async code (tokio, `futures`) awaits a
//! green thread with `.await`.
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//!
//! let answer = RoundRobin::new().block_on(|| yieldpoint::future::await_(async { 40 + 2 }));
//! assert_eq!(answer, 42);
//! ```
//!
//! | Python | yieldpoint |
//! |---|---|
//! | `await fut` inside a coroutine | [`await_`]`(fut)` inside a green thread (any function it calls) |
//! | an awaitable (`__await__`) | any [`Future`]; a [`JoinHandle`](crate::JoinHandle) is one |
//! | `await task` from a coroutine | `handle.await` from async code ([`JoinHandle`](crate::JoinHandle) is a `Future`) |
//! | `asyncio.wrap_future(f)` (a thread's future, awaited by a loop) | `handle.await` on a [`WorkQueue`](crate::sched::WorkQueue)'s task: woken from the worker thread |
//! | `async def gen(): ... await x ... yield v` (PEP 525) | [`AsyncGenerator`]`::new(\|co\| { let x = co.await_(fut); co.yield_(v); })`, a `Stream` |
//! | `await queue.get()`, `await event.wait()`, `async with lock` from a coroutine | [`Sender::send_async`](crate::sync::channel::Sender::send_async), [`Receiver::recv_async`](crate::sync::channel::Receiver::recv_async) (or [`into_stream`](crate::sync::channel::Receiver::into_stream)), [`Event::wait_async`](crate::sync::Event::wait_async), [`Semaphore::acquire_async`](crate::sync::Semaphore::acquire_async), [`Mutex::lock_async`](crate::sync::Mutex::lock_async) from async code |
//! | `loop.run_in_executor(pool, f)` | spawn `f` on a [`WorkQueue`](crate::sched::WorkQueue) and await its handle (or [`spawn_blocking`](crate::spawn_blocking) from a green thread) |
//!
//! The waker given to the future is the green thread: waking it (from any thread, before
//! the poll returns, or after the task ended or its scheduler was dropped) unparks it if it
//! is parked here, and is otherwise harmless.
//!
//! Book: Part V, "Bridges: green threads and futures" (`book/src/part5/bridges.md`) and
//! "Cancellation in both worlds" (`book/src/part5/cancellation.md`).

mod async_generator;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::sync::wait_list::{park_current, Waiter};
use crate::task::WaitReason;

pub use async_generator::{AsyncGenerator, AsyncYielder};

/// Runs `future` to completion on the current green thread (parking only it while the
/// future is pending), or on the current OS thread outside a scheduler; returns its output.
///
/// The name is Python's `await` (a keyword in Rust, hence the trailing underscore, as in
/// [`Yielder::yield_`](crate::Yielder::yield_)); it is not a scheduler's `block_on`, which
/// runs a closure as a scheduler's main task.
///
/// Python: `await future` inside a coroutine (PEP 492).
///
/// # Panics
///
/// If the future panics. If the task is cancelled while waiting, the cancel unwinds from
/// here and the future is dropped.
///
/// A future that needs a runtime's reactor panics when none is entered (tokio's
/// `time::sleep` as it is created, `net::TcpStream::connect` on its first poll): "there is
/// no reactor running, must be called from the context of a Tokio 1.x runtime". With the
/// `tokio` cargo feature, give the scheduler a tokio runtime handle (`tokio_handle` on
/// [`round_robin::Builder`](crate::sched::round_robin::Builder) or
/// [`work_queue::Builder`](crate::sched::work_queue::Builder)): its threads then run
/// inside that runtime's context, and green threads create and await tokio's futures.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let (tx, rx) = tokio::sync::oneshot::channel();
///     let sender = yieldpoint::spawn(move || tx.send(42).unwrap());
///     // Parks this green thread; `sender` runs meanwhile and completes the future.
///     assert_eq!(yieldpoint::future::await_(rx), Ok(42));
///     sender.join().unwrap();
/// });
/// assert_eq!(yieldpoint::future::await_(async { 1 + 1 }), 2); // outside: the OS thread waits
/// ```
#[doc(alias = "await")]
#[doc(alias = "block_on")]
pub fn await_<F: Future>(future: F) -> F::Output {
    await_as(WaitReason::Future, future)
}

/// [`await_`], reporting `reason` in task snapshots while parked.
pub(crate) fn await_as<F: Future>(reason: WaitReason, future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(WakeWaiter(Waiter::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        park_current(reason);
    }
}

/// A `Waker` that unparks a green thread or an OS thread.
struct WakeWaiter(Waiter);

impl Wake for WakeWaiter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.wake_ref();
    }
}
