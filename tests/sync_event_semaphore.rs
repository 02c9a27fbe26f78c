//! `Event` and `Semaphore`, inside a scheduler and between OS threads.
//!
//! Python: `asyncio.Event` (`set`, `clear`, `is_set`, `wait`) and `asyncio.Semaphore`
//! (`acquire`, `release`, `async with sem:`).

#[macro_use]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use support::sched_matrix::{state_of, wait_for_state};
use yieldpoint::sync::{Event, Semaphore};
use yieldpoint::task::{TaskState, WaitReason};

on_both_schedulers! {
    /// Python: `await event.wait()` in several tasks; `event.set()` wakes them all.
    #[test]
    fn set_wakes_every_waiter() {
        let rt = rt();
        rt.block_on(|| {
            let event = Arc::new(Event::new());
            let woken = Arc::new(AtomicUsize::new(0));
            let waiters: Vec<_> = (0..5)
                .map(|_| {
                    let (event, woken) = (event.clone(), woken.clone());
                    yieldpoint::spawn(move || {
                        event.wait();
                        woken.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            let ids: Vec<_> = waiters.iter().map(|w| w.id()).collect();
            wait_for_state(&ids, TaskState::Waiting(WaitReason::Event));
            assert_eq!(woken.load(Ordering::SeqCst), 0);
            assert!(!event.is_set());
            event.set();
            assert!(event.is_set());
            waiters.into_iter().for_each(|w| w.join().unwrap());
            assert_eq!(woken.load(Ordering::SeqCst), 5);
        });
    }

    /// `wait` on a set event returns at once; after `clear` it waits again.
    #[test]
    fn wait_on_a_set_event_returns_and_clear_resets() {
        let rt = rt();
        rt.block_on(|| {
            let event = Arc::new(Event::new());
            event.set();
            event.wait();
            event.clear();
            assert!(!event.is_set());
            let e = event.clone();
            let waiter = yieldpoint::spawn(move || e.wait());
            wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Event));
            event.set();
            waiter.join().unwrap();
        });
    }

    /// Python: `event.set(); event.clear()` with no `await` between still releases the tasks
    /// that were waiting: `set` wakes them, whatever the flag is when they run.
    #[test]
    fn set_then_clear_still_releases_the_waiters() {
        let rt = rt();
        rt.block_on(|| {
            let event = Arc::new(Event::new());
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let e = event.clone();
                    yieldpoint::spawn(move || e.wait())
                })
                .collect();
            let ids: Vec<_> = waiters.iter().map(|w| w.id()).collect();
            wait_for_state(&ids, TaskState::Waiting(WaitReason::Event));
            event.set();
            event.clear();
            for w in waiters {
                yieldpoint::timeout(Duration::from_secs(10), || w.join().unwrap())
                    .expect("a waiter missed the set");
            }
            // A wait that starts after the clear does wait.
            let e = event.clone();
            let late = yieldpoint::spawn(move || e.wait());
            wait_for_state(&[late.id()], TaskState::Waiting(WaitReason::Event));
            late.cancel();
        });
    }

    /// Python: `async with sem:` limits how many tasks are inside at once. The tasks inside
    /// hold their permits across a wait for `go`, so all ten reach their wait: three inside,
    /// seven at the semaphore.
    #[test]
    fn semaphore_limits_concurrency() {
        let rt = rt();
        let (max_inside, total) = rt.block_on(|| {
            let sem = Arc::new(Semaphore::new(3));
            let go = Arc::new(Event::new());
            let inside = Arc::new(AtomicUsize::new(0));
            let max_inside = Arc::new(AtomicUsize::new(0));
            let done = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..10)
                .map(|_| {
                    let (sem, go, inside, max_inside, done) = (
                        sem.clone(),
                        go.clone(),
                        inside.clone(),
                        max_inside.clone(),
                        done.clone(),
                    );
                    yieldpoint::spawn(move || {
                        let _permit = sem.acquire();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        max_inside.fetch_max(now, Ordering::SeqCst);
                        go.wait();
                        inside.fetch_sub(1, Ordering::SeqCst);
                        done.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            let count = |state| {
                tasks
                    .iter()
                    .filter(|t| state_of(t.id()) == Some(state))
                    .count()
            };
            let (holding, waiting) = (
                TaskState::Waiting(WaitReason::Event),
                TaskState::Waiting(WaitReason::Semaphore),
            );
            while (count(holding), count(waiting)) != (3, 7) {
                yieldpoint::yield_now();
            }
            assert_eq!(inside.load(Ordering::SeqCst), 3);
            go.set();
            tasks.into_iter().for_each(|t| t.join().unwrap());
            assert_eq!(sem.available_permits(), 3);
            (
                max_inside.load(Ordering::SeqCst),
                done.load(Ordering::SeqCst),
            )
        });
        assert_eq!(max_inside, 3);
        assert_eq!(total, 10);
    }

    /// Python: `asyncio.Semaphore` is fair. Waiters get permits in the order they started
    /// waiting, and a release hands its permit to the first of them before it runs: the
    /// releaser's `try_acquire` right after fails, and its `acquire` queues behind them.
    #[test]
    fn waiters_get_permits_in_arrival_order_and_a_releaser_does_not_overtake() {
        let rt = one_thread();
        let order = rt.block_on(|| {
            let sem = Arc::new(Semaphore::new(1));
            let order = Arc::new(std::sync::Mutex::new(Vec::new()));
            let permit = sem.acquire();
            let waiters: Vec<_> = (0..4)
                .map(|i| {
                    let (sem, order) = (sem.clone(), order.clone());
                    let waiter = yieldpoint::spawn(move || {
                        let _permit = sem.acquire();
                        order.lock().unwrap().push(i);
                    });
                    wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Semaphore));
                    waiter
                })
                .collect();
            drop(permit);
            assert!(sem.try_acquire().is_none(), "handed to waiter 0 before it ran");
            assert_eq!(sem.available_permits(), 0);
            let again = sem.acquire(); // queues behind the four
            order.lock().unwrap().push(99);
            drop(again);
            waiters.into_iter().for_each(|w| w.join().unwrap());
            assert_eq!(sem.available_permits(), 1);
            let order = order.lock().unwrap().clone();
            order
        });
        assert_eq!(order, [0, 1, 2, 3, 99]);
    }

    /// A waiter handed a permit and cancelled before it ran passes the permit on.
    #[test]
    fn a_waiter_cancelled_after_the_hand_off_passes_the_permit_on() {
        let rt = one_thread();
        rt.block_on(|| {
            let sem = Arc::new(Semaphore::new(0));
            let waiters: Vec<_> = (0..2)
                .map(|_| {
                    let sem = sem.clone();
                    let waiter = yieldpoint::spawn(move || sem.acquire().forget());
                    wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Semaphore));
                    waiter
                })
                .collect();
            sem.release(); // handed to the first waiter, which has not run yet
            let [first, second]: [_; 2] = waiters.try_into().unwrap();
            first.cancel();
            assert!(first.join().unwrap_err().is_cancelled());
            second.join().unwrap();
            assert_eq!(sem.available_permits(), 0, "the one permit went to the second");
        });
    }

    /// A released permit wakes a parked waiter.
    #[test]
    fn release_wakes_a_waiter() {
        let rt = rt();
        rt.block_on(|| {
            let sem = Arc::new(Semaphore::new(0));
            let s = sem.clone();
            let waiter = yieldpoint::spawn(move || {
                s.acquire().forget();
                "got it"
            });
            wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Semaphore));
            sem.release();
            assert_eq!(waiter.join().unwrap(), "got it");
            assert_eq!(sem.available_permits(), 0);
        });
    }
}

/// Outside a scheduler `wait` blocks the OS thread until another thread sets the event.
#[test]
fn event_between_os_threads() {
    let event = Arc::new(Event::new());
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let e = event.clone();
            thread::spawn(move || e.wait())
        })
        .collect();
    thread::sleep(Duration::from_millis(5));
    event.set();
    waiters.into_iter().for_each(|w| w.join().unwrap());
    assert!(format!("{event:?}").contains("is_set: true"));
}

#[test]
fn semaphore_try_acquire_release_and_forget() {
    let sem = Semaphore::new(2);
    let a = sem.acquire();
    let b = sem.try_acquire().unwrap();
    assert!(sem.try_acquire().is_none());
    assert_eq!(sem.available_permits(), 0);
    drop(a);
    assert_eq!(sem.available_permits(), 1);
    b.forget(); // keeps its permit taken for good
    assert_eq!(sem.available_permits(), 1);
    // Python: `release()` may raise the count above its start.
    sem.release();
    assert_eq!(sem.available_permits(), 2);
    assert!(format!("{sem:?}").contains("available_permits: 2"));
}

/// Outside a scheduler the semaphore blocks OS threads.
#[test]
fn semaphore_between_os_threads() {
    let sem = Arc::new(Semaphore::new(2));
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (sem, inside, max_inside) = (sem.clone(), inside.clone(), max_inside.clone());
            thread::spawn(move || {
                for _ in 0..20 {
                    let _permit = sem.acquire();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    max_inside.fetch_max(now, Ordering::SeqCst);
                    thread::yield_now();
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert!(max_inside.load(Ordering::SeqCst) <= 2);
    assert_eq!(sem.available_permits(), 2);
}
