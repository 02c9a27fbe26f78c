//! loom models of the channel's hand-off and wait-queue protocol (issue 10, item 3): every
//! interleaving (up to a preemption bound) of OS threads that park on the channel, with
//! loom's lock, atomics, cell and `park`/`unpark` in place of std's.
//!
//! The green-thread side of a wait (the park field of the task's state word) is modelled
//! on its own, in `src/task/state/loom_task.rs`; here the waiters are threads, which park
//! through the same wait queues.
//!
//! Run: `RUSTFLAGS="--cfg yieldpoint_loom" cargo test --release --test loom_channel`
//! (`LOOM_MAX_PREEMPTIONS=5` for a deeper search). Without the cfg this file is empty.
#![cfg(yieldpoint_loom)]

use loom::thread;
use yieldpoint::sync::channel::{self, RecvError};

/// loom's model runner with a preemption bound (loom's default search is unbounded):
/// `LOOM_MAX_PREEMPTIONS` if set, else 3 (a fraction of a second in release; 5 takes a
/// few seconds).
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// The program: two senders park on a full `bounded(1)`; the receiver takes three
/// messages, one of them handed straight to it while parked. Before the fix loom found
/// the interleaving where the second sender is never woken (a deadlock).
#[test]
fn loom_channel_every_parked_sender_is_woken() {
    model(|| {
        let (tx, rx) = channel::bounded(1);
        tx.send(0).unwrap();
        let senders: Vec<_> = (1..=2)
            .map(|n| {
                let tx = tx.clone();
                thread::spawn(move || tx.send(n).unwrap())
            })
            .collect();
        drop(tx);
        let mut got = vec![rx.recv().unwrap(), rx.recv().unwrap(), rx.recv().unwrap()];
        senders.into_iter().for_each(|s| s.join().unwrap());
        assert_eq!(rx.recv(), Err(RecvError));
        got.sort();
        assert_eq!(got, [0, 1, 2]);
    });
}

/// A message handed to a parked receiver is read outside the lock, after the `delivered`
/// flag: the hand-off is ordered (loom checks the slot's accesses), in FIFO order, and the
/// close after it is seen.
#[test]
fn loom_channel_hand_off_to_a_parked_receiver() {
    model(|| {
        let (tx, rx) = channel::bounded(1);
        let sender = thread::spawn(move || {
            tx.send(String::from("a")).unwrap();
            tx.send(String::from("b")).unwrap();
        });
        assert_eq!(rx.recv().as_deref(), Ok("a"));
        assert_eq!(rx.recv().as_deref(), Ok("b"));
        assert_eq!(rx.recv(), Err(RecvError));
        sender.join().unwrap();
    });
}

/// Two parked receivers, one sender: each message goes to exactly one receiver, and the
/// close wakes whoever still waits.
#[test]
fn loom_channel_two_receivers_share_the_messages() {
    model(|| {
        let (tx, rx) = channel::bounded::<u32>(1);
        let other = {
            let rx = rx.clone();
            thread::spawn(move || rx.iter().collect::<Vec<_>>())
        };
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        drop(tx);
        let mut got: Vec<u32> = rx.iter().collect();
        got.extend(other.join().unwrap());
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

/// The last receiver's drop wakes a sender parked on a full channel, which gets its
/// value back.
#[test]
fn loom_channel_dropping_the_receiver_wakes_a_parked_sender() {
    model(|| {
        let (tx, rx) = channel::bounded(1);
        tx.send(1).unwrap();
        let sender = thread::spawn(move || tx.send(2));
        drop(rx);
        assert_eq!(sender.join().unwrap().map_err(|e| e.0), Err(2));
    });
}
