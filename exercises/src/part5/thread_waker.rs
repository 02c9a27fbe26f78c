//! Exercise V.3: a waker that unparks a thread, and a `block_on` of your own
//!
//! You learn the executor's other half: sleeping while no task is ready, and waking up
//! when one is. A `block_on` polls one future; when it is pending, the thread parks until
//! the future's waker unparks it. Two traps wait: a wake-up that comes before the thread
//! parks (even before `poll` returns) must not be lost, and `park` may return when nobody
//! woke the future.
//!
//! ```python
//! # Python 3.7+: asyncio.run(main()) blocks the calling thread until main() is done; the
//! # loop's thread sleeps in its selector until a callback is due or a socket is ready.
//! # Another thread wakes it with loop.call_soon_threadsafe(...), which writes a byte to
//! # the loop's self-pipe so that the selector returns.
//! result = asyncio.run(main())
//! ```
//!
//! The rules (the grader checks each one):
//!
//! 1. `block_on` polls the future once at once, and again only after its waker was woken:
//!    once per wake-up (a `park` that returns with no wake-up is not one).
//! 2. A wake-up is never lost: woken before `poll` returns, or from another thread before
//!    `block_on` parks, the future is polled again.
//! 3. While the future is pending and not woken, the thread sleeps (`park`): no spinning.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// The waker of [`block_on`]: it records the wake-up, then unparks the blocked thread.
pub struct ThreadWaker {
    /// The thread that runs `block_on`.
    thread: Thread,
    /// Set by a wake-up, cleared by `block_on` when it takes the wake-up to poll again.
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // TODO: record the wake-up in `woken`, then unpark `thread` (in that order: the
        // unparked thread must find the flag set).
        // waker.wake() from any thread -> the thread parked in block_on returns from park
        todo!()
    }
}

/// Runs `future` to completion on the calling thread and returns its output; the thread
/// sleeps while the future is pending. Python: `asyncio.run(main())`.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    // TODO: a `ThreadWaker` for this thread (`thread::current()`), in an `Arc`, and a
    // `Waker::from` it in a `Context`. Then loop: poll; `Ready(output)` -> return it;
    // `Pending` -> park until a wake-up is recorded (rules 1-3). Take the wake-up out of
    // the flag (`swap(false, ..)`): clearing it after the poll would lose one that came
    // during the poll.
    // block_on(async { 6 * 7 }) -> 42 after one poll
    // block_on(a future woken by another thread 10 ms later) -> two polls, parked between
    todo!()
}
