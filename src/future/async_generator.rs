//! Async generators (PEP 525): a body that yields items and may await futures between
//! them, seen by async code as a [`Stream`].
//!
//! Built on the crate's stackful [`Coroutine`]: each `poll_next` sends the caller's
//! [`Waker`] into the body and runs it to its next yield point. A
//! [`yield_`](AsyncYielder::yield_) suspends it with an item (`poll_next` returns
//! `Ready(Some(item))`); an [`await_`](AsyncYielder::await_) of a pending future suspends
//! it with nothing (`poll_next` returns `Pending`, and the future's waker is the caller's,
//! so the stream is polled again when the future can make progress); the body's return
//! ends the stream (`Ready(None)`).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use crate::coroutine::{Coroutine, CoroutineState, Yielder};

/// What the body hands back to `poll_next` at a yield point.
enum Step<Y> {
    /// `co.yield_(item)`.
    Item(Y),
    /// `co.await_(future)` found the future pending.
    Pending,
}

/// A stream of the items a body yields while it awaits futures: Python's async generator
/// (`async def gen(): ... await x ... yield v`, PEP 525), consumed with `async for`
/// (here `futures::StreamExt` or any `Stream` consumer).
///
/// - `Y`: the items.
///
/// The body runs on its own stack, lazily: nothing runs until the first `poll_next`, and
/// each poll runs it to its next yield point. Dropping the stream early closes the body
/// where it is suspended: its stack unwinds and its destructors run (Python's `aclose()`,
/// `finally` blocks included), dropping any future it was awaiting.
///
/// Not `Send` (the body's stack holds whatever it holds): poll it on one thread
/// (`futures::executor`, tokio's `block_on` or a `LocalSet`, or a green thread with
/// [`future::await_`](crate::future::await_)).
///
/// # Panics
///
/// A panic in the body unwinds out of the `poll_next` that ran it; the stream is then
/// finished and a poll again panics (as a coroutine sent to after its end does).
///
/// # Examples
/// ```
/// use futures::StreamExt;
/// use yieldpoint::AsyncGenerator;
///
/// // Python: async def squares(n): for i in range(n): await asyncio.sleep(0); yield i * i
/// let squares = AsyncGenerator::new(|co| {
///     for i in 0..4u32 {
///         co.await_(async {}); // any future
///         co.yield_(i * i);
///     }
/// });
/// let all: Vec<u32> = futures::executor::block_on(squares.collect());
/// assert_eq!(all, [0, 1, 4, 9]);
/// ```
pub struct AsyncGenerator<Y> {
    co: Coroutine<Waker, Step<Y>, ()>,
    finished: bool,
}

/// What an [`AsyncGenerator`]'s body is lent: it yields items and awaits futures.
pub struct AsyncYielder<'a, Y> {
    co: &'a Yielder<Waker, Step<Y>>,
    /// The waker of the `poll_next` that runs the body now.
    waker: RefCell<Waker>,
}

impl<Y: 'static> AsyncGenerator<Y> {
    /// An async generator running `body`, which starts at the first `poll_next`.
    ///
    /// Python: calling an `async def` that contains `yield`.
    ///
    /// # Panics
    ///
    /// If no stack can be allocated for the body (see [`Coroutine::new`]).
    #[track_caller]
    pub fn new<F>(body: F) -> Self
    where
        F: FnOnce(&AsyncYielder<'_, Y>) + 'static,
    {
        AsyncGenerator {
            co: Coroutine::new(move |co, waker| {
                body(&AsyncYielder {
                    co,
                    waker: RefCell::new(waker),
                })
            }),
            finished: false,
        }
    }
}

impl<Y> AsyncYielder<'_, Y> {
    /// Hands `item` to the stream's consumer, and suspends the body until the next
    /// `poll_next`.
    ///
    /// Python: `yield item` inside an `async def`.
    pub fn yield_(&self, item: Y) {
        let waker = self.co.yield_(Step::Item(item));
        *self.waker.borrow_mut() = waker;
    }

    /// Waits for `future` and returns its output: while it is pending, the body is
    /// suspended and the stream's `poll_next` returns `Pending` (the future wakes the
    /// stream's consumer when it can go on).
    ///
    /// Python: `await future` inside an async generator.
    pub fn await_<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        loop {
            // A clone, not a borrow held across the poll: the future may reach this
            // yielder again (an `async` block that calls `yield_`).
            let waker = self.waker.borrow().clone();
            if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
                return output;
            }
            let waker = self.co.yield_(Step::Pending);
            *self.waker.borrow_mut() = waker;
        }
    }
}

// The stream never pins anything of its own: the body's state lives on the coroutine's
// stack, which does not move when the `Coroutine` value does.
impl<Y> Unpin for AsyncGenerator<Y> {}

impl<Y> Stream for AsyncGenerator<Y> {
    type Item = Y;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Y>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        match this.co.send(cx.waker().clone()) {
            CoroutineState::Yielded(Step::Item(item)) => Poll::Ready(Some(item)),
            CoroutineState::Yielded(Step::Pending) => Poll::Pending,
            CoroutineState::Complete(()) => {
                this.finished = true;
                Poll::Ready(None)
            }
        }
    }
}

impl<Y> fmt::Debug for AsyncGenerator<Y> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncGenerator")
            .field("state", &self.co.state())
            .finish()
    }
}

impl<Y> fmt::Debug for AsyncYielder<'_, Y> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncYielder").finish_non_exhaustive()
    }
}
