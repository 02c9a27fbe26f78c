//! The in-process peers: raw corosensei, the `generator` crate, tokio, `std::thread`,
//! rayon. (may runs in child processes, see `may_peer.rs`; Python in `python.rs`.)

use std::hint::black_box;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use rayon::prelude::*;
use yieldpoint::stack::DEFAULT_STACK_SIZE;

use crate::timing::time_round_trips;
use crate::{cores, cpu_work, FAN_OUT_TASKS};

/// A raw corosensei coroutine that returns what it is sent plus one, forever.
type RawEcho = Coroutine<u64, u64, (), DefaultStack>;

/// A fresh guarded stack of yieldpoint's default size (64 KiB): an `mmap` and an
/// `mprotect` now, a `munmap` when it is dropped.
fn fresh_stack() -> DefaultStack {
    DefaultStack::new(DEFAULT_STACK_SIZE).expect("a 64 KiB stack")
}

/// `coroutine_send_round_trip` on raw corosensei: `resume` in, `suspend` out, on the same
/// 64 KiB guarded stack yieldpoint uses.
pub fn corosensei_resume(n: u64) -> Duration {
    time_resumes(
        Coroutine::with_stack(fresh_stack(), |yielder, mut x: u64| loop {
            x = yielder.suspend(x.wrapping_add(1));
        }),
        n,
    )
}

/// `coroutine_send_round_trip` on raw corosensei with the suspend one call down: the body
/// yields from a function it calls in a loop, so each resume lands inside that function and
/// returns out of it before the next suspend (see "Return-address prediction" in
/// `src/sched/local.rs`). The same switch as [`corosensei_resume`], one call deeper.
pub fn corosensei_resume_nested(n: u64) -> Duration {
    #[inline(never)]
    fn step(yielder: &Yielder<u64, u64>, x: u64) -> u64 {
        yielder.suspend(x.wrapping_add(1))
    }
    time_resumes(
        Coroutine::with_stack(fresh_stack(), |yielder, mut x: u64| loop {
            x = step(yielder, x);
        }),
        n,
    )
}

/// Starts `co`, then times `n` resumes.
fn time_resumes(mut co: RawEcho, n: u64) -> Duration {
    let _: CoroutineResult<u64, ()> = co.resume(0);
    time_round_trips(n, |i| match co.resume(i) {
        CoroutineResult::Yield(y) => y,
        CoroutineResult::Return(()) => 0,
    })
}

/// `coroutine_send_round_trip` on the `generator` crate: `send` in, `yield_` out.
pub fn generator_send(n: u64) -> Duration {
    let mut g = generator::Gn::<u64>::new_scoped(|mut s| {
        let mut x = 0u64;
        loop {
            x = s.yield_(x.wrapping_add(1)).unwrap_or(0);
        }
    });
    let _ = g.send(0);
    let start = Instant::now();
    let mut acc = 0u64;
    for i in 0..n {
        acc ^= g.send(i);
    }
    let took = start.elapsed();
    black_box(acc);
    took
}

/// [`crate::yp::create_run_drop`] on raw corosensei, with a fresh 64 KiB guarded stack each
/// time (no pool). A criterion bench, not a row of the report.
pub fn corosensei_create_run_drop(n: u64) -> Duration {
    time_round_trips(n, |i| {
        let mut co = Coroutine::with_stack(fresh_stack(), |yielder: &Yielder<u64, u64>, x| {
            yielder.suspend(x) + 1
        });
        let _ = co.resume(i);
        match co.resume(i) {
            CoroutineResult::Yield(y) | CoroutineResult::Return(y) => y,
        }
    })
}

/// [`crate::yp::create_run_drop`] on the `generator` crate, which allocates a stack for
/// each generator. A criterion bench, not a row of the report.
pub fn generator_create_run_drop(n: u64) -> Duration {
    time_round_trips(n, |i| {
        let mut g = generator::Gn::<u64>::new_scoped(move |mut s| s.yield_(i).unwrap_or(0) + 1);
        let _ = g.send(i);
        g.raw_send(Some(i)).unwrap_or(0)
    })
}

fn tokio_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio current-thread runtime")
}

fn tokio_multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores())
        .build()
        .expect("a tokio multi-thread runtime")
}

async fn tokio_yield_pair(n: u64) -> Duration {
    let per_task = n / 2;
    let start = Instant::now();
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            tokio::spawn(async move {
                for _ in 0..per_task {
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    start.elapsed()
}

/// `green_yield_switch` on tokio's current-thread runtime (`yield_now().await`).
pub fn tokio_yield(n: u64) -> Duration {
    tokio_current_thread().block_on(tokio_yield_pair(n.max(2)))
}

/// tokio's cooperative budget in a CPU loop: `consume_budget` on every iteration of a task
/// that runs alone (it yields when the task's budget of 128 units is spent).
pub fn tokio_consume_budget(n: u64) -> Duration {
    tokio_current_thread().block_on(async move {
        let start = Instant::now();
        let mut acc = 0u64;
        for i in 0..n {
            acc = acc.wrapping_add(std::hint::black_box(i));
            tokio::task::consume_budget().await;
        }
        std::hint::black_box(acc);
        start.elapsed()
    })
}

async fn tokio_spawn_join_loop(n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        tokio::spawn(async {}).await.unwrap();
    }
    start.elapsed()
}

/// `spawn_join` on tokio's current-thread runtime.
pub fn tokio_spawn_join_current(n: u64) -> Duration {
    tokio_current_thread().block_on(tokio_spawn_join_loop(n))
}

/// `spawn_join` on tokio's multi-thread runtime, from inside a worker.
pub fn tokio_spawn_join_multi(n: u64) -> Duration {
    let rt = tokio_multi_thread();
    rt.block_on(async move { tokio::spawn(tokio_spawn_join_loop(n)).await.unwrap() })
}

async fn tokio_ping_pong(n: u64) -> Duration {
    let (to_echo, mut echo_inbox) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let (to_main, mut main_inbox) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let echo = tokio::spawn(async move {
        while let Some(v) = echo_inbox.recv().await {
            if to_main.send(v).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut acc = 0u64;
    for i in 0..n {
        to_echo.send(i).unwrap();
        acc ^= main_inbox.recv().await.unwrap();
    }
    let took = start.elapsed();
    black_box(acc);
    drop(to_echo);
    echo.await.unwrap();
    took
}

/// `channel_ping_pong` with tokio's mpsc on the current-thread runtime.
pub fn tokio_ping_pong_current(n: u64) -> Duration {
    tokio_current_thread().block_on(tokio_ping_pong(n))
}

/// `channel_ping_pong` with tokio's mpsc on the multi-thread runtime.
pub fn tokio_ping_pong_multi(n: u64) -> Duration {
    let rt = tokio_multi_thread();
    rt.block_on(async move { tokio::spawn(tokio_ping_pong(n)).await.unwrap() })
}

/// `work_queue_fan_out` on tokio's multi-thread runtime, spawned from inside a worker.
pub fn tokio_fan_out(n: u64) -> Duration {
    let rounds = n.div_ceil(FAN_OUT_TASKS);
    let rt = tokio_multi_thread();
    rt.block_on(async move {
        tokio::spawn(async move {
            let round = || async {
                let tasks: Vec<_> = (0..FAN_OUT_TASKS)
                    .map(|i| tokio::spawn(async move { cpu_work(i) }))
                    .collect();
                let mut sum = 0u64;
                for task in tasks {
                    sum = sum.wrapping_add(task.await.unwrap());
                }
                black_box(sum);
            };
            round().await; // untimed, as yieldpoint's first round
            let start = Instant::now();
            for _ in 0..rounds {
                round().await;
            }
            start
                .elapsed()
                .mul_f64(n as f64 / (rounds * FAN_OUT_TASKS) as f64)
        })
        .await
        .unwrap()
    })
}

/// `spawn_join` with OS threads.
pub fn std_spawn_join(n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        std::thread::spawn(|| ()).join().unwrap();
    }
    start.elapsed()
}

/// `channel_ping_pong` with `std::sync::mpsc` between two OS threads.
pub fn std_ping_pong(n: u64) -> Duration {
    let (to_echo, echo_inbox) = mpsc::channel::<u64>();
    let (to_main, main_inbox) = mpsc::channel::<u64>();
    let echo = std::thread::spawn(move || {
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
}

fn rayon_pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(cores())
            .build()
            .expect("a rayon thread pool")
    })
}

/// `work_queue_fan_out` as a rayon parallel iterator (rayon splits the range adaptively:
/// not one task per item).
pub fn rayon_fan_out(n: u64) -> Duration {
    let rounds = n.div_ceil(FAN_OUT_TASKS);
    let pool = rayon_pool();
    let start = Instant::now();
    for _ in 0..rounds {
        let sum = pool.install(|| {
            (0..FAN_OUT_TASKS)
                .into_par_iter()
                .map(cpu_work)
                .reduce(|| 0, u64::wrapping_add)
        });
        black_box(sum);
    }
    start
        .elapsed()
        .mul_f64(n as f64 / (rounds * FAN_OUT_TASKS) as f64)
}

/// `work_queue_fan_out` on one scoped OS thread per core, each taking an equal chunk.
pub fn threads_fan_out(n: u64) -> Duration {
    let rounds = n.div_ceil(FAN_OUT_TASKS);
    let workers = cores() as u64;
    let start = Instant::now();
    for _ in 0..rounds {
        let sum = std::thread::scope(|scope| {
            let chunks: Vec<_> = (0..workers)
                .map(|w| {
                    scope.spawn(move || {
                        (w * FAN_OUT_TASKS / workers..(w + 1) * FAN_OUT_TASKS / workers)
                            .map(cpu_work)
                            .fold(0u64, u64::wrapping_add)
                    })
                })
                .collect();
            chunks
                .into_iter()
                .map(|c| c.join().unwrap())
                .fold(0u64, u64::wrapping_add)
        });
        black_box(sum);
    }
    start
        .elapsed()
        .mul_f64(n as f64 / (rounds * FAN_OUT_TASKS) as f64)
}

/// `await_green_thread`'s peer: the runtime's caller (`block_on`, on this thread) awaits a
/// tokio task that yields once, on a multi-thread runtime of one worker.
pub fn tokio_await_task(n: u64) -> Duration {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("a tokio multi-thread runtime");
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..n {
            rt.spawn(tokio::task::yield_now()).await.unwrap();
        }
        start.elapsed()
    })
}

/// `green_awaits_future`'s peer: a tokio task awaits a oneshot that another task of the
/// current-thread runtime completes.
pub fn tokio_awaits_future(n: u64) -> Duration {
    tokio_current_thread().block_on(async move {
        let start = Instant::now();
        for i in 0..n {
            let (tx, rx) = tokio::sync::oneshot::channel();
            tokio::spawn(async move { tx.send(i).unwrap() });
            std::hint::black_box(rx.await.unwrap());
        }
        start.elapsed()
    })
}
