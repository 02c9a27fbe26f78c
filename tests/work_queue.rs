//! The work-queue scheduler's own behaviour: pinning of started tasks, placement (the
//! LIFO slot) and stealing, cancellation across workers, timers on the owning worker,
//! panics, shutdown and idleness. What both schedulers promise (spawning, channels,
//! cancellation, dropping the scheduler, slow-task reports, stress) is in the scheduler
//! matrix: see `sched_common.rs`.

mod support;

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use support::proc_stats::thread_cpu_ticks;
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

/// Spins without yielding until `flag` is set; panics after `patience` (a hang guard, not
/// a timing).
fn spin_until(flag: &AtomicBool, patience: Duration, what: &str) {
    let deadline = Instant::now() + patience;
    while !flag.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "{what}");
        std::hint::spin_loop();
    }
}

/// A task spawned from a task and joined runs on the spawner's worker, next (its LIFO
/// slot), so the join never crosses threads: in every one of many trials on two workers.
/// (When every spawned task went to a deque any worker could take from at once, the idle
/// worker often stole it.)
#[test]
fn a_spawned_and_joined_task_runs_on_its_spawners_worker() {
    let rt = two_workers();
    let moved = rt.block_on(|| {
        let here = thread::current().id();
        (0..1_000)
            .filter(|_| yieldpoint::spawn(|| thread::current().id()).join().unwrap() != here)
            .count()
    });
    assert_eq!(
        moved, 0,
        "{moved} of 1,000 joined tasks ran on the other worker"
    );
}

/// Two communicating tasks, the second spawned by the first, end up on one worker (the
/// first's): the echo task starts in its spawner's LIFO slot when the spawner waits for
/// its reply, and started tasks never move. Each trial is a fresh `block_on`, whose other
/// worker is still awake, searching, when the echo task is spawned. (When every spawned
/// task went to a deque any worker could take from at once, 7 to 38 trials of 2,000 split
/// on the 2-core development machine.)
#[test]
fn an_echo_task_spawned_by_its_partner_shares_its_worker() {
    const TRIALS: usize = 2_000;
    let rt = two_workers();
    let split = (0..TRIALS)
        .filter(|_| {
            rt.block_on(|| {
                let (to_echo, inbox) = channel::unbounded::<u32>();
                let (to_main, replies) = channel::unbounded::<u32>();
                let echo = yieldpoint::spawn(move || {
                    for v in inbox {
                        to_main.send(v + 1).unwrap();
                    }
                    thread::current().id()
                });
                for i in 0..20 {
                    to_echo.send(i).unwrap();
                    assert_eq!(replies.recv().unwrap(), i + 1);
                }
                drop(to_echo);
                echo.join().unwrap() != thread::current().id()
            })
        })
        .count();
    assert_eq!(
        split, 0,
        "in {split} of {TRIALS} trials the echo task ran on the other worker"
    );
}

/// Long-lived tasks spawned one at a time, each started before the next is spawned (an
/// accept loop's connections), spread over the workers: past eight resident tasks, a worker
/// leaves new ones to the idle worker, which has fewer. (Before that rule, all 32 started
/// in the spawner's LIFO slot and lived on its worker while the other one idled.)
#[test]
fn long_lived_tasks_spawned_one_by_one_spread_over_the_workers() {
    const TASKS: usize = 32;
    let rt = two_workers();
    let on_spawners_worker = rt.block_on(|| {
        let spawner = thread::current().id();
        let release = Arc::new(yieldpoint::sync::Event::new());
        let (started, starts) = channel::unbounded();
        let mut on_spawners_worker = 0;
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (release, started) = (release.clone(), started.clone());
                let task = yieldpoint::spawn(move || {
                    started.send(thread::current().id()).unwrap();
                    release.wait(); // a connection waiting for its next request
                });
                // Like an accept loop between connections: wait until it has started.
                if starts.recv().unwrap() == spawner {
                    on_spawners_worker += 1;
                }
                task
            })
            .collect();
        release.set();
        for task in tasks {
            task.join().unwrap();
        }
        on_spawners_worker
    });
    let elsewhere = TASKS - on_spawners_worker;
    assert!(
        on_spawners_worker >= 8 && elsewhere >= 8,
        "{on_spawners_worker} of {TASKS} tasks started on the spawner's worker, {elsewhere} on the other"
    );
}

/// A task displaced from the LIFO slot by a newer spawn waits in the worker's deque, where
/// the idle worker (woken for it) steals it: it runs while its spawner spins on the first
/// worker without a yield point.
#[test]
fn a_task_displaced_from_the_lifo_slot_runs_elsewhere_while_its_spawner_spins() {
    let rt = two_workers();
    rt.block_on(|| {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let first = yieldpoint::spawn(move || {
            flag.store(true, Ordering::SeqCst);
            thread::current().id()
        });
        let second = yieldpoint::spawn(|| ()); // takes the slot; `first` goes to the deque
        spin_until(
            &ran,
            Duration::from_secs(30),
            "the displaced task was never stolen",
        );
        assert_ne!(first.join().unwrap(), thread::current().id());
        second.join().unwrap();
    });
}

/// The task in a worker's LIFO slot is that worker's alone (as in tokio): even while its
/// spawner runs on without a yield point and the other worker is awake and idle, it waits
/// to run next on its spawner's worker. So where a task starts does not depend on how long
/// the OS lets its spawner's thread run. (A spawner that waits for its child without a
/// yield point spawns another task after it, which displaces it to the deque, or uses
/// `spawn_blocking`.)
#[test]
fn a_task_in_the_lifo_slot_stays_for_its_spawners_worker() {
    let rt = Arc::new(two_workers());
    let outside = rt.clone();
    rt.block_on(move || {
        let child = yieldpoint::spawn(|| thread::current().id());
        // Wake the other worker with a task from outside (the injector), and see it run.
        let awake = Arc::new(AtomicBool::new(false));
        let flag = awake.clone();
        drop(outside.spawn(move || flag.store(true, Ordering::SeqCst)));
        spin_until(
            &awake,
            Duration::from_secs(30),
            "the other worker never woke",
        );
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(5) {
            std::hint::spin_loop();
        }
        assert_eq!(child.join().unwrap(), thread::current().id());
    });
}

/// Tasks that each spawn the next and end (a chain) would run one after another from the
/// LIFO slot for ever; after three in a row, the slot's task waits in the deque and the run
/// queue has its turn (tokio's cap), so a task that yields keeps running meanwhile.
#[test]
fn a_chain_of_spawns_leaves_ready_tasks_their_turn() {
    const LINKS: usize = 1_000;
    fn link(left: usize, ticks: Arc<AtomicUsize>, done: channel::Sender<usize>) {
        if left == 0 {
            done.send(ticks.load(Ordering::SeqCst)).unwrap();
        } else {
            drop(yieldpoint::spawn(move || link(left - 1, ticks, done)));
        }
    }
    let rt = WorkQueue::builder().workers(1).build();
    let ticked = rt.block_on(|| {
        let ticks = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (ticks, stop) = (ticks.clone(), stop.clone());
            yieldpoint::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    ticks.fetch_add(1, Ordering::SeqCst);
                    yieldpoint::yield_now();
                }
            })
        };
        yieldpoint::yield_now(); // the ticker starts
        let (done, chain_end) = channel::bounded(1);
        let before = ticks.load(Ordering::SeqCst);
        link(LINKS, ticks.clone(), done);
        let at_end = chain_end.recv().unwrap();
        stop.store(true, Ordering::SeqCst);
        ticker.join().unwrap();
        at_end - before
    });
    assert!(
        ticked >= LINKS / 4,
        "the ticker ran {ticked} times during a chain of {LINKS} spawns"
    );
}

/// A task still in a worker's LIFO slot when the scheduler is dropped ends with it: it is
/// cancelled unrun (or ran, if its worker reached it before the shutdown), and its handle
/// answers.
#[test]
fn drop_ends_a_task_left_in_a_lifo_slot() {
    let rt = two_workers();
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    rt.spawn(move || {
        handle_tx.send(yieldpoint::spawn(|| "ran")).unwrap();
        // Blocks this worker without a yield point while the scheduler is dropped.
        thread::sleep(Duration::from_millis(50));
    });
    let child = handle_rx.recv().unwrap();
    drop(rt);
    let (result_tx, result_rx) = std::sync::mpsc::channel();
    thread::spawn(move || result_tx.send(child.join()).unwrap());
    match result_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the LIFO slot's task was lost at shutdown: its join hangs")
    {
        Ok(value) => assert_eq!(value, "ran"),
        Err(error) => assert!(error.is_cancelled(), "{error}"),
    }
}

/// `cancel` from another worker unwinds a task parked on a channel; destructors run.
/// Workers report the ends of tasks to the scheduler's registry in batches (see
/// `sched/work_queue/registry.rs`), yet a task that has ended leaves snapshots and the
/// task count at once, on whichever worker it ran, and `run` returns when the last one
/// ends.
#[test]
fn ended_tasks_leave_snapshots_and_counts_at_once() {
    let rt = two_workers();
    let spawner = rt.spawn(|| {
        let mut listed = Vec::new();
        for round in 0..20u64 {
            let children: Vec<_> = (0..100)
                .map(|i| yieldpoint::spawn(move || round * i))
                .collect();
            for child in children {
                child.join().unwrap();
            }
            // Every child has ended; only this task is left.
            listed.push(yieldpoint::task::all_tasks().len());
        }
        listed
    });
    rt.run();
    assert_eq!(spawner.join().unwrap(), vec![1; 20]);
    assert!(rt.tasks().is_empty(), "{:?}", rt.tasks());
    assert!(format!("{rt:?}").contains("tasks: 0"), "{rt:?}");
}

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
    let before = thread_cpu_ticks("idle-probe");
    thread::sleep(Duration::from_secs(1));
    let used = thread_cpu_ticks("idle-probe") - before;
    drop(rt);
    // Spinning workers would use ~200 ticks (100 Hz clock, 2 threads) here.
    assert!(
        used <= 5,
        "idle workers used {used} clock ticks of CPU in 1 s"
    );
}
