//! The scheduler test matrix: behaviour promised on every scheduler, written once and run
//! on each (as tokio's `rt_common.rs`). This file holds the cross-feature basics; each
//! feature's file holds its own part of the matrix.
//!
//! # How the matrix works
//!
//! `on_both_schedulers! { ... }` (`tests/support/sched_matrix.rs`) copies the `#[test]`
//! functions given to it into a module `round_robin` and a module `work_queue`: this file's
//! `block_on_returns_the_value` runs as `round_robin::block_on_returns_the_value` on a
//! `RoundRobin` and as `work_queue::block_on_returns_the_value` on a `WorkQueue` of two
//! workers. In each module `rt()` is the scheduler under test, `builder()` its builder,
//! `one_thread()` / `one_thread_builder()` one that runs every task on one OS thread (for
//! scenarios such as "woken but not yet run"), `test_path(name)` the test's name for a
//! child-process re-run, and `use super::*` brings the file's imports. Every body runs
//! under a time limit (`within`), so a hang fails the test.
//!
//! # Where to add a test
//!
//! - Behaviour both schedulers promise: inside the `on_both_schedulers!` block of the
//!   feature's file (`task_cancel.rs`, `time.rs`, `sync_*.rs`, `blocking.rs`,
//!   `task_spawn_join.rs`, `task_unwind.rs`, `introspection.rs`, `starvation.rs`,
//!   `channel_wakeups.rs`, `stress_green.rs`, `nested_coroutines.rs`,
//!   `spawn_stack_exhaustion.rs`, `stack_min_size.rs`); here if it spans features. A file
//!   without a block yet adds `#[macro_use] mod support;` and one.
//! - A body of the matrix shares state through `Arc`, atomics and locks (never `Rc`), never
//!   relies on the order in which ready tasks run, and waits for a task to reach its wait
//!   with `support::sched_matrix::wait_for_state`, not with one `yield_now`.
//! - Behaviour of one scheduler only (round-robin's FIFO order and `Rc` tasks, the work
//!   queue's workers, stealing and pinning): outside the block, in the feature's file or in
//!   `work_queue.rs`, with a line saying why it is single when the name does not.
//! - A matrix test that finds a bug in one scheduler: an attribute in the block applies to
//!   both, so take the test out into `name_round_robin` and `name_work_queue` and mark the
//!   failing one `#[ignore = "issue N bug: ..."]` until the fix; then put it back.

#[macro_use]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yieldpoint::sync::{channel, Event, Mutex, Semaphore};
use yieldpoint::task::Builder;

const FOREVER: Duration = Duration::from_secs(3600);

on_both_schedulers! {
    /// Python: `asyncio.run(main())` returns main's value.
    #[test]
    fn block_on_returns_the_value() {
        let rt = rt();
        assert_eq!(rt.block_on(|| 6 * 7), 42);
        assert_eq!(rt.block_on(|| "again"), "again");
    }

    #[test]
    fn spawn_and_join_inside_block_on() {
        let rt = rt();
        let total = rt.block_on(|| {
            let handles: Vec<_> = (0..100u64)
                .map(|i| yieldpoint::spawn(move || i * 2))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
        });
        assert_eq!(total, 9_900);
    }

    /// Tasks spawned on the scheduler run at `run`, which returns once all finished.
    #[test]
    fn spawn_before_run_then_run_finishes_all() {
        let rt = rt();
        let done = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let done = done.clone();
                rt.spawn(move || {
                    yieldpoint::yield_now();
                    done.fetch_add(1, Ordering::SeqCst);
                    i
                })
            })
            .collect();
        rt.run();
        assert_eq!(done.load(Ordering::SeqCst), 10);
        for (i, h) in handles.into_iter().enumerate() {
            assert!(h.is_finished());
            assert_eq!(h.join().unwrap(), i);
        }
    }

    /// Tasks spawning tasks spawning tasks: a binary tree of 2^10 leaves.
    #[test]
    fn nested_spawns() {
        fn tree(depth: u32) -> u64 {
            if depth == 0 {
                return 1;
            }
            let left = yieldpoint::spawn(move || tree(depth - 1));
            let right = yieldpoint::spawn(move || tree(depth - 1));
            left.join().unwrap() + right.join().unwrap()
        }
        let rt = rt();
        assert_eq!(rt.block_on(|| tree(10)), 1024);
    }

    #[test]
    fn current_names_the_task() {
        let rt = rt();
        let name = rt.block_on(|| {
            Builder::new()
                .name("named")
                .spawn(|| yieldpoint::current().name().map(String::from))
                .unwrap()
                .join()
                .unwrap()
        });
        assert_eq!(name.as_deref(), Some("named"));
        assert!(yieldpoint::task::try_current().is_none());
    }

    /// Ping-pong over two channels between two tasks.
    #[test]
    fn channel_ping_pong() {
        let rt = rt();
        let last = rt.block_on(|| {
            let (ping_tx, ping_rx) = channel::bounded::<u32>(1);
            let (pong_tx, pong_rx) = channel::bounded::<u32>(1);
            let ponger = yieldpoint::spawn(move || {
                for n in ping_rx {
                    pong_tx.send(n + 1).unwrap();
                }
            });
            let mut n = 0;
            for _ in 0..1_000 {
                ping_tx.send(n).unwrap();
                n = pong_rx.recv().unwrap();
            }
            drop(ping_tx);
            ponger.join().unwrap();
            n
        });
        assert_eq!(last, 1_000);
    }

    /// Many producers and consumers: each message is received exactly once.
    #[test]
    fn channel_many_to_many() {
        let rt = rt();
        let mut got = rt.block_on(|| {
            let (tx, rx) = channel::bounded::<u32>(4);
            let consumers: Vec<_> = (0..4)
                .map(|_| {
                    let rx = rx.clone();
                    yieldpoint::spawn(move || rx.iter().collect::<Vec<_>>())
                })
                .collect();
            drop(rx);
            for p in 0..4 {
                let tx = tx.clone();
                yieldpoint::spawn(move || {
                    for i in 0..250 {
                        tx.send(p * 250 + i).unwrap();
                    }
                });
            }
            drop(tx);
            consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect::<Vec<_>>()
        });
        got.sort_unstable();
        assert_eq!(got, (0..1_000).collect::<Vec<_>>());
    }

    /// Sleepers all wake, none before its duration.
    #[test]
    fn sleepers_wake_after_their_duration() {
        let rt = rt();
        let early = rt.block_on(|| {
            let sleepers: Vec<_> = (0..50u64)
                .map(|i| {
                    yieldpoint::spawn(move || {
                        let nap = Duration::from_millis(1 + i % 10);
                        let start = Instant::now();
                        yieldpoint::sleep(nap);
                        start.elapsed() < nap
                    })
                })
                .collect();
            sleepers
                .into_iter()
                .map(|s| s.join().unwrap())
                .filter(|&early| early)
                .count()
        });
        assert_eq!(early, 0);
    }

    #[test]
    fn timeout_expires_or_completes() {
        let rt = rt();
        let (slow, quick) = rt.block_on(|| {
            let slow = yieldpoint::timeout(Duration::from_millis(5), || {
                yieldpoint::sleep(FOREVER)
            });
            let quick = yieldpoint::timeout(FOREVER, || 7);
            (slow.is_err(), quick)
        });
        assert!(slow);
        assert_eq!(quick, Ok(7));
    }

    /// A guard held across yield points keeps a read-modify-write atomic.
    #[test]
    fn mutex_across_yield_points() {
        let rt = rt();
        let value = rt.block_on(|| {
            let counter = Arc::new(Mutex::new(0u32));
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    let counter = counter.clone();
                    yieldpoint::spawn(move || {
                        for _ in 0..10 {
                            let mut g = counter.lock();
                            let read = *g;
                            yieldpoint::yield_now();
                            *g = read + 1;
                        }
                    })
                })
                .collect();
            tasks.into_iter().for_each(|t| t.join().unwrap());
            let value = *counter.lock();
            value
        });
        assert_eq!(value, 200);
    }

    #[test]
    fn event_and_semaphore() {
        let rt = rt();
        let max_inside = rt.block_on(|| {
            let go = Arc::new(Event::new());
            let sem = Arc::new(Semaphore::new(2));
            let inside = Arc::new(AtomicUsize::new(0));
            let max_inside = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let (go, sem, inside, max_inside) =
                        (go.clone(), sem.clone(), inside.clone(), max_inside.clone());
                    yieldpoint::spawn(move || {
                        go.wait();
                        let _permit = sem.acquire();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        max_inside.fetch_max(now, Ordering::SeqCst);
                        yieldpoint::sleep(Duration::from_millis(1));
                        inside.fetch_sub(1, Ordering::SeqCst);
                    })
                })
                .collect();
            go.set();
            tasks.into_iter().for_each(|t| t.join().unwrap());
            max_inside.load(Ordering::SeqCst)
        });
        assert!((1..=2).contains(&max_inside), "{max_inside}");
    }

    #[test]
    fn spawn_blocking_returns_the_result() {
        let rt = rt();
        let sums = rt.block_on(|| {
            let tasks: Vec<_> = (1..=4u64)
                .map(|n| {
                    yieldpoint::spawn(move || {
                        yieldpoint::spawn_blocking(move || (1..=n * 1000).sum::<u64>())
                    })
                })
                .collect();
            tasks
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect::<Vec<_>>()
        });
        assert_eq!(sums, [500_500, 2_001_000, 4_501_500, 8_002_000]);
    }

    /// Another OS thread can join a task while the scheduler runs it.
    #[test]
    fn join_from_another_os_thread() {
        let rt = rt();
        let h = rt.spawn(|| {
            for _ in 0..10 {
                yieldpoint::yield_now();
            }
            "done"
        });
        let waiter = std::thread::spawn(move || h.join().unwrap());
        rt.run();
        assert_eq!(waiter.join().unwrap(), "done");
    }

    /// `block_on` returns when its main function does; a task still waiting is
    /// finished by a later `run`.
    #[test]
    fn block_on_then_run_finishes_the_rest() {
        let rt = rt();
        let gate = Arc::new(Event::new());
        let g = gate.clone();
        let waiter = rt.block_on(move || {
            yieldpoint::spawn(move || {
                g.wait();
                "released"
            })
        });
        assert!(!waiter.is_finished());
        gate.set(); // from outside any scheduler
        rt.run();
        assert_eq!(waiter.join().unwrap(), "released");
    }
}
