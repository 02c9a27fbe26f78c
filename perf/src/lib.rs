//! The workloads of yieldpoint's performance comparison, defined once: `scripts/perf-report`
//! (the `perf-report` binary, `src/main.rs`) times them into the README's table, and the
//! criterion benches in `perf/benches/` (`cargo bench -p perf`) time the same functions.
//!
//! Each timed workload is a [`timing::Workload`]: it does `n` operations and returns how
//! long they took, with setup such as building a runtime left out. That is the shape of
//! criterion's `Bencher::iter_custom`, so a bench passes the function itself.
//!
//! - [`yp`]: yieldpoint's side of every timed row.
//! - [`peers`]: the in-process peers (raw corosensei, `generator`, tokio, `std::thread`,
//!   rayon).
//! - [`may_peer`]: may's side (its worker count is process-wide: configure it first).
//! - [`servers`]: what the servers of `perf/src/bin/` (the peers in the `tcp_echo` and
//!   `http_hello` rows) share.
//! - [`memory`]: the memory rows, each run in a child process of its own.
//! - [`timing`]: calibration and medians.
//!
//! The Python workloads are `perf/python/workloads.py`.

pub mod may_peer;
pub mod memory;
pub mod peers;
pub mod servers;
pub mod timing;
pub mod yp;

use std::hint::black_box;

/// Tasks in one round of `work_queue_fan_out`.
pub const FAN_OUT_TASKS: u64 = 10_000;
/// Tasks parked at once in `idle_rss_per_task`.
pub const IDLE_TASKS: usize = 10_000;
/// `max_live_tasks` stops here if spawn has not failed yet.
pub const MAX_LIVE_CAP: usize = 100_000;

/// Worker threads for the multi-threaded runtimes: the machine's cores.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One small CPU task of `work_queue_fan_out` (a few hundred nanoseconds of xorshift).
pub fn cpu_work(seed: u64) -> u64 {
    let mut x = black_box(seed) | 1;
    for _ in 0..256 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}
