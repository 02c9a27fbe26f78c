//! Async generators (PEP 525): `AsyncGenerator` bodies that await futures while they yield
//! items, consumed as a `futures_core::Stream`.
//!
//! Python: `async def gen(): ... await x ... yield v`, consumed by `async for`.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::StreamExt;
use support::sync_drop_counter::DropCounter;
use yieldpoint::sched::WorkQueue;
use yieldpoint::sync::channel;
use yieldpoint::AsyncGenerator;

/// A future that is pending on its first poll (waking its waker at once), then ready.
struct PendingOnce(bool);

impl Future for PendingOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A stream that counts the `Pending`s of the stream it wraps.
struct CountPending<S> {
    inner: S,
    pendings: Arc<AtomicUsize>,
}

impl<S: futures::Stream + Unpin> futures::Stream for CountPending<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if polled.is_pending() {
            self.pendings.fetch_add(1, Ordering::SeqCst);
        }
        polled
    }
}

/// Python: `[x async for x in gen()]`, where `gen` awaits before each yield: the awaits
/// that are pending make the stream pending, and every item arrives in order.
#[test]
fn an_async_generator_is_a_stream_for_stream_ext() {
    let numbers = AsyncGenerator::new(|co| {
        for n in 1..=5u32 {
            co.await_(PendingOnce(false));
            co.yield_(n);
        }
    });
    let pendings = Arc::new(AtomicUsize::new(0));
    let counted = CountPending {
        inner: numbers,
        pendings: pendings.clone(),
    };
    let doubled: Vec<u32> = futures::executor::block_on(
        counted
            .map(|n| n * 2)
            .filter(|n| std::future::ready(*n != 4))
            .collect(),
    );
    assert_eq!(doubled, [2, 6, 8, 10]);
    assert_eq!(
        pendings.load(Ordering::SeqCst),
        5,
        "each await was pending once"
    );
}

/// The body awaits messages from green threads on another scheduler (`recv_async`) and
/// yields them; tokio consumes the stream.
#[test]
fn an_async_generator_awaits_green_threads_under_tokio() {
    let rt = WorkQueue::builder().workers(1).build();
    let (tx, rx) = channel::unbounded();
    let producer = rt.spawn(move || (1..=3).for_each(|n| tx.send(n).unwrap()));
    let relay = AsyncGenerator::new(move |co| {
        while let Ok(n) = co.await_(rx.recv_async()) {
            co.yield_(n * 10);
        }
    });
    let tokio = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let got: Vec<i32> = tokio.block_on(async {
        producer.await.unwrap();
        relay.collect().await
    });
    assert_eq!(got, [10, 20, 30]);
}

/// Python: `aclose()` of an async generator suspended at an `await`: dropping the stream
/// early unwinds the body, running its destructors (`finally`), and drops the future it
/// awaited.
#[test]
fn dropping_an_async_generator_early_runs_its_cleanup() {
    let drops = DropCounter::new();
    let (in_body, in_future) = (drops.token(), drops.token());
    let mut endless = AsyncGenerator::new(move |co| {
        let _finally = in_body;
        co.yield_(1);
        co.await_(async move {
            let _held = in_future;
            std::future::pending::<()>().await
        });
        unreachable!("the pending future never ends");
    });
    let first = futures::executor::block_on(endless.next());
    assert_eq!(first, Some(1));
    let waker = futures::task::noop_waker();
    let polled = endless.poll_next_unpin(&mut Context::from_waker(&waker));
    assert!(polled.is_pending(), "suspended in its await");
    assert_eq!(drops.dropped(), 0);
    drop(endless);
    assert_eq!(
        drops.dropped(),
        2,
        "the body's and the awaited future's destructors ran"
    );
}

/// The stream ends when the body returns, and stays ended.
#[test]
fn an_async_generator_ends_when_its_body_returns() {
    let mut one = AsyncGenerator::new(|co| co.yield_("only"));
    futures::executor::block_on(async {
        assert_eq!(one.next().await, Some("only"));
        assert_eq!(one.next().await, None);
        assert_eq!(one.next().await, None);
    });
}
