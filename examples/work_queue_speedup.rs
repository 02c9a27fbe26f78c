//! Many CPU-bound green threads on a `WorkQueue` with one worker, then with every core.
//!
//! Each task sums squares in a loop that calls `maybe_yield()`, so tasks on one worker
//! share it fairly. Unstarted tasks are stolen by idle workers, so the second run spreads
//! over the cores. The last line is `speedup: X.XX` (expect about the core count).
//!
//! Run with `cargo run --release --example work_queue_speedup`.

use std::time::{Duration, Instant};

use yieldpoint::sched::WorkQueue;

/// Tasks in each run.
const TASKS: u64 = 64;
/// Loop iterations per task.
const ITERATIONS: u64 = if cfg!(debug_assertions) {
    200_000
} else {
    4_000_000
};

// ANCHOR: cpu_task
/// The `compute_intensive_task` of "Cooperative Multitasking: The Core of Python Asyncio",
/// yielding when its time slice is spent.
fn compute_intensive_task(seed: u64) -> u64 {
    let mut result: u64 = 0;
    for i in 0..ITERATIONS {
        result = result.wrapping_add((i ^ seed).wrapping_mul(i ^ seed));
        yieldpoint::maybe_yield();
    }
    result
}
// ANCHOR_END: cpu_task

// ANCHOR: fan_out
/// Spawns `TASKS` tasks on `workers` workers, joins them, and returns the elapsed time
/// and a checksum of the results.
fn run(workers: usize) -> (Duration, u64) {
    let rt = WorkQueue::builder().workers(workers).build();
    let started = Instant::now();
    let checksum = rt.block_on(|| {
        let tasks: Vec<_> = (0..TASKS)
            .map(|seed| yieldpoint::spawn(move || compute_intensive_task(seed)))
            .collect();
        tasks
            .into_iter()
            .map(|t| t.join().unwrap())
            .fold(0u64, u64::wrapping_add)
    });
    (started.elapsed(), checksum)
}
// ANCHOR_END: fan_out

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (one, checksum_one) = run(1);
    println!("1 worker:  {:>8.1?} (checksum {checksum_one:#x})", one);
    let (all, checksum_all) = run(cores);
    println!(
        "{cores} workers: {:>8.1?} (checksum {checksum_all:#x})",
        all
    );
    assert_eq!(
        checksum_one, checksum_all,
        "both runs compute the same sums"
    );
    println!("speedup: {:.2}", one.as_secs_f64() / all.as_secs_f64());
}
