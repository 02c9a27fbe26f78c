//! Known-wrong solution of exercise V.5 (cheat class: a busy loop instead of a wait).
//!
//! Polls, and on `Pending` yields and polls again: the other tasks run, but the future is
//! polled on every turn of the scheduler, woken or not.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise V.5: a green thread awaits a future (PEP 492, the bridge)
//!
//! You learn what `yieldpoint::future::await_` does under the hood: poll the future with a
//! waker that unparks this green thread, and park it (not the OS thread) while the future
//! is pending, so the scheduler runs the other tasks meanwhile.
//!
//! ```python
//! # Python 3.5+: a coroutine awaits; the loop runs other tasks until the future is done.
//! async def caller(fut):
//!     return await fut    # the task's _step parks here; fut's done callback wakes it
//! ```

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that does nothing: the loop polls anyway.
struct Nothing;

impl Wake for Nothing {
    fn wake(self: Arc<Self>) {}
}

/// Runs `future` to its end from a green thread and returns its output.
pub fn green_await<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Nothing));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        yieldpoint::yield_now();
    }
}
