//! Waiting with a time limit and on several channels: `Receiver::recv_timeout` and
//! `sync::Select`, in green threads on both schedulers, on plain OS threads, and between the
//! two; no message is lost and no wakeup either.
//!
//! Python: `asyncio.wait_for(queue.get(), timeout)` and
//! `asyncio.wait({...}, return_when=FIRST_COMPLETED)`; Go: `select` with `time.After`.

#[macro_use]
mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use support::sched_matrix::wait_for_state;
use yieldpoint::sync::channel::{self, RecvError, RecvTimeoutError};
use yieldpoint::sync::{local_channel, Select, SelectTimeoutError};
use yieldpoint::task::{TaskState, WaitReason};

/// Long enough never to run out in a test that expects a message: the wait ends by the
/// message, and the test's own limit catches a hang.
const FOREVER: Duration = Duration::from_secs(300);
/// Short: a wait that is meant to time out.
const SHORT: Duration = Duration::from_millis(5);

/// Messages per producer in the stress tests, sized for a 2-core machine in a debug build.
const STRESS_MESSAGES: u32 = 2_000;

/// Receives everything `select` gives until each of its `arms` has reported its close (and
/// been removed); the arms' outputs are `Ok(message)` or `Err(arm)`.
fn drain_until_closed(select: &mut Select<'_, Result<u32, usize>>, arms: usize) -> Vec<u32> {
    let mut got = Vec::new();
    let mut open = arms;
    while open > 0 {
        match select.select() {
            Ok(message) => got.push(message),
            Err(arm) => {
                select.remove(arm);
                open -= 1;
            }
        }
    }
    got
}

/// `(0..producers)` times `STRESS_MESSAGES` distinct messages, sorted.
fn all_messages(producers: u32) -> Vec<u32> {
    (0..producers * STRESS_MESSAGES).collect()
}

on_both_schedulers! {
    /// Python: `await wait_for(q.get(), t)` on an empty queue -> TimeoutError; the queue
    /// is still usable afterwards.
    #[test]
    fn recv_timeout_on_an_empty_channel_times_out_and_the_channel_still_works() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::unbounded();
            assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Timeout));
            tx.send(1).unwrap();
            assert_eq!(rx.recv_timeout(FOREVER), Ok(1));
            assert_eq!(rx.recv_timeout(Duration::ZERO), Err(RecvTimeoutError::Timeout));
            drop(tx);
            assert_eq!(rx.recv_timeout(FOREVER), Err(RecvTimeoutError::Disconnected));
        });
    }

    /// A message sent before the wait is returned at once, even with no time to wait.
    #[test]
    fn recv_timeout_returns_a_message_that_is_already_there() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::bounded(2);
            tx.send("ready").unwrap();
            assert_eq!(rx.recv_timeout(Duration::ZERO), Ok("ready"));
        });
    }

    /// The waiting task parks (other tasks of its thread run meanwhile) and is woken by a
    /// send from another task.
    #[test]
    fn recv_timeout_parks_the_task_and_a_send_from_another_task_wakes_it() {
        let rt = one_thread();
        rt.block_on(|| {
            let (tx, rx) = channel::unbounded();
            let sender = yieldpoint::spawn(move || tx.send(42).unwrap());
            assert_eq!(rx.recv_timeout(FOREVER), Ok(42));
            sender.join().unwrap();

            // A task of this thread runs while the main task waits out its time limit.
            let (_tx, rx) = channel::unbounded::<u8>();
            let ran = Arc::new(AtomicBool::new(false));
            let flag = ran.clone();
            let other = yieldpoint::spawn(move || flag.store(true, Ordering::SeqCst));
            assert_eq!(rx.recv_timeout(Duration::from_millis(20)), Err(RecvTimeoutError::Timeout));
            assert!(ran.load(Ordering::SeqCst), "the other task ran during the wait");
            other.join().unwrap();
        });
    }

    /// A send from another OS thread wakes a green thread in `recv_timeout`.
    #[test]
    fn recv_timeout_in_a_green_thread_is_woken_by_an_os_thread() {
        let rt = rt();
        let (tx, rx) = channel::unbounded();
        let waiter = rt.spawn(move || rx.recv_timeout(FOREVER));
        let id = waiter.id();
        rt.block_on(move || wait_for_state(&[id], TaskState::Waiting(WaitReason::ChannelRecv)));
        thread::spawn(move || tx.send(7).unwrap()).join().unwrap();
        assert_eq!(rt.block_on(move || waiter.join().unwrap()), Ok(7));
    }

    /// A task cancelled in `recv_timeout` leaves the wait; a later message goes to the
    /// next receiver, not to the cancelled one.
    #[test]
    fn a_cancelled_recv_timeout_loses_no_message() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::unbounded();
            let rx2 = rx.clone();
            let cancelled = yieldpoint::spawn(move || rx2.recv_timeout(FOREVER));
            wait_for_state(&[cancelled.id()], TaskState::Waiting(WaitReason::ChannelRecv));
            cancelled.cancel();
            assert!(cancelled.join().unwrap_err().is_cancelled());
            tx.send(5).unwrap();
            assert_eq!(rx.recv_timeout(FOREVER), Ok(5));
        });
    }

    /// Python: `wait({a, b}, return_when=FIRST_COMPLETED)` with one already done -> it is
    /// returned without waiting; with both ready, the arms take turns.
    #[test]
    fn select_returns_a_ready_arm_at_once_and_ready_arms_take_turns() {
        let rt = rt();
        rt.block_on(|| {
            let (a_tx, a) = channel::unbounded();
            let (b_tx, b) = channel::unbounded();
            let mut select = Select::new().recv(&a, |m| ('a', m)).recv(&b, |m| ('b', m));
            b_tx.send(1).unwrap();
            assert_eq!(select.select(), ('b', Ok(1)));
            for n in 0..3 {
                a_tx.send(n).unwrap();
                b_tx.send(n).unwrap();
            }
            let order: Vec<char> = (0..6).map(|_| select.select().0).collect();
            assert_eq!(order, ['a', 'b', 'a', 'b', 'a', 'b']);
            assert_eq!(select.try_select(), None);
        });
    }

    /// A select parked in a task is woken by a send to any of its channels, from another
    /// task or from another OS thread, and returns that channel's message.
    #[test]
    fn select_is_woken_by_a_send_from_a_task_or_an_os_thread() {
        let rt = rt();
        let (a_tx, a) = channel::unbounded::<u32>();
        let (b_tx, b) = channel::unbounded::<u32>();
        let waiter = rt.spawn(move || {
            let mut select = Select::new().recv(&a, |m| ('a', m)).recv(&b, |m| ('b', m));
            [select.select(), select.select()]
        });
        let id = waiter.id();
        // `b_tx` stays until the end: a closed channel would be ready too.
        let sender = b_tx.clone();
        rt.block_on(move || {
            wait_for_state(&[id], TaskState::Waiting(WaitReason::ChannelRecv));
            yieldpoint::spawn(move || sender.send(1).unwrap()).join().unwrap();
            wait_for_state(&[id], TaskState::Waiting(WaitReason::ChannelRecv));
        });
        thread::spawn(move || a_tx.send(2).unwrap()).join().unwrap();
        let got = rt.block_on(move || waiter.join().unwrap());
        assert_eq!(got, [('b', Ok(1)), ('a', Ok(2))]);
        drop(b_tx);
    }

    /// Go: `case <-time.After(d)` fires when no channel is ready; the select then works
    /// again, and so do the channels.
    #[test]
    fn select_timeout_times_out_when_no_arm_is_ready() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::unbounded::<u8>();
            let (_tx2, rx2) = channel::unbounded::<u8>();
            let mut select = Select::new().recv(&rx, |m| m).recv(&rx2, |m| m);
            assert_eq!(select.select_timeout(SHORT), Err(SelectTimeoutError));
            tx.send(3).unwrap();
            assert_eq!(select.select_timeout(SHORT), Ok(Ok(3)));
            // A select with no arms and a time limit is a sleep.
            assert_eq!(Select::<()>::new().select_timeout(SHORT), Err(SelectTimeoutError));
        });
    }

    /// Go: a receive from a closed channel is ready with `ok == false`: a parked select
    /// wakes when the last sender goes.
    #[test]
    fn select_wakes_when_a_channel_closes() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::unbounded::<u8>();
            let (_open_tx, open) = channel::unbounded::<u8>();
            let waiter = yieldpoint::spawn(move || {
                Select::new().recv(&open, |m| ("open", m)).recv(&rx, |m| ("closing", m)).select()
            });
            wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::ChannelRecv));
            drop(tx);
            assert_eq!(waiter.join().unwrap(), ("closing", Err(RecvError)));
        });
    }

    /// A select cancelled while parked leaves no stale listing behind: a message sent
    /// afterwards wakes the next select waiting on that channel.
    #[test]
    fn a_cancelled_select_leaves_every_channel_it_waited_on() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::unbounded::<u32>();
            let (_other_tx, other) = channel::unbounded::<u32>();
            let (rx1, other1) = (rx.clone(), other.clone());
            let first = yieldpoint::spawn(move || {
                Select::new().recv(&rx1, |m| m).recv(&other1, |m| m).select()
            });
            wait_for_state(&[first.id()], TaskState::Waiting(WaitReason::ChannelRecv));
            let second = yieldpoint::spawn(move || {
                Select::new().recv(&other, |m| m).recv(&rx, |m| m).select()
            });
            wait_for_state(&[second.id()], TaskState::Waiting(WaitReason::ChannelRecv));
            first.cancel();
            assert!(first.join().unwrap_err().is_cancelled());
            tx.send(11).unwrap();
            assert_eq!(second.join().unwrap(), Ok(11));
        });
    }

    /// A select woken by a message that a plain receiver then takes first goes back to
    /// waiting, and a select woken by two channels at once passes the wakeup it does not
    /// use on: two selects and two messages, each select gets one.
    #[test]
    fn two_selects_woken_together_each_get_a_message() {
        let rt = rt();
        rt.block_on(|| {
            let (a_tx, a) = channel::unbounded::<u32>();
            let (b_tx, b) = channel::unbounded::<u32>();
            let selects: Vec<_> = (0..2)
                .map(|_| {
                    let (a, b) = (a.clone(), b.clone());
                    yieldpoint::spawn(move || {
                        Select::new().recv(&a, |m| m.unwrap()).recv(&b, |m| m.unwrap()).select()
                    })
                })
                .collect();
            wait_for_state(
                &selects.iter().map(|s| s.id()).collect::<Vec<_>>(),
                TaskState::Waiting(WaitReason::ChannelRecv),
            );
            a_tx.send(1).unwrap();
            b_tx.send(2).unwrap();
            let mut got: Vec<u32> = selects.into_iter().map(|s| s.join().unwrap()).collect();
            got.sort();
            assert_eq!(got, [1, 2]);
        });
    }

    /// No lost wakeup: producers (tasks) spread messages over three channels, consumer
    /// tasks select over all three; every message arrives exactly once.
    #[test]
    fn select_stress_between_tasks_loses_nothing() {
        let rt = rt();
        let got = rt.block_on(|| {
            let (txs, rxs): (Vec<_>, Vec<_>) = (0..3).map(|_| channel::bounded::<u32>(4)).unzip();
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let rxs = rxs.clone();
                    yieldpoint::spawn(move || {
                        let mut select = rxs.iter().enumerate().fold(Select::new(), |s, (arm, rx)| {
                            s.recv(rx, move |m| m.map_err(|_| arm))
                        });
                        drain_until_closed(&mut select, rxs.len())
                    })
                })
                .collect();
            drop(rxs);
            let producers: Vec<_> = (0..2u32)
                .map(|p| {
                    let txs = txs.clone();
                    yieldpoint::spawn(move || {
                        for i in 0..STRESS_MESSAGES {
                            txs[(i % 3) as usize].send(p * STRESS_MESSAGES + i).unwrap();
                        }
                    })
                })
                .collect();
            drop(txs);
            producers.into_iter().for_each(|p| p.join().unwrap());
            consumers.into_iter().flat_map(|c| c.join().unwrap()).collect::<Vec<_>>()
        });
        let mut got = got;
        got.sort();
        assert_eq!(got, all_messages(2));
    }

    /// No lost wakeup and no lost message at the deadline: a consumer in `select_timeout`
    /// over two channels and one in `recv_timeout`, with time limits that keep running out
    /// while OS threads send (each producer pauses every 256 messages until a limit has
    /// run out again).
    #[test]
    fn timed_waits_racing_sends_from_os_threads_lose_nothing() {
        let rt = rt();
        let (tx, rx) = channel::unbounded::<u32>();
        let (tx2, rx2) = channel::unbounded::<u32>();
        let received = Arc::new(AtomicUsize::new(0));
        let timeouts = Arc::new(AtomicUsize::new(0));
        let wait = Duration::from_micros(50);
        let selecting = {
            let (rx, received, timeouts) = (rx.clone(), received.clone(), timeouts.clone());
            rt.spawn(move || {
                let mut select = Select::new()
                    .recv(&rx, |m| m.map_err(|_| 0))
                    .recv(&rx2, |m| m.map_err(|_| 1));
                let mut open = 2;
                while open > 0 {
                    match select.select_timeout(wait) {
                        Ok(Ok(_)) => received.fetch_add(1, Ordering::Relaxed),
                        Ok(Err(arm)) => {
                            select.remove(arm);
                            open -= 1;
                            0
                        }
                        Err(SelectTimeoutError) => timeouts.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        };
        let receiving = {
            let (received, timeouts) = (received.clone(), timeouts.clone());
            rt.spawn(move || loop {
                match rx.recv_timeout(wait) {
                    Ok(_) => received.fetch_add(1, Ordering::Relaxed),
                    Err(RecvTimeoutError::Timeout) => timeouts.fetch_add(1, Ordering::Relaxed),
                    Err(RecvTimeoutError::Disconnected) => return,
                };
            })
        };
        let producers: Vec<_> = [tx, tx2]
            .into_iter()
            .map(|tx| {
                let timeouts = timeouts.clone();
                thread::spawn(move || {
                    let mut seen = timeouts.load(Ordering::Relaxed);
                    for i in 0..STRESS_MESSAGES {
                        tx.send(i).unwrap();
                        if i % 256 == 0 {
                            while timeouts.load(Ordering::Relaxed) == seen {
                                thread::sleep(Duration::from_micros(100));
                            }
                            seen = timeouts.load(Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        rt.block_on(move || {
            selecting.join().unwrap();
            receiving.join().unwrap();
        });
        producers.into_iter().for_each(|p| p.join().unwrap());
        assert_eq!(received.load(Ordering::Relaxed), 2 * STRESS_MESSAGES as usize);
    }

    /// `local_channel` ends in a select and `local_channel::Receiver::recv_timeout`.
    #[test]
    fn local_channel_arms_and_recv_timeout() {
        let rt = one_thread();
        rt.block_on(|| {
            let (tx, rx) = local_channel::unbounded::<u32>();
            let (shared_tx, shared) = channel::unbounded::<u32>();
            assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Timeout));
            let mut select =
                Select::new().recv_local(&rx, |m| ("local", m)).recv(&shared, |m| ("shared", m));
            assert_eq!(select.select_timeout(SHORT), Err(SelectTimeoutError));
            let sender = yieldpoint::spawn_local(move || {
                tx.send(1).unwrap();
                shared_tx.send(2).unwrap();
            });
            assert_eq!(select.select(), ("local", Ok(1)));
            assert_eq!(select.select(), ("shared", Ok(2)));
            sender.join().unwrap();
            assert_eq!(rx.recv_timeout(FOREVER), Err(RecvTimeoutError::Disconnected));
        });
    }
}

/// On a plain OS thread (no scheduler): `recv_timeout` times out, and is woken by a send
/// from another OS thread.
#[test]
fn recv_timeout_on_an_os_thread() {
    let (tx, rx) = channel::bounded(1);
    assert_eq!(rx.recv_timeout(SHORT), Err(RecvTimeoutError::Timeout));
    let sender = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        tx.send("from another thread").unwrap();
    });
    assert_eq!(rx.recv_timeout(FOREVER), Ok("from another thread"));
    sender.join().unwrap();
    assert_eq!(
        rx.recv_timeout(FOREVER),
        Err(RecvTimeoutError::Disconnected)
    );
}

/// An OS thread selecting over channels fed by green threads of a work queue.
#[test]
fn select_on_an_os_thread_fed_by_green_threads() {
    let rt = yieldpoint::sched::WorkQueue::builder().workers(2).build();
    let (a_tx, a) = channel::unbounded::<u32>();
    let (b_tx, b) = channel::unbounded::<u32>();
    let mut select = Select::new()
        .recv(&a, |m| m.map_err(|_| 0))
        .recv(&b, |m| m.map_err(|_| 1));
    assert_eq!(select.select_timeout(SHORT), Err(SelectTimeoutError));
    for (p, tx) in [a_tx, b_tx].into_iter().enumerate() {
        rt.spawn(move || {
            for i in 0..STRESS_MESSAGES {
                tx.send(p as u32 * STRESS_MESSAGES + i).unwrap();
                if i % 16 == 0 {
                    yieldpoint::yield_now();
                }
            }
        });
    }
    let mut got = drain_until_closed(&mut select, 2);
    got.sort();
    assert_eq!(got, all_messages(2));
}

/// A select that nothing could ever wake panics with a message instead of hanging.
#[test]
#[should_panic(expected = "would wait forever")]
fn a_select_that_could_never_end_panics() {
    let (_tx, rx) = local_channel::unbounded::<u8>();
    let _ = Select::new().recv_local(&rx, |m| m).select();
}

/// The same for a select without arms.
#[test]
#[should_panic(expected = "no arms would wait forever")]
fn a_select_without_arms_panics() {
    Select::<()>::new().select();
}
