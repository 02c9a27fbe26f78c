//! The work-queue scheduler's own behaviour: pinning of started tasks, stealing,
//! cancellation across workers, timers on the owning worker, panics, shutdown and
//! idleness. What both schedulers promise (spawning, channels, cancellation, dropping the
//! scheduler, slow-task reports, stress) is in the scheduler matrix: see `sched_common.rs`.

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use yieldpoint::sched::WorkQueue;
use yieldpoint::sync::channel;

fn two_workers() -> WorkQueue {
    WorkQueue::builder().workers(2).build()
}

thread_local! {
    static WORKER_MARK: Cell<usize> = const { Cell::new(0) };
}

/// A started task keeps its OS thread: a thread-local written before a yield is read back
/// after it, and the thread id is unchanged, across many yields and sleeps.
#[test]
fn started_tasks_stay_on_their_worker() {
    let rt = two_workers();
    let handles: Vec<_> = (1..=64)
        .map(|mark| {
            rt.spawn(move || {
                let me = thread::current().id();
                for round in 0..50 {
                    WORKER_MARK.with(|m| m.set(mark));
                    if round % 10 == 0 {
                        yieldpoint::sleep(Duration::from_millis(1));
                    } else {
                        yieldpoint::yield_now();
                    }
                    assert_eq!(thread::current().id(), me, "task moved to another thread");
                    // Other tasks on this worker may have written the mark meanwhile, so
                    // write-then-read within one slice is what must hold:
                    WORKER_MARK.with(|m| m.set(mark));
                    assert_eq!(WORKER_MARK.with(Cell::get), mark);
                }
                me
            })
        })
        .collect();
    let threads: HashSet<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(!threads.is_empty() && threads.len() <= 2);
}

/// A non-`Send` value (an `Rc`) may be held across yield points inside a task.
#[test]
fn non_send_values_live_across_yields() {
    let rt = two_workers();
    let total = rt.block_on(|| {
        let local = std::rc::Rc::new(Cell::new(0));
        for i in 0..100 {
            local.set(local.get() + i);
            yieldpoint::yield_now();
        }
        let pinned = yieldpoint::spawn_local({
            let local = local.clone();
            move || local.get() * 2
        });
        pinned.join().unwrap() + local.get()
    });
    assert_eq!(total, 4950 * 3);
}

/// Unstarted tasks spread over the workers: both threads run some of a fan-out.
#[test]
fn work_is_stolen_by_the_idle_worker() {
    let rt = two_workers();
    let threads = rt.block_on(|| {
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                yieldpoint::spawn(|| {
                    // CPU work with no yield point keeps this worker busy.
                    let t = Instant::now();
                    while t.elapsed() < Duration::from_micros(200) {}
                    thread::current().id()
                })
            })
            .collect();
        tasks
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect::<HashSet<_>>()
    });
    assert_eq!(threads.len(), 2, "only one worker ran the fan-out");
}

/// `cancel` from another worker unwinds a task parked on a channel; destructors run.
#[test]
fn cancel_across_workers() {
    struct Guard(Arc<AtomicUsize>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let rt = two_workers();
    let dropped = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel::unbounded::<()>();
    let victim = {
        let dropped = dropped.clone();
        rt.spawn(move || {
            let _guard = Guard(dropped);
            let _ = rx.recv();
            unreachable!("cancelled before a message came");
        })
    };
    let (victim_id_tx, victim_id_rx) = channel::bounded(1);
    victim_id_tx.send(victim).unwrap();
    rt.block_on(move || {
        let victim = victim_id_rx.recv().unwrap();
        while !yieldpoint::task::all_tasks()
            .iter()
            .any(|t| t.id == victim.id() && t.state != yieldpoint::task::TaskState::Ready)
        {
            yieldpoint::sleep(Duration::from_millis(1));
        }
        victim.cancel();
        let error = victim.join().unwrap_err();
        assert!(error.is_cancelled(), "{error}");
    });
    drop(tx);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

/// A sleeping task wakes on the worker it slept on.
#[test]
fn timers_fire_on_the_owning_worker() {
    let rt = two_workers();
    let moved = rt.block_on(|| {
        let sleepers: Vec<_> = (0..50)
            .map(|i| {
                yieldpoint::spawn(move || {
                    let before = thread::current().id();
                    yieldpoint::sleep(Duration::from_millis(1 + i % 7));
                    before != thread::current().id()
                })
            })
            .collect();
        sleepers
            .into_iter()
            .map(|s| s.join().unwrap())
            .filter(|moved| *moved)
            .count()
    });
    assert_eq!(moved, 0);
}

/// A panicking task reports through its handle; the workers keep running.
#[test]
fn panics_do_not_take_workers_down() {
    let rt = two_workers();
    let failures: Vec<_> = (0..10).map(|_| rt.spawn(|| panic!("boom"))).collect();
    for failure in failures {
        let error = failure.join().unwrap_err();
        assert!(error.is_panic());
        assert!(error.to_string().contains("boom"), "{error}");
    }
    assert_eq!(rt.block_on(|| 7), 7);
}

/// Dropping a `WorkQueue` inside one of its own tasks (here it is moved into the task;
/// the last `Arc` of one held by a task is the same) cannot wait for the worker it runs
/// on (issue 10, item 11: it panicked "failed to join thread: Resource deadlock avoided"
/// and skipped the rest of the shutdown). It starts the shutdown and returns: the task
/// that dropped it finishes, the other tasks are cancelled (destructors run), the
/// workers exit.
#[test]
fn dropping_a_work_queue_inside_its_own_task_shuts_it_down() {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    // On a thread of its own, so that a hang fails the test instead of blocking it.
    thread::spawn(move || {
        let dropped = Arc::new(AtomicUsize::new(0));
        struct Guard(Arc<AtomicUsize>);
        impl Drop for Guard {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let rt = two_workers();
        let sleepers: Vec<_> = (0..4)
            .map(|_| {
                let guard = Guard(dropped.clone());
                rt.spawn(move || {
                    let _guard = guard;
                    yieldpoint::sleep(Duration::MAX);
                })
            })
            .collect();
        let (tx, rx) = std::sync::mpsc::channel::<WorkQueue>();
        let dropper = rt.spawn(move || {
            let rt = rx.recv().unwrap();
            drop(rt);
            "dropped"
        });
        tx.send(rt).unwrap();
        let dropper = dropper.join().map_err(|e| e.to_string());
        let cancelled = sleepers
            .into_iter()
            .all(|h| h.join().is_err_and(|e| e.is_cancelled()));
        let _ = done_tx.send((dropper, cancelled, dropped.load(Ordering::SeqCst)));
    });
    let (dropper, cancelled, dropped) = done_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("dropping a WorkQueue inside its own task hung");
    assert_eq!(dropper, Ok("dropped"));
    assert!(cancelled, "the other tasks were cancelled");
    assert_eq!(dropped, 4, "their destructors ran");
}

/// An idle work queue parks its workers: they use (almost) no CPU for a second.
/// Measured per worker thread (from /proc), so tests running beside it do not count.
#[test]
fn idle_workers_use_no_cpu() {
    let rt = WorkQueue::builder()
        .workers(2)
        .thread_name("idle-probe")
        .build();
    rt.block_on(|| ());
    thread::sleep(Duration::from_millis(50));
    let before = worker_cpu_ticks("idle-probe");
    thread::sleep(Duration::from_secs(1));
    let used = worker_cpu_ticks("idle-probe") - before;
    drop(rt);
    // Spinning workers would use ~200 ticks (100 Hz clock, 2 threads) here.
    assert!(
        used <= 5,
        "idle workers used {used} clock ticks of CPU in 1 s"
    );
}

/// User + system CPU time, in clock ticks, of this process's threads whose name starts
/// with `prefix` (Linux `/proc/self/task/*/stat`, fields 14 and 15).
fn worker_cpu_ticks(prefix: &str) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/task").unwrap() {
        let stat = std::fs::read_to_string(entry.unwrap().path().join("stat")).unwrap_or_default();
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if !stat[open + 1..close].starts_with(prefix) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        // After the name: field 3 is at index 0, so utime (14) and stime (15) are 11, 12.
        total += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    }
    total
}
