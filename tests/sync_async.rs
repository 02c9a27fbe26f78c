//! yieldpoint's sync from async code: `Receiver::recv_async` and the receiver's `Stream`,
//! `Event::wait_async`, `Semaphore::acquire_async`, `Mutex::lock_async`, awaited by tokio
//! or `futures`, beside green threads that use the blocking methods; each future is
//! cancel-safe (dropped, it loses no message, permit or wakeup).
//!
//! Python: `await queue.get()`, `await event.wait()`, `await sem.acquire()`,
//! `async with lock:`.

mod support;

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures::StreamExt;
use support::sched_matrix::{within, LIMIT};
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::sync::{channel, Event, Mutex, Semaphore};

/// A tokio task and a green thread play ping-pong through two yieldpoint channels: the
/// tokio side awaits `recv_async`, the green side parks in `recv`.
#[test]
fn a_tokio_task_and_a_green_thread_ping_pong_through_a_channel() {
    within(LIMIT, || {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let rt = WorkQueue::builder().workers(1).build();
        let (to_green, green_inbox) = channel::unbounded::<u32>();
        let (to_tokio, tokio_inbox) = channel::unbounded::<u32>();
        let green = rt.spawn(move || {
            let mut returned = 0;
            while let Ok(ball) = green_inbox.recv() {
                to_tokio.send(ball + 1).unwrap();
                returned += 1;
            }
            returned
        });
        let last = tokio.block_on(async move {
            tokio::spawn(async move {
                let mut ball = 0;
                for _ in 0..1_000 {
                    to_green.send(ball).unwrap();
                    ball = tokio_inbox.recv_async().await.unwrap() + 1;
                }
                ball
            })
            .await
            .unwrap()
        });
        assert_eq!(last, 2_000);
        assert_eq!(futures::executor::block_on(green).unwrap(), 1_000);
    });
}

/// The same on one OS thread each way round: a round-robin green thread receives with
/// `recv_async` through `future::await_`, the other side is tokio's current-thread runtime.
#[test]
fn recv_async_from_a_green_thread_and_from_tokio_current_thread() {
    within(LIMIT, || {
        let (tx, rx) = channel::bounded(1);
        let sender = std::thread::spawn(move || (0..100).for_each(|n| tx.send(n).unwrap()));
        let sum: u32 = RoundRobin::new().block_on(move || {
            let mut sum = 0;
            while let Ok(n) = yieldpoint::future::await_(rx.recv_async()) {
                sum += n;
            }
            sum
        });
        assert_eq!(sum, (0..100).sum::<u32>());
        sender.join().unwrap();

        let (tx, rx) = channel::unbounded();
        let rt = WorkQueue::builder().workers(1).build();
        rt.spawn(move || (0..100).for_each(|n| tx.send(n).unwrap()));
        let tokio = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let received: Vec<u32> = tokio.block_on(rx.into_stream().collect());
        assert_eq!(received, (0..100).collect::<Vec<_>>());
    });
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls `future` once with a new counting waker, which it returns.
fn poll_once<F: Future>(future: Pin<&mut F>) -> (Poll<F::Output>, Arc<CountingWaker>) {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    (future.poll(&mut Context::from_waker(&waker)), counter)
}

/// Two futures wait; what they wait for comes once and wakes the first; the first is
/// dropped unpolled: the wakeup goes to the second, which gets it (cancel safety).
fn woken_then_dropped_passes_the_wakeup_on<A, B>(
    first: A,
    second: B,
    release: impl FnOnce(),
) -> B::Output
where
    A: Future,
    B: Future,
{
    let mut first = Box::pin(first);
    let mut second = pin!(second);
    let (poll, first_waker) = poll_once(first.as_mut());
    assert!(poll.is_pending());
    let (poll, second_waker) = poll_once(second.as_mut());
    assert!(poll.is_pending());
    release();
    assert_eq!((first_waker.wakes(), second_waker.wakes()), (1, 0));
    drop(first);
    assert_eq!(
        second_waker.wakes(),
        1,
        "the dropped future's wakeup was lost"
    );
    match poll_once(second.as_mut()).0 {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the second future was woken but is not ready"),
    }
}

#[test]
fn a_dropped_recv_async_loses_no_message_nor_wakeup() {
    let (tx, rx) = channel::unbounded();
    let got = woken_then_dropped_passes_the_wakeup_on(rx.recv_async(), rx.recv_async(), || {
        tx.send("only one").unwrap()
    });
    assert_eq!(got, Ok("only one"));
    // A future polled once and dropped with nothing sent leaves nothing listed.
    let (poll, _) = poll_once(pin!(rx.recv_async()));
    assert!(poll.is_pending());
    tx.send("next").unwrap();
    assert_eq!(rx.try_recv(), Ok("next"));
    // The close wakes every waiting future.
    let mut waiting = Box::pin(rx.recv_async());
    let (_, waker) = poll_once(waiting.as_mut());
    drop(tx);
    assert_eq!(waker.wakes(), 1);
    assert_eq!(
        poll_once(waiting.as_mut()).0,
        Poll::Ready(Err(channel::RecvError))
    );
}

/// Python: `await queue.put(x)` on a full queue, cancelled after room was freed for it:
/// the next waiting sender gets the room.
#[test]
fn a_dropped_send_async_strands_no_room() {
    let (tx, rx) = channel::bounded(1);
    tx.send("fills the channel").unwrap();
    let sent = woken_then_dropped_passes_the_wakeup_on(
        tx.send_async("dropped, never sent"),
        tx.send_async("sent by the second"),
        || assert_eq!(rx.try_recv(), Ok("fills the channel")),
    );
    assert_eq!(sent, Ok(()));
    assert_eq!(rx.try_recv(), Ok("sent by the second"));
    assert_eq!(rx.try_recv(), Err(channel::TryRecvError::Empty));
    drop(rx);
    let refused = futures::executor::block_on(tx.send_async("nobody listens"));
    assert_eq!(refused.unwrap_err().0, "nobody listens");
}

#[test]
fn a_dropped_acquire_async_strands_no_permit() {
    let sem = Semaphore::new(0);
    let permit =
        woken_then_dropped_passes_the_wakeup_on(sem.acquire_async(), sem.acquire_async(), || {
            sem.release()
        });
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_dropped_lock_async_strands_no_lock() {
    let mutex = Mutex::new(0);
    let held = mutex.lock();
    let mut guard =
        woken_then_dropped_passes_the_wakeup_on(mutex.lock_async(), mutex.lock_async(), || {
            drop(held)
        });
    *guard += 1;
    drop(guard);
    assert_eq!(*mutex.lock(), 1);
}

#[test]
fn event_wait_async_is_woken_by_a_green_thread() {
    within(LIMIT, || {
        let rt = WorkQueue::builder().workers(1).build();
        let event = Arc::new(Event::new());
        let setter = event.clone();
        let tokio = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        tokio.block_on(async {
            let wait = event.wait_async();
            rt.spawn(move || {
                yieldpoint::yield_now();
                setter.set();
            });
            wait.await;
        });
        assert!(event.is_set());
    });
}

/// Green threads and tokio tasks contend for one yieldpoint `Mutex` and `Semaphore`.
#[test]
fn green_threads_and_tokio_tasks_share_a_mutex_and_a_semaphore() {
    within(LIMIT, || {
        let rt = WorkQueue::builder().workers(1).build();
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let shared = Arc::new((Mutex::new(0u32), Semaphore::new(2)));
        let green: Vec<_> = (0..4)
            .map(|_| {
                let shared = shared.clone();
                rt.spawn(move || {
                    for _ in 0..100 {
                        let _permit = shared.1.acquire();
                        *shared.0.lock() += 1;
                        yieldpoint::yield_now();
                    }
                })
            })
            .collect();
        tokio.block_on(async {
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        for _ in 0..100 {
                            let _permit = shared.1.acquire_async().await;
                            *shared.0.lock_async().await += 1;
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            for task in green {
                task.await.unwrap();
            }
        });
        assert_eq!(*shared.0.lock(), 800);
        assert_eq!(shared.1.available_permits(), 2);
    });
}
