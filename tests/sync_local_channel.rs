//! The single-thread channel (`sync::local_channel`): FIFO order, waits for room and for
//! messages, closing from either side, cancels and timeouts of parked tasks, a scheduler
//! dropped with parked tasks, waits that could never end (outside a green thread, during
//! unwinding), and ends that cannot leave their thread.
//!
//! Python: `asyncio.Queue(maxsize)` with `put`/`get`, plus closing. The wait queues'
//! exhaustive model test runs over both channels in `tests/channel_model.rs`.

mod support;

use std::any::Any;
use std::os::unix::process::ExitStatusExt;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use support::child_process::{in_child, run_child};
use support::drop_counter::{DropCounter, Token};
use support::sched_matrix::{state_of, wait_for_state};
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::sync::channel;
use yieldpoint::sync::local_channel::{self, RecvError, SendError, TryRecvError, TrySendError};
use yieldpoint::task::{TaskState, WaitReason};

const PARKED_RECV: TaskState = TaskState::Waiting(WaitReason::ChannelRecv);
const PARKED_SEND: TaskState = TaskState::Waiting(WaitReason::ChannelSend);

/// The message of a panic payload (`panic!` with a format string, or a literal).
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// Python: `q.put_nowait(x)` then `await q.get()` -> FIFO; each sender's messages arrive
/// in the order it sent them, whether they were queued or handed to the parked receiver.
#[test]
fn messages_arrive_in_fifo_order() {
    let got: Vec<u32> = RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        yieldpoint::spawn_local(move || {
            for n in 0..100 {
                tx.send(n).unwrap();
                if n % 7 == 0 {
                    yieldpoint::yield_now(); // the receiver parks meanwhile: a hand-off
                }
            }
        });
        rx.iter().collect()
    });
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

/// A full bounded channel parks the sender until a receiver makes room; order is kept.
#[test]
fn bounded_send_waits_for_room() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::bounded(2);
        let producer = yieldpoint::spawn_local(move || {
            for n in 0..10 {
                tx.send(n).unwrap();
            }
        });
        wait_for_state(&[producer.id()], PARKED_SEND);
        assert_eq!(rx.len(), 2, "the producer filled the channel and parked");
        assert_eq!(rx.iter().collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
        producer.join().unwrap();
    });
}

/// Senders parked on a full channel get the room in the order they parked.
#[test]
fn parked_senders_are_served_in_fifo_order() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::bounded(1);
        tx.send("first").unwrap();
        let senders: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|word| {
                let tx = tx.clone();
                yieldpoint::spawn_local(move || tx.send(word).unwrap())
            })
            .collect();
        let ids: Vec<_> = senders.iter().map(|s| s.id()).collect();
        wait_for_state(&ids, PARKED_SEND);
        drop(tx);
        assert_eq!(rx.iter().collect::<Vec<_>>(), ["first", "a", "b", "c"]);
    });
}

/// Receivers parked on an empty channel all wake with `RecvError` when it closes.
#[test]
fn parked_receivers_wake_when_the_channel_closes() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded::<u8>();
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                yieldpoint::spawn_local(move || rx.recv())
            })
            .collect();
        let ids: Vec<_> = receivers.iter().map(|r| r.id()).collect();
        wait_for_state(&ids, PARKED_RECV);
        drop(tx);
        for receiver in receivers {
            assert_eq!(receiver.join().unwrap(), Err(RecvError));
        }
    });
}

/// Senders parked on a full channel wake with `SendError`, holding their value, when the
/// last receiver is dropped.
#[test]
fn parked_senders_wake_when_the_receivers_are_gone() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::bounded(1);
        tx.send(0).unwrap();
        let sender = yieldpoint::spawn_local(move || tx.send(1));
        wait_for_state(&[sender.id()], PARKED_SEND);
        let rx2 = rx.clone();
        drop(rx);
        assert_eq!(rx2.len(), 1, "one receiver is left: still open");
        drop(rx2);
        assert_eq!(sender.join().unwrap(), Err(SendError(1)));
    });
}

/// Closing by dropping the senders lets receivers drain what is queued first.
#[test]
fn receivers_drain_a_closed_channel() {
    let (tx, rx) = local_channel::unbounded();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    drop(tx);
    assert_eq!(rx.recv(), Ok(1)); // no wait: a message is there
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.recv(), Err(RecvError)); // no wait: closed
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// Several receivers: each message goes to exactly one of them.
#[test]
fn each_message_goes_to_one_receiver() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::bounded(3);
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                yieldpoint::spawn_local(move || rx.iter().collect::<Vec<u32>>())
            })
            .collect();
        drop(rx);
        for n in 0..300 {
            tx.send(n).unwrap();
        }
        drop(tx);
        let mut all: Vec<u32> = receivers
            .into_iter()
            .flat_map(|r| r.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..300).collect::<Vec<_>>());
    });
}

/// Python: `put_nowait` raises `QueueFull`; here the value comes back in the error.
#[test]
fn try_send_and_try_recv_never_wait() {
    let (tx, rx) = local_channel::bounded(1);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    assert_eq!((rx.len(), rx.is_empty()), (1, false));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!((rx.len(), rx.is_empty()), (0, true));
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    assert_eq!(tx.send(4), Err(SendError(4)));
}

/// A message handed straight to a parked receiver is not counted by `len`.
#[test]
fn a_handed_off_message_is_not_queued() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        let rx2 = rx.clone();
        let receiver = yieldpoint::spawn_local(move || rx2.recv());
        wait_for_state(&[receiver.id()], PARKED_RECV);
        tx.send(9).unwrap();
        assert_eq!(rx.len(), 0, "handed to the parked receiver's slot");
        assert_eq!(receiver.join().unwrap(), Ok(9));
    });
}

/// `bounded(0)` (a rendezvous channel) is refused with advice.
#[test]
#[should_panic(expected = "local_channel::bounded(0) is not supported; use bounded(1)")]
fn bounded_zero_panics_with_advice() {
    let _ = local_channel::bounded::<u8>(0);
}

/// The errors are the thread-safe channel's: code that handles one handles both.
#[test]
fn errors_are_the_thread_safe_channels() {
    let closed: channel::RecvError = local_channel::RecvError;
    assert_eq!(
        closed.to_string(),
        "receiving on a closed channel: it is empty and every sender is dropped"
    );
    let full: channel::TrySendError<u8> = local_channel::TrySendError::Full(1);
    assert_eq!(full.to_string(), "the channel is full");
}

/// Dropping the channel drops the messages still queued, once each.
#[test]
fn queued_messages_are_dropped_with_the_channel() {
    let drops = DropCounter::new();
    let (tx, rx) = local_channel::unbounded::<Token>();
    for _ in 0..3 {
        tx.send(drops.token()).unwrap();
    }
    drop(rx);
    assert_eq!(drops.dropped(), 0, "the sender still holds the channel");
    assert!(tx.send(drops.token()).is_err());
    assert_eq!(drops.dropped(), 1, "the refused message");
    drop(tx);
    assert_eq!(drops.dropped(), 4);
}

/// A parked receiver that is cancelled leaves the wait queue: a later message is queued,
/// not handed to it.
#[test]
fn cancelled_receiver_leaves_the_wait_queue() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        let rx2 = rx.clone();
        let receiver = yieldpoint::spawn_local(move || rx2.recv());
        wait_for_state(&[receiver.id()], PARKED_RECV);
        receiver.cancel();
        assert!(receiver.join().unwrap_err().is_cancelled());
        tx.send(5).unwrap();
        assert_eq!(rx.len(), 1, "queued: no receiver is listed any more");
        assert_eq!(rx.try_recv(), Ok(5));
    });
}

/// On an empty channel, with exactly one other task ready (here the spawner), `recv`
/// yields to it before it parks: the receiver is still ready, not waiting, when the
/// spawner runs again, and a message sent then is queued and taken without a wakeup.
#[test]
fn a_receiver_yields_to_the_one_ready_task_before_it_parks() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        let rx2 = rx.clone();
        let receiver = yieldpoint::spawn_local(move || rx2.recv());
        yieldpoint::yield_now(); // the receiver runs, finds the channel empty, yields
        assert_eq!(state_of(receiver.id()), Some(TaskState::Ready));
        tx.send(3).unwrap();
        assert_eq!(rx.len(), 1, "queued: the receiver is not listed");
        assert_eq!(receiver.join().unwrap(), Ok(3));
    });
}

/// The receiver yields once per `recv`: if the one ready task has not sent by the time the
/// receiver runs again, it parks.
#[test]
fn a_receiver_that_got_no_answer_after_its_yield_parks() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        let receiver = yieldpoint::spawn_local(move || rx.recv());
        yieldpoint::yield_now(); // the receiver yields
        yieldpoint::yield_now(); // it looks again and parks
        assert_eq!(state_of(receiver.id()), Some(PARKED_RECV));
        tx.send(4).unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(4));
    });
}

/// With more than one other task ready, each of them runs before the receiver anyway:
/// it parks at once.
#[test]
fn with_several_tasks_ready_a_receiver_parks_at_once() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        let receiver = yieldpoint::spawn_local(move || rx.recv());
        let other = yieldpoint::spawn_local(yieldpoint::yield_now);
        yieldpoint::yield_now(); // the receiver runs with `other` and this task ready
        assert_eq!(state_of(receiver.id()), Some(PARKED_RECV));
        tx.send(5).unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(5));
        other.join().unwrap();
    });
}

/// A cancel that reaches the receiver at its yield unwinds it like one at its park; a
/// message sent meanwhile stays in the channel for the next receiver.
#[test]
fn a_receiver_cancelled_at_its_yield_leaves_the_message_queued() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        let rx2 = rx.clone();
        let receiver = yieldpoint::spawn_local(move || rx2.recv());
        yieldpoint::yield_now(); // the receiver yields before its wait
        tx.send(6).unwrap();
        receiver.cancel();
        assert!(receiver.join().unwrap_err().is_cancelled());
        assert_eq!(rx.try_recv(), Ok(6));
    });
}

/// A message handed to a receiver that is cancelled before it runs goes to the next
/// parked receiver: it is not lost.
#[test]
fn message_of_a_cancelled_receiver_goes_to_the_next_receiver() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded::<u32>();
        let (rx1, rx2) = (rx.clone(), rx);
        let first = yieldpoint::spawn_local(move || rx1.recv());
        let second = yieldpoint::spawn_local(move || rx2.recv());
        wait_for_state(&[first.id(), second.id()], PARKED_RECV);
        tx.send(7).unwrap(); // handed to `first`, the longest waiting
        first.cancel(); // ...which unwinds before it takes it
        assert_eq!(second.join().unwrap(), Ok(7));
        assert!(first.join().unwrap_err().is_cancelled());
    });
}

/// With no other receiver parked, the message of a cancelled receiver goes back to the
/// front of the queue, ahead of those sent after it.
#[test]
fn message_of_a_cancelled_receiver_goes_back_to_the_front() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        let rx2 = rx.clone();
        let receiver = yieldpoint::spawn_local(move || rx2.recv());
        wait_for_state(&[receiver.id()], PARKED_RECV);
        tx.send(1).unwrap(); // handed to the receiver
        tx.send(2).unwrap(); // queued
        receiver.cancel();
        assert!(receiver.join().unwrap_err().is_cancelled());
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

/// Once every sender is gone the message stays with its cancelled receiver instead: the
/// spawner already found the channel empty and closed, so a message put back would reach
/// no one. The receiver takes it, and is cancelled at its next yield point.
#[test]
fn message_handed_over_before_the_close_stays_with_its_cancelled_receiver() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::unbounded();
        let rx2 = rx.clone();
        let (log_tx, log) = channel::unbounded();
        let receiver = yieldpoint::spawn_local(move || {
            log_tx.send(rx2.recv()).unwrap();
            yieldpoint::yield_now(); // the deferred cancel is raised here
            log_tx.send(Err(RecvError)).unwrap();
        });
        wait_for_state(&[receiver.id()], PARKED_RECV);
        tx.send(1).unwrap(); // handed to the receiver
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        receiver.cancel();
        assert!(receiver.join().unwrap_err().is_cancelled());
        let logged: Vec<_> = std::iter::from_fn(|| log.try_recv().ok()).collect();
        assert_eq!(logged, [Ok(1)]);
    });
}

/// A parked sender that is cancelled leaves the wait queue, dropping its value; the room
/// it waited for goes to the sender parked behind it.
#[test]
fn cancelled_sender_leaves_the_wait_queue() {
    let drops = DropCounter::new();
    let counter = drops.clone();
    RoundRobin::new().block_on(move || {
        let drops = counter;
        let (tx, rx) = local_channel::bounded(1);
        tx.send(drops.token()).unwrap();
        let (tx1, token) = (tx.clone(), drops.token());
        let first = yieldpoint::spawn_local(move || tx1.send(token).is_ok());
        let (tx2, token) = (tx.clone(), drops.token());
        let second = yieldpoint::spawn_local(move || tx2.send(token).is_ok());
        wait_for_state(&[first.id(), second.id()], PARKED_SEND);
        first.cancel();
        assert!(first.join().unwrap_err().is_cancelled());
        assert_eq!(drops.dropped(), 1, "the cancelled send's value");
        drop(rx.recv().unwrap()); // room: for `second`, not for the cancelled sender
        assert!(second.join().unwrap());
        assert_eq!(rx.len(), 1);
        assert_eq!(tx.try_send(drops.token()).map_err(drop), Err(()), "full");
    });
    assert_eq!(drops.dropped(), 4, "every token dropped once");
}

/// A sender woken for room but cancelled before it ran passes the room on to the next
/// parked sender.
#[test]
fn woken_sender_that_is_cancelled_passes_the_room_on() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::bounded::<u32>(1);
        tx.send(0).unwrap();
        let (tx1, tx2) = (tx.clone(), tx);
        let first = yieldpoint::spawn_local(move || tx1.send(1).is_ok());
        let second = yieldpoint::spawn_local(move || tx2.send(2).is_ok());
        wait_for_state(&[first.id(), second.id()], PARKED_SEND);
        assert_eq!(rx.recv(), Ok(0)); // makes room, wakes `first`
        first.cancel();
        assert!(second.join().unwrap());
        assert!(first.join().unwrap_err().is_cancelled());
        assert_eq!(rx.recv(), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// Python: `await asyncio.wait_for(q.get(), d)`. A `recv` or `send` that times out leaves
/// the wait queue; one that gets its message or room in time returns it.
#[test]
fn timeout_around_a_wait() {
    RoundRobin::new().block_on(|| {
        let (tx, rx) = local_channel::bounded::<u32>(1);
        let short = Duration::from_millis(5);
        assert!(yieldpoint::timeout(short, || rx.recv()).is_err());
        tx.send(1).unwrap();
        assert_eq!(rx.len(), 1, "queued: the timed-out receiver is not listed");
        assert!(yieldpoint::timeout(short, || tx.send(2)).is_err());
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(tx.try_send(3), Ok(()), "the timed-out sender is not listed");
        assert_eq!(rx.recv(), Ok(3));

        let late = tx.clone();
        yieldpoint::spawn_local(move || {
            yieldpoint::sleep(Duration::from_millis(1));
            late.send(4).unwrap();
        });
        assert_eq!(
            yieldpoint::timeout(Duration::from_secs(10), || rx.recv()),
            Ok(Ok(4))
        );
    });
}

/// Dropping the scheduler with tasks parked on the channel cancels them (asyncio.run's
/// end): they leave the wait queues, their handles report the cancel, and every message
/// is dropped once.
#[test]
fn dropping_the_scheduler_ends_parked_tasks() {
    let drops = DropCounter::new();
    let rt = RoundRobin::new();
    let (tx, rx) = local_channel::bounded::<Token>(1);
    tx.send(drops.token()).unwrap();
    let (tx1, token) = (tx.clone(), drops.token());
    let sender = rt.spawn(move || tx1.send(token).is_ok());
    let (empty_tx, empty_rx) = local_channel::unbounded::<Token>();
    let receiver = rt.spawn(move || empty_rx.recv().is_ok());
    rt.block_on(|| {
        yieldpoint::yield_now(); // both park
    });
    assert!(!sender.is_finished() && !receiver.is_finished());
    drop(rt);
    assert!(sender.join().unwrap_err().is_cancelled());
    assert!(receiver.join().unwrap_err().is_cancelled());
    assert_eq!(drops.dropped(), 1, "the cancelled send's value");
    assert_eq!(rx.len(), 1);
    empty_tx.send(drops.token()).unwrap_err(); // its receiver is gone with its task
    assert_eq!(drops.dropped(), 2);
    drop((tx, rx));
    assert_eq!(drops.dropped(), 3);
}

/// Outside a green thread nothing could ever end a wait: it panics with advice instead of
/// hanging, and leaves nothing listed behind. What does not wait works anywhere.
#[test]
fn waits_outside_a_green_thread_panic_with_advice() {
    let (tx, rx) = local_channel::bounded(1);
    tx.send(1).unwrap(); // room: no wait
    let full = panic::catch_unwind(AssertUnwindSafe(|| tx.send(2))).unwrap_err();
    let full = panic_message(full);
    assert!(
        full.starts_with("send on a full local_channel would wait forever outside a green thread"),
        "{full}"
    );
    assert_eq!(rx.recv(), Ok(1)); // a message is there: no wait
    let empty = panic::catch_unwind(AssertUnwindSafe(|| rx.recv())).unwrap_err();
    let empty = panic_message(empty);
    assert!(
        empty.starts_with("recv on an empty local_channel would wait forever"),
        "{empty}"
    );
    assert!(
        empty.contains("use sync::channel to talk between OS threads"),
        "{empty}"
    );
    // Neither failed wait stayed listed: the next message is queued, the room is free.
    tx.send(3).unwrap();
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.recv(), Ok(3));
    assert_eq!(tx.try_send(4), Ok(()));
}

/// A wait in a destructor while the green thread unwinds cannot switch out, so it could
/// never end: it panics, which during unwinding aborts the process with the message,
/// rather than hanging the thread (checked in a child process).
#[test]
fn a_wait_during_unwinding_aborts_with_advice() {
    if in_child() {
        struct RecvOnDrop(local_channel::Receiver<u8>);
        impl Drop for RecvOnDrop {
            fn drop(&mut self) {
                let _ = self.0.recv();
            }
        }
        RoundRobin::new().block_on(|| {
            let (_tx, rx) = local_channel::unbounded::<u8>();
            let _waits_in_drop = RecvOnDrop(rx);
            panic!("the task fails");
        });
        unreachable!("the process aborts");
    }
    let output = run_child("a_wait_during_unwinding_aborts_with_advice");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.signal(), Some(libc::SIGABRT), "{stderr}");
    assert!(
        stderr.contains("a green thread cannot switch out while its stack unwinds"),
        "{stderr}"
    );
}

/// On the work-queue scheduler the channel connects tasks of one worker: `spawn_local`
/// ones, which stay on the thread that spawned them.
#[test]
fn works_between_spawn_local_tasks_of_a_work_queue_worker() {
    let rt = WorkQueue::builder().workers(2).build();
    let total = rt.block_on(|| {
        let (tx, rx) = local_channel::bounded(1);
        let producer = yieldpoint::spawn_local(move || {
            for n in 1..=100 {
                tx.send(n).unwrap();
            }
        });
        let total: u32 = rx.iter().sum();
        producer.join().unwrap();
        total
    });
    assert_eq!(total, 5050);
}

/// The ends are not `Send`: they cannot be moved into a work-queue task made with `spawn`
/// or into another OS thread (trybuild).
#[test]
fn ends_cannot_leave_their_thread() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/local_channel/*.rs");
}
