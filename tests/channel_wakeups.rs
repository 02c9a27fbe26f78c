//! Lost wake-ups in the bounded channel (issue 10, item 3): a parked sender must be woken
//! whenever there is room, also when the room comes from a sender that handed its message
//! straight to a parked receiver; on both schedulers and with OS threads on either side.
//!
//! Every scenario runs on its own thread under a generous timeout, so a lost wake-up
//! fails the test instead of hanging the suite. No timing is asserted.

#[macro_use]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use support::sched_matrix::wait_for_state;
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::sync::channel::{self, Receiver, Sender};
use yieldpoint::task::{TaskState, WaitReason};

/// Runs `scenario` on a new thread and returns its value; panics (naming `what`) if it
/// has not finished after `limit`, or with the scenario's own panic. A hung scenario's
/// thread is left behind: the test binary exits without it.
fn within<T: Send + 'static>(
    what: &str,
    limit: Duration,
    scenario: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(what.to_owned())
        .spawn(move || {
            let value = scenario();
            let _ = done.send(());
            value
        })
        .expect("a thread for the scenario");
    match finished.recv_timeout(limit) {
        Ok(()) => worker.join().expect("the scenario finished"),
        // The sender was dropped without a message: the scenario panicked.
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(_) => unreachable!("the scenario reports before returning"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: not finished after {limit:?}, a wake-up was lost (hang)")
        }
    }
}

on_both_schedulers! {
    /// The program: two senders park on a full `bounded(1)`; the first one woken
    /// hands its message straight to the (by then parked) receiver, and the second must
    /// still be woken for the room that is left. The receiver waits until both senders are
    /// parked (as the task list shows), then receives; fifty rounds.
    #[test]
    fn second_parked_sender_is_woken_after_a_hand_off() {
        let rt = rt();
        for _ in 0..50 {
            let got = rt.block_on(|| {
                let (tx, rx) = channel::bounded(1);
                tx.send(0).unwrap();
                let senders: Vec<_> = (1..=2)
                    .map(|n| {
                        let tx = tx.clone();
                        yieldpoint::spawn(move || tx.send(n).unwrap())
                    })
                    .collect();
                drop(tx);
                let ids: Vec<_> = senders.iter().map(|s| s.id()).collect();
                wait_for_state(&ids, TaskState::Waiting(WaitReason::ChannelSend));
                let got = vec![rx.recv(), rx.recv(), rx.recv()];
                senders.into_iter().for_each(|s| s.join().unwrap());
                got
            });
            assert_eq!(got[0], Ok(0));
            let mut rest = vec![got[1].unwrap(), got[2].unwrap()];
            rest.sort();
            assert_eq!(rest, [1, 2]);
        }
    }

    /// OS threads as the parked senders, a green thread receiving.
    #[test]
    fn os_thread_senders_are_woken_after_a_hand_off() {
        let rt = rt();
        for _ in 0..100 {
            let (tx, rx) = channel::bounded(1);
            tx.send(0).unwrap();
            let senders: Vec<_> = (1..=3)
                .map(|n| {
                    let tx = tx.clone();
                    thread::spawn(move || tx.send(n).unwrap())
                })
                .collect();
            drop(tx);
            let mut got = rt.block_on(move || rx.iter().collect::<Vec<i32>>());
            senders.into_iter().for_each(|s| s.join().unwrap());
            got.sort();
            assert_eq!(got, [0, 1, 2, 3]);
        }
    }

    /// Green senders, OS threads as receivers.
    #[test]
    fn green_senders_with_os_thread_receivers() {
        let rt = rt();
        for _ in 0..100 {
            let (tx, rx) = channel::bounded(1);
            let receivers: Vec<_> = (0..2)
                .map(|_| {
                    let rx = rx.clone();
                    thread::spawn(move || rx.iter().collect::<Vec<u32>>())
                })
                .collect();
            drop(rx);
            rt.block_on(move || {
                let senders: Vec<_> = (0..3u32)
                    .map(|s| {
                        let tx = tx.clone();
                        yieldpoint::spawn(move || {
                            (0..20).for_each(|i| tx.send(s * 100 + i).unwrap())
                        })
                    })
                    .collect();
                senders.into_iter().for_each(|s| s.join().unwrap());
            });
            let mut got: Vec<u32> = receivers
                .into_iter()
                .flat_map(|r| r.join().unwrap())
                .collect();
            got.sort();
            let mut want: Vec<u32> = (0..3)
                .flat_map(|s| (0..20).map(move |i| s * 100 + i))
                .collect();
            want.sort();
            assert_eq!(got, want);
        }
    }
}

/// Sends `count` numbers tagged with `id` (`id * 1_000_000 + seq`).
fn produce(tx: &Sender<u64>, id: u64, count: u64) {
    for seq in 0..count {
        tx.send(id * 1_000_000 + seq).unwrap();
    }
}

/// Receives until the channel closes; checks that each sender's messages come in the
/// order they were sent (this receiver sees a subset of them) and returns the count.
fn consume(rx: &Receiver<u64>, senders: u64) -> usize {
    let mut next = vec![0; senders as usize];
    let mut count = 0;
    for message in rx {
        let (id, seq) = ((message / 1_000_000) as usize, message % 1_000_000);
        assert!(seq >= next[id], "sender {id}'s messages out of order");
        next[id] = seq + 1;
        count += 1;
    }
    count
}

/// Mixed traffic on one channel: senders and receivers on a work queue (2 workers), on a
/// round-robin scheduler running on its own thread, and plain OS threads; capacities 1
/// and 2. Every message arrives once, in order per sender, and everything finishes.
#[test]
fn mixed_round_robin_work_queue_and_os_threads() {
    for capacity in [1, 2] {
        within("mixed traffic", Duration::from_secs(30), move || {
            const PER_SENDER: u64 = 300;
            let wq = WorkQueue::builder().workers(2).build();
            let (tx, rx) = channel::bounded::<u64>(capacity);
            let received = Arc::new(AtomicUsize::new(0));
            let mut senders = 0;
            let mut wq_tasks = Vec::new();
            let mut threads = Vec::new();
            for _ in 0..4 {
                let (tx, id) = (tx.clone(), senders);
                senders += 1;
                wq_tasks.push(wq.spawn(move || produce(&tx, id, PER_SENDER)));
            }
            for _ in 0..2 {
                let (tx, id) = (tx.clone(), senders);
                senders += 1;
                threads.push(thread::spawn(move || produce(&tx, id, PER_SENDER)));
            }
            let (rr_tx, rr_id) = (tx.clone(), senders);
            senders += 1;
            drop(tx);
            let total = senders;
            for _ in 0..3 {
                let (rx, received) = (rx.clone(), received.clone());
                wq_tasks.push(wq.spawn(move || {
                    received.fetch_add(consume(&rx, total), Ordering::SeqCst);
                }));
            }
            {
                let (rx, received) = (rx.clone(), received.clone());
                threads.push(thread::spawn(move || {
                    received.fetch_add(consume(&rx, total), Ordering::SeqCst);
                }));
            }
            let rr_received = received.clone();
            threads.push(thread::spawn(move || {
                RoundRobin::new().block_on(move || {
                    let sender = yieldpoint::spawn(move || produce(&rr_tx, rr_id, PER_SENDER));
                    let receivers: Vec<_> = (0..2)
                        .map(|_| {
                            let rx = rx.clone();
                            yieldpoint::spawn(move || consume(&rx, total))
                        })
                        .collect();
                    drop(rx);
                    sender.join().unwrap();
                    let n: usize = receivers.into_iter().map(|r| r.join().unwrap()).sum();
                    rr_received.fetch_add(n, Ordering::SeqCst);
                })
            }));
            wq_tasks.into_iter().for_each(|t| t.join().unwrap());
            threads.into_iter().for_each(|t| t.join().unwrap());
            assert_eq!(
                received.load(Ordering::SeqCst),
                (total * PER_SENDER) as usize
            );
        });
    }
}

/// Many short-lived tasks on a work queue through one small channel: 20,000 senders of
/// one message each, 8 receivers (the "20,000-task work-queue run"). Work queue
/// only: the tasks come from outside while the workers run them; the matrix's hand-off
/// tests above cover the lost wake-up on both schedulers.
#[test]
fn twenty_thousand_task_work_queue_run() {
    for capacity in [1, 2] {
        within("20,000 tasks", Duration::from_secs(60), move || {
            let wq = WorkQueue::builder().workers(2).build();
            let (tx, rx) = channel::bounded::<u64>(capacity);
            let receivers: Vec<_> = (0..8)
                .map(|_| {
                    let rx = rx.clone();
                    wq.spawn(move || rx.iter().sum::<u64>())
                })
                .collect();
            drop(rx);
            for n in 0..20_000u64 {
                let tx = tx.clone();
                wq.spawn(move || tx.send(n).unwrap());
            }
            drop(tx);
            let sum: u64 = receivers.into_iter().map(|r| r.join().unwrap()).sum();
            assert_eq!(sum, (0..20_000u64).sum::<u64>());
        });
    }
}

/// Waits that end early, across threads: work-queue senders and receivers whose waits
/// time out (`timeout`) or are cancelled while parked, some of them after a wake-up or
/// with a message already handed to them, beside OS-thread senders and a receiver that
/// wait plainly; capacities 1 and 2. Every message whose send returned `Ok` is received
/// exactly once (or is still in the channel at the end), none whose send failed is, and
/// everything finishes. Work queue only: the test thread cancels tasks while the workers
/// run them.
#[test]
fn timeouts_and_cancellations_across_threads_lose_nothing() {
    use std::sync::atomic::AtomicBool;
    use std::sync::Mutex;

    const GREEN_SENDERS: u64 = 4;
    const OS_SENDERS: u64 = 2;
    /// Sender and receiver tasks cancelled while they run or wait, a pair at a time.
    const CANCELLED_PAIRS: u64 = 30;
    const PER_SENDER: u64 = 300;
    const TOTAL: u64 = (GREEN_SENDERS + OS_SENDERS + CANCELLED_PAIRS) * PER_SENDER;

    for capacity in [1, 2] {
        within(
            "timeouts and cancellations",
            Duration::from_secs(60),
            move || {
                let wq = WorkQueue::builder().workers(2).build();
                let (tx, rx) = channel::bounded::<u64>(capacity);
                // Kept to collect what is left in the channel at the end.
                let keep = rx.clone();
                let sent: Arc<Vec<AtomicBool>> =
                    Arc::new((0..TOTAL).map(|_| AtomicBool::new(false)).collect());
                let received = Arc::new(Mutex::new(Vec::new()));
                let short = Duration::from_micros(200);
                let (tasks, threads) = {
                    // Sends ids `from..from + PER_SENDER`, marking those sent; with `may_time_out`,
                    // every third send gives up after `short` (its message is dropped).
                    let sender = |from: u64, may_time_out: bool| {
                        let (tx, sent) = (tx.clone(), sent.clone());
                        move || {
                            for id in from..from + PER_SENDER {
                                let ok = if may_time_out && id % 3 == 0 {
                                    matches!(yieldpoint::timeout(short, || tx.send(id)), Ok(Ok(())))
                                } else {
                                    tx.send(id).is_ok()
                                };
                                if ok {
                                    sent[id as usize].store(true, Ordering::SeqCst);
                                }
                            }
                        }
                    };
                    // Receives until the close, recording what it got; with `may_time_out`, each
                    // wait gives up after `short` and starts again.
                    let receiver = |may_time_out: bool| {
                        let (rx, received) = (rx.clone(), received.clone());
                        move || loop {
                            let got = if may_time_out {
                                match yieldpoint::timeout(short, || rx.recv()) {
                                    Ok(got) => got,
                                    Err(_elapsed) => continue,
                                }
                            } else {
                                rx.recv()
                            };
                            match got {
                                Ok(id) => received.lock().unwrap().push(id),
                                Err(_closed) => break,
                            }
                        }
                    };

                    let mut tasks = Vec::new();
                    let mut threads = Vec::new();
                    for s in 0..GREEN_SENDERS {
                        tasks.push(wq.spawn(sender(s * PER_SENDER, true)));
                    }
                    for s in GREEN_SENDERS..GREEN_SENDERS + OS_SENDERS {
                        threads.push(thread::spawn(sender(s * PER_SENDER, false)));
                    }
                    for _ in 0..3 {
                        tasks.push(wq.spawn(receiver(true)));
                    }
                    threads.push(thread::spawn(receiver(false)));
                    // Senders and receivers cancelled while they run or wait.
                    for s in 0..CANCELLED_PAIRS {
                        let first = (GREEN_SENDERS + OS_SENDERS + s) * PER_SENDER;
                        let doomed_sender = wq.spawn(sender(first, false));
                        let doomed_receiver = wq.spawn(receiver(false));
                        thread::sleep(Duration::from_micros(300));
                        doomed_sender.cancel();
                        doomed_receiver.cancel();
                        for doomed in [doomed_sender, doomed_receiver] {
                            if let Err(e) = doomed.join() {
                                assert!(e.is_cancelled(), "{e}");
                            }
                        }
                    }
                    (tasks, threads)
                };
                drop((tx, rx));
                tasks.into_iter().for_each(|t| t.join().unwrap());
                threads.into_iter().for_each(|t| t.join().unwrap());

                let mut got = std::mem::take(&mut *received.lock().unwrap());
                while let Ok(id) = keep.try_recv() {
                    got.push(id);
                }
                let mut times = vec![0u32; TOTAL as usize];
                for id in got {
                    times[id as usize] += 1;
                }
                for (id, times) in times.into_iter().enumerate() {
                    let was_sent = sent[id].load(Ordering::SeqCst);
                    let want = u32::from(was_sent);
                    assert_eq!(
                        times, want,
                        "message {id} (sent: {was_sent}) received {times} times"
                    );
                }
            },
        );
    }
}
