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

use yieldpoint::sync::Event;

/// The waker of one `green_await`: waking it sets the event its green thread waits on.
struct EventWaker(Event);

impl Wake for EventWaker {
    fn wake(self: Arc<Self>) {
        self.0.set();
    }
}

/// Runs `future` to its end from a green thread and returns its output. While the future
/// is pending, this green thread waits (other tasks run); it polls again only after the
/// future's waker was woken.
///
/// Python: `await future`.
pub fn green_await<F: Future>(future: F) -> F::Output {
    // Pinned on this green thread's stack: it never moves again.
    let mut future = pin!(future);
    let event = Arc::new(EventWaker(Event::new()));
    let waker = Waker::from(event.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        // Cleared before the poll, not after: a wake during the poll is kept.
        event.0.clear();
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        event.0.wait();
    }
}
