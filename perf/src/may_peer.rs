//! may's side of the timed rows. may's worker count is a process-wide setting fixed at
//! its first use, so each may measurement runs in a child process
//! (`perf-report child may WORKLOAD WORKERS TARGET_MS`) configured before anything starts.

use std::hint::black_box;
use std::time::{Duration, Instant};

use may::coroutine::JoinHandle;
use may::sync::mpsc;

use crate::timing::time_round_trips;
use crate::{cpu_work, FAN_OUT_TASKS};

/// Configures may's scheduler: `workers` OS threads, not pinned to cores (the machine is
/// shared; yieldpoint and tokio do not pin either).
pub fn configure(workers: usize) {
    may::config().set_workers(workers).set_worker_pin(false);
}

/// Spawns a may coroutine.
fn go<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    // SAFETY: may's `spawn` is unsafe because a coroutine may move between worker
    // threads at a yield; every body here holds no thread-local reference and no
    // non-`Send` value across its yields (they own only integers, channels and join
    // handles, all `Send`).
    unsafe { may::coroutine::spawn(f) }
}

/// Runs `f` inside a may coroutine (so blocking calls park the coroutine, not a thread).
fn inside<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    go(f).join().expect("the may coroutine finished")
}

/// `green_yield_switch`: two coroutines calling `yield_now`.
pub fn yield_pair(n: u64) -> Duration {
    let per_task = n.max(2) / 2;
    inside(move || {
        let start = Instant::now();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                go(move || {
                    for _ in 0..per_task {
                        may::coroutine::yield_now();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.join().unwrap();
        }
        start.elapsed()
    })
}

/// `spawn_join`: spawn an empty coroutine and join it.
pub fn spawn_join(n: u64) -> Duration {
    inside(move || {
        let start = Instant::now();
        for _ in 0..n {
            go(|| ()).join().unwrap();
        }
        start.elapsed()
    })
}

/// `channel_ping_pong` with may's mpsc between two coroutines.
pub fn ping_pong(n: u64) -> Duration {
    inside(move || {
        let (to_echo, echo_inbox) = mpsc::channel::<u64>();
        let (to_main, main_inbox) = mpsc::channel::<u64>();
        let echo = go(move || {
            while let Ok(v) = echo_inbox.recv() {
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

/// `work_queue_fan_out`: rounds of [`FAN_OUT_TASKS`] coroutines, spawned then joined.
pub fn fan_out(n: u64) -> Duration {
    let rounds = n.div_ceil(FAN_OUT_TASKS);
    inside(move || {
        let round = || {
            let tasks: Vec<_> = (0..FAN_OUT_TASKS)
                .map(|i| go(move || cpu_work(i)))
                .collect();
            let sum = tasks
                .into_iter()
                .map(|t| t.join().unwrap())
                .fold(0u64, u64::wrapping_add);
            black_box(sum);
        };
        round(); // untimed, as yieldpoint's first round
        let start = Instant::now();
        for _ in 0..rounds {
            round();
        }
        start
            .elapsed()
            .mul_f64(n as f64 / (rounds * FAN_OUT_TASKS) as f64)
    })
}
