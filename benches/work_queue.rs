//! The work-queue scheduler beside tokio's multi-thread runtime and may, each with the
//! same number of worker threads (`WORKERS`): spawn + join, a channel ping-pong between
//! two workers, and a fan-out/fan-in of 10,000 small CPU tasks.
//!
//! Run with `cargo bench --bench work_queue`; `scripts/perf-report` measures the same
//! workloads (and more) interleaved, and writes the README's table.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use yieldpoint::sched::WorkQueue;
use yieldpoint::sync::channel;

/// Worker threads of every runtime here.
const WORKERS: usize = 2;
/// Tasks in one fan-out.
const FAN_OUT: u64 = 10_000;

/// One small CPU task of the fan-out (a few hundred nanoseconds).
fn cpu_work(seed: u64) -> u64 {
    let mut x = black_box(seed) | 1;
    for _ in 0..256 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn work_queue() -> WorkQueue {
    WorkQueue::builder().workers(WORKERS).build()
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .build()
        .expect("a tokio runtime")
}

/// Spawns a may coroutine.
fn may_go<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> may::coroutine::JoinHandle<T> {
    // SAFETY: may's `spawn` is unsafe because a coroutine may move between worker threads
    // at a yield; these bodies hold no thread-local reference and no non-`Send` value
    // across a yield (only integers, channels and join handles).
    unsafe { may::coroutine::spawn(f) }
}

/// Runs `f` inside a may coroutine, so that its waits park the coroutine.
fn may_inside<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    may_go(f).join().expect("the may coroutine finished")
}

fn short(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
}

/// Spawn an empty task from inside the runtime and wait for it.
fn spawn_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("work_queue/spawn_join");
    short(&mut group);
    let rt = work_queue();
    group.bench_function("yieldpoint", |b| {
        b.iter_custom(|iters| {
            rt.block_on(move || {
                let start = Instant::now();
                for _ in 0..iters {
                    yieldpoint::spawn(|| ()).join().unwrap();
                }
                start.elapsed()
            })
        })
    });
    let tokio = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            tokio.block_on(async move {
                tokio::spawn(async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        tokio::spawn(async {}).await.unwrap();
                    }
                    start.elapsed()
                })
                .await
                .unwrap()
            })
        })
    });
    group.bench_function("may", |b| {
        b.iter_custom(|iters| {
            may_inside(move || {
                let start = Instant::now();
                for _ in 0..iters {
                    may_go(|| ()).join().unwrap();
                }
                start.elapsed()
            })
        })
    });
    group.finish();
}

/// `iters` round trips through two channels, timed from the main task.
fn yieldpoint_ping_pong(iters: u64) -> Duration {
    let echo_thread: Arc<Mutex<Option<ThreadId>>> = Arc::default();
    let started = Arc::new(AtomicBool::new(false));
    let (slot, flag) = (echo_thread.clone(), started.clone());
    let (to_echo, echo_inbox) = channel::unbounded::<u64>();
    let (to_main, main_inbox) = channel::unbounded::<u64>();
    let echo = yieldpoint::spawn(move || {
        *slot.lock().unwrap() = Some(std::thread::current().id());
        flag.store(true, Ordering::Release);
        for v in echo_inbox {
            if to_main.send(v).is_err() {
                break;
            }
        }
    });
    // An empty task takes this worker's LIFO slot, so the echo task waits in its deque,
    // where the idle worker steals it; spin without yielding until the echo task has
    // started: it cannot start on this worker meanwhile, so another worker stole it, and
    // started tasks never move.
    drop(yieldpoint::spawn(|| ()));
    let deadline = Instant::now() + Duration::from_secs(2);
    while !started.load(Ordering::Acquire) && Instant::now() < deadline {
        std::hint::spin_loop();
    }
    assert_ne!(
        *echo_thread.lock().unwrap(),
        Some(std::thread::current().id()),
        "the echo task runs on another worker"
    );
    let start = Instant::now();
    for i in 0..iters {
        to_echo.send(i).unwrap();
        black_box(main_inbox.recv().unwrap());
    }
    let took = start.elapsed();
    drop(to_echo);
    echo.join().unwrap();
    took
}

/// A message to an echo task and back. yieldpoint pins the two tasks to different
/// workers; tokio and may place them as they see fit (often on one worker).
fn ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("work_queue/channel_ping_pong");
    short(&mut group);
    let rt = work_queue();
    group.bench_function("yieldpoint_cross_worker", |b| {
        b.iter_custom(|iters| rt.block_on(move || yieldpoint_ping_pong(iters)))
    });
    let tokio = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter_custom(|iters| {
            tokio.block_on(async move {
                tokio::spawn(async move {
                    let (to_echo, mut echo_inbox) = tokio::sync::mpsc::unbounded_channel();
                    let (to_main, mut main_inbox) = tokio::sync::mpsc::unbounded_channel();
                    let echo = tokio::spawn(async move {
                        while let Some(v) = echo_inbox.recv().await {
                            if to_main.send(v).is_err() {
                                break;
                            }
                        }
                    });
                    let start = Instant::now();
                    for i in 0..iters {
                        to_echo.send(i).unwrap();
                        black_box(main_inbox.recv().await.unwrap());
                    }
                    let took = start.elapsed();
                    drop(to_echo);
                    echo.await.unwrap();
                    took
                })
                .await
                .unwrap()
            })
        })
    });
    group.bench_function("may", |b| {
        b.iter_custom(|iters| {
            may_inside(move || {
                let (to_echo, echo_inbox) = may::sync::mpsc::channel::<u64>();
                let (to_main, main_inbox) = may::sync::mpsc::channel::<u64>();
                let echo = may_go(move || {
                    while let Ok(v) = echo_inbox.recv() {
                        if to_main.send(v).is_err() {
                            break;
                        }
                    }
                });
                let start = Instant::now();
                for i in 0..iters {
                    to_echo.send(i).unwrap();
                    black_box(main_inbox.recv().unwrap());
                }
                let took = start.elapsed();
                drop(to_echo);
                echo.join().unwrap();
                took
            })
        })
    });
    group.finish();
}

/// 10,000 small CPU tasks spawned at once, then joined; one iteration is one fan-out.
fn fan_out(c: &mut Criterion) {
    let mut group = c.benchmark_group("work_queue/fan_out_10k");
    short(&mut group);
    group.sample_size(10);
    let rt = work_queue();
    group.bench_function("yieldpoint", |b| {
        b.iter(|| {
            rt.block_on(|| {
                let tasks: Vec<_> = (0..FAN_OUT)
                    .map(|i| yieldpoint::spawn(move || cpu_work(i)))
                    .collect();
                tasks
                    .into_iter()
                    .map(|t| t.join().unwrap())
                    .fold(0u64, u64::wrapping_add)
            })
        })
    });
    let tokio = tokio_runtime();
    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio.block_on(async {
                tokio::spawn(async {
                    let tasks: Vec<_> = (0..FAN_OUT)
                        .map(|i| tokio::spawn(async move { cpu_work(i) }))
                        .collect();
                    let mut sum = 0u64;
                    for task in tasks {
                        sum = sum.wrapping_add(task.await.unwrap());
                    }
                    sum
                })
                .await
                .unwrap()
            })
        })
    });
    group.bench_function("may", |b| {
        b.iter(|| {
            may_inside(|| {
                let tasks: Vec<_> = (0..FAN_OUT).map(|i| may_go(move || cpu_work(i))).collect();
                tasks
                    .into_iter()
                    .map(|t| t.join().unwrap())
                    .fold(0u64, u64::wrapping_add)
            })
        })
    });
    group.finish();
}

fn configure_may() {
    // may's worker count is process-wide and fixed at its first use.
    may::config().set_workers(WORKERS).set_worker_pin(false);
}

fn benches(c: &mut Criterion) {
    configure_may();
    spawn_join(c);
    ping_pong(c);
    fan_out(c);
}

criterion_group!(work_queue_benches, benches);
criterion_main!(work_queue_benches);
