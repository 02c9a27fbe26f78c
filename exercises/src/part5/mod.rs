//! Part V's shared piece: the yield point of the async exercises (V.2, V.4), as chapter 2
//! of Part V writes it (`book/src/part5/awaitables-in-rust.md`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Python's `await asyncio.sleep(0)`: `Pending` once (after waking its task), then
/// `Ready`.
#[derive(Debug, Default)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A yield point for async code: `yield_now().await`.
pub fn yield_now() -> YieldNow {
    YieldNow::default()
}
