//! The green-aware channel: bounded and unbounded, many senders and receivers, closing,
//! inside a scheduler, between OS threads, and between a green thread and an OS thread.
//!
//! Python: `asyncio.Queue(maxsize)` with `put`/`get`, plus closing.

#[macro_use]
mod support;

use std::sync::Arc;
use std::thread;

use support::sched_matrix::wait_for_state;
use yieldpoint::sync::channel::{self, RecvError, SendError, TryRecvError, TrySendError};
use yieldpoint::task::{TaskState, WaitReason};

on_both_schedulers! {
    /// Python: `q.put_nowait(x)` then `await q.get()` -> FIFO.
    #[test]
    fn unbounded_delivers_in_fifo_order() {
        let rt = rt();
        let got: Vec<u32> = rt.block_on(|| {
            let (tx, rx) = channel::unbounded();
            for i in 0..100 {
                tx.send(i).unwrap();
            }
            assert_eq!(rx.len(), 100);
            drop(tx);
            rx.iter().collect()
        });
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }

    /// A full bounded channel parks the sender until a receiver makes room; order is kept.
    #[test]
    fn bounded_send_waits_for_room() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::bounded(2);
            let producer = yieldpoint::spawn(move || {
                for i in 0..10 {
                    tx.send(i).unwrap();
                }
            });
            wait_for_state(&[producer.id()], TaskState::Waiting(WaitReason::ChannelSend));
            assert_eq!(rx.len(), 2, "the producer filled the channel and parked");
            let got: Vec<i32> = rx.iter().collect();
            assert_eq!(got, (0..10).collect::<Vec<_>>());
            producer.join().unwrap();
        });
    }

    /// Receivers parked on an empty channel all wake with `RecvError` when it closes.
    #[test]
    fn parked_receivers_wake_when_the_channel_closes() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::unbounded::<u8>();
            let receivers: Vec<_> = (0..3)
                .map(|_| {
                    let rx = rx.clone();
                    yieldpoint::spawn(move || rx.recv())
                })
                .collect();
            let ids: Vec<_> = receivers.iter().map(|r| r.id()).collect();
            wait_for_state(&ids, TaskState::Waiting(WaitReason::ChannelRecv));
            drop(tx);
            for r in receivers {
                assert_eq!(r.join().unwrap(), Err(RecvError));
            }
        });
    }

    /// Senders parked on a full channel wake with `SendError` (holding their value) when the
    /// last receiver is dropped.
    #[test]
    fn parked_senders_wake_when_receivers_are_gone() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::bounded(1);
            tx.send(0).unwrap();
            let senders: Vec<_> = (1..=2)
                .map(|i| {
                    let tx = tx.clone();
                    yieldpoint::spawn(move || tx.send(i).map_err(|SendError(v)| v))
                })
                .collect();
            let ids: Vec<_> = senders.iter().map(|s| s.id()).collect();
            wait_for_state(&ids, TaskState::Waiting(WaitReason::ChannelSend));
            drop(rx);
            let mut back: Vec<i32> = senders
                .into_iter()
                .map(|s| s.join().unwrap().unwrap_err())
                .collect();
            back.sort();
            assert_eq!(back, [1, 2]);
        });
    }

    /// With several receivers each message goes to exactly one of them.
    #[test]
    fn each_message_goes_to_one_receiver() {
        let rt = rt();
        let mut all: Vec<u32> = rt.block_on(|| {
            let (tx, rx) = channel::bounded(4);
            let consumers: Vec<_> = (0..4)
                .map(|_| {
                    let rx = rx.clone();
                    yieldpoint::spawn(move || rx.iter().collect::<Vec<u32>>())
                })
                .collect();
            drop(rx);
            for i in 0..200 {
                tx.send(i).unwrap();
            }
            drop(tx);
            consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect()
        });
        all.sort();
        assert_eq!(all, (0..200).collect::<Vec<_>>());
    }

    /// A green thread and an OS thread talk through channels both ways: the green side
    /// parks only itself while the OS thread works (on one thread, so that the ticker
    /// runs only when the talking task parks).
    #[test]
    fn green_thread_and_os_thread_talk() {
        let (to_os, from_green) = channel::bounded::<u64>(1);
        let (to_green, from_os) = channel::unbounded::<u64>();
        let os = thread::spawn(move || {
            for n in from_green {
                to_green.send(n * n).unwrap();
            }
        });
        let rt = one_thread();
        let other_ran = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let o = other_ran.clone();
        let squares = rt.block_on(move || {
            let ticker = yieldpoint::spawn(move || {
                for _ in 0..3 {
                    o.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    yieldpoint::yield_now();
                }
            });
            let mut squares = Vec::new();
            for n in 1..=5 {
                to_os.send(n).unwrap();
                squares.push(from_os.recv().unwrap());
            }
            drop(to_os);
            ticker.join().unwrap();
            squares
        });
        os.join().unwrap();
        assert_eq!(squares, [1, 4, 9, 16, 25]);
        assert_eq!(other_ran.load(std::sync::atomic::Ordering::SeqCst), 3);
    }
}

/// Python: `q.put_nowait` raising `QueueFull`; the value comes back in the error.
#[test]
fn try_send_reports_full_and_closed_with_the_value() {
    let (tx, rx) = channel::bounded(1);
    assert_eq!(tx.try_send(1), Ok(()));
    match tx.try_send(2) {
        Err(TrySendError::Full(v)) => assert_eq!(v, 2),
        other => panic!("expected Full, got {other:?}"),
    }
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(rx);
    assert!(tx.is_closed());
    match tx.try_send(3) {
        Err(TrySendError::Closed(v)) => assert_eq!(v, 3),
        other => panic!("expected Closed, got {other:?}"),
    }
    let SendError(back) = tx.send(4).unwrap_err();
    assert_eq!(back, 4);
}

/// When the last sender is gone, receivers drain what is left, then get `RecvError`.
#[test]
fn closing_by_dropping_senders_lets_receivers_drain() {
    let (tx, rx) = channel::unbounded();
    let tx2 = tx.clone();
    tx.send("a").unwrap();
    tx2.send("b").unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok("a"));
    drop(tx2);
    assert_eq!(rx.recv(), Ok("b"));
    assert_eq!(rx.recv(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// `for x in rx` (owning iterator) and `for x in &rx`.
#[test]
fn iterators_end_when_the_channel_closes() {
    let (tx, rx) = channel::unbounded();
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    let borrowed: Vec<i32> = (&rx).into_iter().take(2).collect();
    assert_eq!(borrowed, [0, 1]);
    drop(tx);
    assert_eq!(rx.into_iter().collect::<Vec<_>>(), [2]);
}

#[test]
fn len_and_is_empty() {
    let (tx, rx) = channel::bounded(3);
    assert!(rx.is_empty());
    tx.send(()).unwrap();
    assert_eq!(rx.len(), 1);
    assert!(!rx.is_empty());
}

/// Misuse: a rendezvous channel is not supported and the panic says what to use.
#[test]
fn bounded_zero_panics_with_advice() {
    let payload = std::panic::catch_unwind(|| channel::bounded::<()>(0)).unwrap_err();
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("bounded(1)"), "{message}");
}

/// Outside any scheduler the channel blocks OS threads: a plain multi-threaded
/// producer/consumer works unchanged.
#[test]
fn works_between_os_threads_outside_a_scheduler() {
    let (tx, rx) = channel::bounded(2);
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let tx = tx.clone();
            thread::spawn(move || {
                for i in 0..250 {
                    tx.send(p * 1000 + i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let consumer = thread::spawn(move || rx.iter().collect::<Vec<u32>>());
    for p in producers {
        p.join().unwrap();
    }
    let mut got = consumer.join().unwrap();
    got.sort();
    let mut want: Vec<u32> = (0..4)
        .flat_map(|p| (0..250).map(move |i| p * 1000 + i))
        .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn errors_display_what_happened() {
    assert!(SendError(1)
        .to_string()
        .contains("receivers are all dropped"));
    assert_eq!(format!("{:?}", SendError(1)), "SendError(..)");
    assert_eq!(TrySendError::Full(1).to_string(), "the channel is full");
    assert!(TrySendError::Closed(1).to_string().contains("receivers"));
    assert!(RecvError.to_string().contains("closed channel"));
    assert_eq!(TryRecvError::Empty.to_string(), "the channel is empty");
    assert_eq!(TryRecvError::Closed.to_string(), RecvError.to_string());
}
