//! yieldpoint's side of every timed row.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::sync::{channel, local_channel};
use yieldpoint::{Coroutine, CoroutineState};

use crate::timing::time_round_trips;
use crate::{cores, cpu_work, FAN_OUT_TASKS};

/// `coroutine_send_round_trip`: `send` in, `yield_` out.
pub fn send(n: u64) -> Duration {
    let mut co: Coroutine<u64, u64, ()> = Coroutine::new(|co, mut x: u64| loop {
        x = co.yield_(x.wrapping_add(1));
    });
    let _ = co.send(0);
    time_round_trips(n, |i| match co.send(i) {
        CoroutineState::Yielded(y) => y,
        CoroutineState::Complete(()) => 0,
    })
}

/// Creates a coroutine, runs it to its one yield and on to its end, and drops it, `n` times;
/// its stack comes from the per-thread pool. A criterion bench
/// (`create_run_drop_one_yield`), not a row of the report.
pub fn create_run_drop(n: u64) -> Duration {
    time_round_trips(n, |i| {
        let mut co: Coroutine<u64, u64, u64> = Coroutine::new(|co, x: u64| co.yield_(x) + 1);
        let _ = co.send(i);
        match co.send(i) {
            CoroutineState::Yielded(y) | CoroutineState::Complete(y) => y,
        }
    })
}

/// Two green threads calling `yield_now` in turn; `n` is the number of switches.
fn yield_pair(n: u64) -> Duration {
    let per_task = n / 2;
    let start = Instant::now();
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            yieldpoint::spawn(move || {
                for _ in 0..per_task {
                    yieldpoint::yield_now();
                }
            })
        })
        .collect();
    for task in tasks {
        task.join().unwrap();
    }
    start.elapsed()
}

/// `green_yield_switch` on the round-robin scheduler.
pub fn yield_round_robin(n: u64) -> Duration {
    RoundRobin::new().block_on(move || yield_pair(n.max(2)))
}

/// `green_yield_switch` on a one-worker work-queue scheduler.
pub fn yield_work_queue_1(n: u64) -> Duration {
    let rt = WorkQueue::builder().workers(1).build();
    rt.block_on(move || yield_pair(n.max(2)))
}

fn spawn_join_loop(n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        yieldpoint::spawn(|| ()).join().unwrap();
    }
    start.elapsed()
}

/// `spawn_join` on the round-robin scheduler.
pub fn spawn_join_round_robin(n: u64) -> Duration {
    RoundRobin::new().block_on(move || spawn_join_loop(n))
}

/// `spawn_join` on a work-queue scheduler with one worker per core.
pub fn spawn_join_work_queue(n: u64) -> Duration {
    let rt = WorkQueue::builder().workers(cores()).build();
    rt.block_on(move || spawn_join_loop(n))
}

/// `n` round trips: this task sends, an echo task sends back. `on_echo_start` runs first
/// in the echo task, `before_timing` in this one after the echo task is spawned.
fn ping_pong(
    n: u64,
    on_echo_start: impl FnOnce() + Send + 'static,
    before_timing: impl FnOnce(),
) -> Duration {
    let (to_echo, echo_inbox) = channel::unbounded::<u64>();
    let (to_main, main_inbox) = channel::unbounded::<u64>();
    let echo = yieldpoint::spawn(move || {
        on_echo_start();
        for v in echo_inbox {
            if to_main.send(v).is_err() {
                break;
            }
        }
    });
    before_timing();
    let took = time_round_trips(n, |i| {
        to_echo.send(i).unwrap();
        main_inbox.recv().unwrap()
    });
    drop(to_echo);
    echo.join().unwrap();
    took
}

/// `channel_ping_pong` between two green threads of the round-robin scheduler.
pub fn ping_pong_round_robin(n: u64) -> Duration {
    RoundRobin::new().block_on(move || ping_pong(n, || (), || ()))
}

/// `channel_ping_pong` on a work-queue scheduler with one worker per core, written as a
/// user writes it: the main task spawns the echo task and talks to it, nothing more.
pub fn ping_pong_work_queue(n: u64) -> Duration {
    let rt = WorkQueue::builder().workers(cores()).build();
    rt.block_on(move || ping_pong(n, || (), || ()))
}

/// `channel_ping_pong` between two green threads of the round-robin scheduler over the
/// single-thread `local_channel` (no lock, no atomics); the echo task is a `spawn_local`
/// one, since the channel's ends are not `Send`.
pub fn ping_pong_local_round_robin(n: u64) -> Duration {
    RoundRobin::new().block_on(move || {
        let (to_echo, echo_inbox) = local_channel::unbounded::<u64>();
        let (to_main, main_inbox) = local_channel::unbounded::<u64>();
        let echo = yieldpoint::spawn_local(move || {
            for v in echo_inbox {
                if to_main.send(v).is_err() {
                    break;
                }
            }
        });
        let took = time_round_trips(n, |i| {
            to_echo.send(i).unwrap();
            main_inbox.recv().unwrap()
        });
        drop(to_echo);
        echo.join().unwrap();
        took
    })
}

/// `channel_ping_pong` between green threads pinned to two different workers.
///
/// The main task spawns the echo task, then an empty task that displaces it from the
/// worker's LIFO slot into the worker's deque (which wakes the idle worker), and spins
/// (without yielding) until the echo task has started: it cannot start on the main task's
/// worker meanwhile, so the other worker steals it, and since
/// started tasks never move, the two stay on different OS threads.
pub fn ping_pong_work_queue_cross(n: u64) -> Duration {
    let rt = WorkQueue::builder().workers(2).build();
    rt.block_on(move || {
        let echo_thread: Arc<Mutex<Option<ThreadId>>> = Arc::default();
        let started = Arc::new(AtomicBool::new(false));
        let (thread_slot, flag) = (echo_thread.clone(), started.clone());
        let record_echo_thread = move || {
            *thread_slot.lock().unwrap() = Some(std::thread::current().id());
            started.store(true, Ordering::Release);
        };
        let wait_for_echo = move || {
            drop(yieldpoint::spawn(|| ()));
            let deadline = Instant::now() + Duration::from_secs(2);
            while !flag.load(Ordering::Acquire) && Instant::now() < deadline {
                std::hint::spin_loop();
            }
            let cross = *echo_thread.lock().unwrap() != Some(std::thread::current().id());
            assert!(cross, "the echo task started on the main task's worker");
        };
        ping_pong(n, record_echo_thread, wait_for_echo)
    })
}

/// `work_queue_fan_out`: `n` is a number of tasks, run as rounds of
/// [`FAN_OUT_TASKS`] spawned at once and then joined.
pub fn fan_out(n: u64) -> Duration {
    let rounds = n.div_ceil(FAN_OUT_TASKS);
    let rt = WorkQueue::builder().workers(cores()).build();
    rt.block_on(move || {
        let round = || {
            let tasks: Vec<_> = (0..FAN_OUT_TASKS)
                .map(|i| yieldpoint::spawn(move || cpu_work(i)))
                .collect();
            let sum = tasks
                .into_iter()
                .map(|t| t.join().unwrap())
                .fold(0u64, u64::wrapping_add);
            black_box(sum);
        };
        round(); // untimed: a fresh runtime maps its stacks in its first round
        let start = Instant::now();
        for _ in 0..rounds {
            round();
        }
        // Per task, as `n` asks; the rounds are whole.
        start
            .elapsed()
            .mul_f64(n as f64 / (rounds * FAN_OUT_TASKS) as f64)
    })
}

/// `maybe_yield` in a CPU loop on a round-robin task that runs alone: the cost of the check
/// when the time slice is not spent (it yields once per slice, 10 ms, to no one).
pub fn maybe_yield_round_robin(n: u64) -> Duration {
    RoundRobin::new().block_on(move || {
        let start = Instant::now();
        let mut acc = 0u64;
        for i in 0..n {
            acc = acc.wrapping_add(std::hint::black_box(i));
            yieldpoint::maybe_yield();
        }
        std::hint::black_box(acc);
        start.elapsed()
    })
}

/// `await_green_thread`: async code (a tokio current-thread runtime on this thread) awaits
/// a green thread that yields once, on a work queue of one worker: a `JoinHandle` as a
/// `Future`, woken from the worker thread.
pub fn await_green_thread(n: u64) -> Duration {
    let pool = WorkQueue::builder().workers(1).build();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio current-thread runtime");
    tokio.block_on(async {
        let start = Instant::now();
        for _ in 0..n {
            pool.spawn(yieldpoint::yield_now).await.unwrap();
        }
        start.elapsed()
    })
}

/// `green_awaits_future`: a green thread awaits (`future::await_`) a oneshot that another
/// green thread of the round-robin scheduler completes.
pub fn green_awaits_future(n: u64) -> Duration {
    RoundRobin::new().block_on(move || {
        let start = Instant::now();
        for i in 0..n {
            let (tx, rx) = tokio::sync::oneshot::channel();
            yieldpoint::spawn(move || tx.send(i).unwrap());
            black_box(yieldpoint::future::await_(rx).unwrap());
        }
        start.elapsed()
    })
}

/// Tasks parked at once in `task_dump`.
pub const DUMPED_TASKS: usize = 10_000;

/// `task_dump`: [`DUMPED_TASKS`] tasks parked on one event (and the main task), dumped and
/// printed (`task::dump()`, then its `Display`) `n` times; per dump. Spawning and parking
/// the tasks is left out.
fn dump_parked_tasks(n: u64) -> Duration {
    let event = Arc::new(yieldpoint::sync::Event::new());
    let waiters: Vec<_> = (0..DUMPED_TASKS)
        .map(|_| {
            let event = event.clone();
            yieldpoint::spawn(move || event.wait())
        })
        .collect();
    while yieldpoint::task::all_tasks()
        .iter()
        .filter(|t| t.switches > 0)
        .count()
        <= DUMPED_TASKS
    {
        yieldpoint::yield_now(); // until every waiter has started and parked
    }
    let took = time_round_trips(n, |_| {
        let dump = yieldpoint::task::dump();
        black_box(dump.to_string()).len() as u64
    });
    event.set();
    for waiter in waiters {
        waiter.join().unwrap();
    }
    took
}

/// `task_dump` on the round-robin scheduler.
pub fn dump_round_robin(n: u64) -> Duration {
    let rt = RoundRobin::builder().stack_size(0).build();
    rt.block_on(move || dump_parked_tasks(n))
}

/// `task_dump` on a work-queue scheduler with one worker per core.
pub fn dump_work_queue(n: u64) -> Duration {
    let rt = WorkQueue::builder().workers(cores()).stack_size(0).build();
    rt.block_on(move || dump_parked_tasks(n))
}

/// `park_cost`: `n` parks, as `n / 2` round trips of `channel_ping_pong` on the
/// round-robin scheduler `rt` (each round trip parks both tasks once).
fn ping_pong_parks(rt: RoundRobin, n: u64) -> Duration {
    rt.block_on(move || ping_pong(n.div_ceil(2), || (), || ()))
}

/// `park_cost` with the defaults: no park times, no backtraces.
pub fn park_plain(n: u64) -> Duration {
    ping_pong_parks(RoundRobin::new(), n)
}

/// `park_cost` with `record_park_times(true)`: a clock read per switch.
pub fn park_timed(n: u64) -> Duration {
    ping_pong_parks(RoundRobin::builder().record_park_times(true).build(), n)
}

/// `park_cost` with `capture_park_backtraces(true)`: a stack walk per park.
pub fn park_backtraced(n: u64) -> Duration {
    ping_pong_parks(
        RoundRobin::builder().capture_park_backtraces(true).build(),
        n,
    )
}
