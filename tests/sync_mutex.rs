//! The green-aware `Mutex`: a guard held across yield points, waiters parked in FIFO
//! order, no poisoning, and the same lock between OS threads.
//!
//! Python: `asyncio.Lock` (`async with lock:`); the `transfer_dangerous` of
//! "Python Cooperative Scheduling — Core Concepts" made safe.

#[macro_use]
mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::thread;

use support::sched_matrix::wait_for_state;
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::Mutex;
use yieldpoint::task::{TaskState, WaitReason};

/// `transfer_dangerous`: read, yield, write back. Without the lock the writes overwrite each other
/// (shown by the unlocked run); with the guard held across the yield none is lost.
/// Round-robin only: the unlocked run's exact loss needs its FIFO interleaving
/// (`sched_common`'s `mutex_across_yield_points` runs the locked half on both).
#[test]
fn guard_held_across_a_yield_keeps_read_modify_write_atomic() {
    fn run(locked: bool) -> i32 {
        let rt = RoundRobin::new();
        let balance = Rc::new(Mutex::new(100));
        for _ in 0..10 {
            let balance = balance.clone();
            rt.spawn(move || {
                if locked {
                    let mut b = balance.lock();
                    let read = *b;
                    yieldpoint::yield_now();
                    *b = read - 1;
                } else {
                    let read = *balance.lock();
                    yieldpoint::yield_now();
                    *balance.lock() = read - 1;
                }
            });
        }
        rt.run();
        let left = *balance.lock();
        left
    }
    assert_eq!(run(true), 90);
    assert_eq!(
        run(false),
        99,
        "every unlocked task read 100 before any wrote"
    );
}

on_both_schedulers! {
    /// Waiters get the lock in the order they asked for it (each one here asks once the
    /// one before it waits).
    #[test]
    fn waiters_get_the_lock_in_fifo_order() {
        let rt = rt();
        let order = rt.block_on(|| {
            let lock = Arc::new(Mutex::new(Vec::new()));
            let guard = lock.lock();
            let waiters: Vec<_> = (0..5)
                .map(|i| {
                    let lock = lock.clone();
                    let waiter = yieldpoint::spawn(move || lock.lock().push(i));
                    wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Mutex));
                    waiter
                })
                .collect();
            drop(guard);
            waiters.into_iter().for_each(|w| w.join().unwrap());
            let order = lock.lock().clone();
            order
        });
        assert_eq!(order, [0, 1, 2, 3, 4]);
    }

    /// Python: `asyncio.Lock` is fair. The unlock hands the lock to the waiting task before
    /// it runs: the task that unlocked cannot take it back at once (`try_lock` fails), and
    /// its `lock` queues behind the waiter.
    #[test]
    fn a_releaser_that_locks_again_does_not_overtake_a_waiter() {
        let rt = one_thread();
        let order = rt.block_on(|| {
            let lock = Arc::new(Mutex::new(Vec::new()));
            let mut guard = lock.lock();
            let other = lock.clone();
            let waiter = yieldpoint::spawn(move || other.lock().push("waiter"));
            wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Mutex));
            guard.push("releaser");
            drop(guard);
            assert!(lock.try_lock().is_none(), "handed over: taken before the waiter ran");
            lock.lock().push("releaser again");
            waiter.join().unwrap();
            let order = lock.lock().clone();
            order
        });
        assert_eq!(order, ["releaser", "waiter", "releaser again"]);
    }

    /// A waiter handed the lock and cancelled before it ran passes the lock on to the next
    /// waiter: nothing stays locked.
    #[test]
    fn a_waiter_cancelled_after_the_hand_off_passes_the_lock_on() {
        let rt = one_thread();
        rt.block_on(|| {
            let lock = Arc::new(Mutex::new(0));
            let guard = lock.lock();
            let waiters: Vec<_> = (1..=2)
                .map(|n| {
                    let lock = lock.clone();
                    let waiter = yieldpoint::spawn(move || *lock.lock() += n);
                    wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Mutex));
                    waiter
                })
                .collect();
            drop(guard); // handed to the first waiter, which has not run yet
            waiters[0].cancel();
            let [first, second]: [_; 2] = waiters.try_into().unwrap();
            assert!(first.join().unwrap_err().is_cancelled());
            second.join().unwrap();
            assert_eq!(*lock.try_lock().expect("unlocked at the end"), 2);
        });
    }

    /// Unlike `std::sync::Mutex` there is no poisoning: a task that panics while holding the
    /// guard releases the lock, and the next locker gets it.
    #[test]
    fn panic_while_holding_the_guard_releases_the_lock() {
        let rt = rt();
        rt.block_on(|| {
            let lock = Arc::new(Mutex::new(0));
            let l = lock.clone();
            let panicker = yieldpoint::spawn(move || {
                let mut g = l.lock();
                *g += 1;
                yieldpoint::yield_now();
                panic!("while holding the lock");
            });
            let l = lock.clone();
            let waiter = yieldpoint::spawn(move || *l.lock() += 10);
            assert!(panicker.join().unwrap_err().is_panic());
            waiter.join().unwrap();
            assert_eq!(*lock.lock(), 11);
        });
    }

    /// A green thread and an OS thread contend for the same lock.
    #[test]
    fn green_thread_and_os_thread_share_a_lock() {
        let counter = Arc::new(Mutex::new(0u64));
        let c = counter.clone();
        let os = thread::spawn(move || {
            for _ in 0..1000 {
                *c.lock() += 1;
            }
        });
        let c = counter.clone();
        rt().block_on(move || {
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let c = c.clone();
                    yieldpoint::spawn(move || {
                        for _ in 0..250 {
                            let mut g = c.lock();
                            *g += 1;
                            drop(g);
                            yieldpoint::yield_now();
                        }
                    })
                })
                .collect();
            tasks.into_iter().for_each(|t| t.join().unwrap());
        });
        os.join().unwrap();
        assert_eq!(*counter.lock(), 2000);
    }
}

#[test]
fn try_lock_fails_while_held() {
    let lock = Mutex::new(5);
    let guard = lock.try_lock().unwrap();
    assert!(lock.try_lock().is_none());
    assert!(format!("{lock:?}").contains("locked: true"));
    assert_eq!(format!("{guard:?}"), "5");
    drop(guard);
    assert!(lock.try_lock().is_some());
    assert!(format!("{lock:?}").contains("locked: false"));
}

/// Outside a scheduler the mutex blocks OS threads.
#[test]
fn works_between_os_threads() {
    let counter = Arc::new(Mutex::new(0u64));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                for _ in 0..1000 {
                    *counter.lock() += 1;
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(*counter.lock(), 4000);
}

#[test]
fn get_mut_into_inner_and_default() {
    let mut lock = Mutex::new(vec![1]);
    lock.get_mut().push(2);
    assert_eq!(lock.into_inner(), [1, 2]);
    let lock: Mutex<u8> = Mutex::default();
    assert_eq!(*lock.lock(), 0);
}

/// Shared state of one `RoundRobin` can sit in an `Rc<RefCell<_>>` next to a `Mutex`:
/// between two yield points a task runs alone (the article's `transfer`). Round-robin
/// only: tasks sharing an `Rc` need one thread.
#[test]
fn no_lock_needed_between_yield_points() {
    let rt = RoundRobin::new();
    let balances = Rc::new(RefCell::new([100i64, 100]));
    for i in 0..50 {
        let b = balances.clone();
        rt.spawn(move || {
            let (from, to) = if i % 2 == 0 { (0, 1) } else { (1, 0) };
            let read = b.borrow()[from];
            b.borrow_mut()[from] = read - 3;
            b.borrow_mut()[to] += 3;
            yieldpoint::yield_now();
        });
    }
    rt.run();
    assert_eq!(balances.borrow().iter().sum::<i64>(), 200);
}
