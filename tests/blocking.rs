//! `spawn_blocking`: blocking work on a thread pool while the green thread parks.
//!
//! Python: `await asyncio.to_thread(f)` / `loop.run_in_executor(None, f)` (the articles
//! "Cooperative Multitasking: The Core of Python Asyncio" and "Python Cooperative
//! Scheduling — Core Concepts").

#[macro_use]
mod support;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use support::sched_matrix::wait_for_state;
use yieldpoint::task::{TaskState, WaitReason};

on_both_schedulers! {
    /// The result comes back; the work ran on another OS thread.
    #[test]
    fn returns_the_result_computed_on_a_pool_thread() {
        let rt = rt();
        let (sum, task_thread, pool_thread) = rt.block_on(|| {
            let (sum, pool_thread) = yieldpoint::spawn_blocking(|| {
                (
                    (0..1_000u64).map(|i| i * i).sum::<u64>(),
                    thread::current().id(),
                )
            });
            (sum, thread::current().id(), pool_thread)
        });
        assert_eq!(sum, 332_833_500);
        assert_ne!(pool_thread, task_thread);
    }

    /// The point of "Cooperative Multitasking: The Core of Python Asyncio": while the blocking
    /// work runs, the other green threads keep running. The work itself waits until a green
    /// ticker has ticked three times, which could never happen if it blocked the scheduler's
    /// thread (on one thread, so that the ticker shares the blocked task's thread).
    #[test]
    fn other_green_threads_run_while_blocking_work_runs() {
        let rt = one_thread();
        let ticks = Arc::new(AtomicUsize::new(0));
        let t = ticks.clone();
        let saw_ticks = rt.block_on(move || {
            let ticker = {
                let t = t.clone();
                yieldpoint::spawn(move || loop {
                    t.fetch_add(1, Ordering::SeqCst);
                    yieldpoint::sleep(Duration::from_millis(1));
                })
            };
            let saw = yieldpoint::spawn_blocking(move || {
                // Generous bound so a broken scheduler fails instead of hanging.
                let deadline = Instant::now() + Duration::from_secs(30);
                while t.load(Ordering::SeqCst) < 3 && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(1));
                }
                t.load(Ordering::SeqCst) >= 3
            });
            ticker.cancel();
            saw
        });
        assert!(
            saw_ticks,
            "the ticker did not run while the blocking work waited for it"
        );
    }

    /// A panic in the blocking work reaches the caller with its payload; the scheduler and
    /// the task's siblings carry on.
    #[test]
    fn panic_in_blocking_work_propagates_to_the_caller() {
        let rt = rt();
        rt.block_on(|| {
            let h = yieldpoint::spawn(|| {
                yieldpoint::spawn_blocking(|| -> u8 { panic!("in the pool") })
            });
            let sibling = yieldpoint::spawn(|| 1);
            let error = h.join().unwrap_err();
            assert!(error
                .to_string()
                .ends_with("panicked with message \"in the pool\""));
            assert_eq!(sibling.join().unwrap(), 1);
            // And caught in place:
            let payload = panic::catch_unwind(AssertUnwindSafe(|| {
                yieldpoint::spawn_blocking(|| panic!("again"))
            }))
            .unwrap_err();
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"again"));
        });
    }

    /// A task waiting for blocking work shows as `Waiting(Blocking)`.
    #[test]
    fn waiting_task_shows_blocking_in_snapshots() {
        let rt = rt();
        rt.block_on(|| {
            let (release, released) = std::sync::mpsc::channel::<()>();
            let h = yieldpoint::spawn(move || {
                yieldpoint::spawn_blocking(move || released.recv().is_ok())
            });
            wait_for_state(&[h.id()], TaskState::Waiting(WaitReason::Blocking));
            release.send(()).unwrap();
            assert!(h.join().unwrap());
        });
    }

    /// Many tasks offload at once; each gets its own result.
    #[test]
    fn many_concurrent_offloads() {
        let rt = rt();
        let results: Vec<u64> = rt.block_on(|| {
            let tasks: Vec<_> = (0..16u64)
                .map(|i| {
                    yieldpoint::spawn(move || {
                        yieldpoint::spawn_blocking(move || {
                            thread::sleep(Duration::from_millis(2));
                            i * i
                        })
                    })
                })
                .collect();
            tasks.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert_eq!(results, (0..16u64).map(|i| i * i).collect::<Vec<_>>());
    }
}

/// Outside a scheduler it still runs on the pool and blocks the calling OS thread.
#[test]
fn works_outside_a_scheduler() {
    let me = thread::current().id();
    let (value, ran_on) = yieldpoint::spawn_blocking(|| (7, thread::current().id()));
    assert_eq!(value, 7);
    assert_ne!(ran_on, me);
    let from_thread = thread::spawn(|| yieldpoint::spawn_blocking(|| "plain thread"))
        .join()
        .unwrap();
    assert_eq!(from_thread, "plain thread");
}
