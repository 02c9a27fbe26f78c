//! A CPU-bound task on a cooperative scheduler, beside a ticker that wants to run every
//! millisecond, from the article "Cooperative Multitasking: The Core of Python Asyncio"
//! (2025).
//!
//! Python 3.7 or later (the article's):
//!
//! ```python
//! async def compute_intensive_task():
//!     result = 0
//!     for i in range(1_000_000):
//!         result += i * i
//!         # Yield every 10,000 iterations to let other tasks run
//!         if i % 10000 == 0:
//!             await asyncio.sleep(0)  # Sleep for 0 seconds just to yield control
//!     return result
//!
//! async def run_in_thread(cpu_bound_function, *args):
//!     loop = asyncio.get_running_loop()
//!     return await loop.run_in_executor(None, cpu_bound_function, *args)
//! ```
//!
//! The program runs the same computation four ways, each beside the ticker, and prints how
//! often the ticker ticked while the computation ran:
//!
//! 1. with `yield_now()` every 10,000 iterations (the article's): the ticker keeps ticking;
//! 2. without yield points, on a scheduler that reports slow tasks: the ticker does not
//!    tick at all (it cannot: nothing else runs between two yield points), and the
//!    scheduler reports the task by name;
//! 3. offloaded with `spawn_blocking` (the article's `run_in_executor`): the ticker keeps
//!    ticking while a pool thread computes;
//! 4. with `maybe_yield()` in every iteration: it yields once per time slice.
//!
//! Run with `cargo run --example seed_001_cpu_yield` (about a second in a debug build).

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use yieldpoint::sched::RoundRobin;
use yieldpoint::task::Builder;

/// How many times each variant runs the article's million-iteration loop: enough work that
/// the 1 ms ticker is due many times over, in debug and in release builds.
const ROUNDS: usize = 5;

/// `sum(i * i for i in range(1_000_000))`.
const EXPECTED: u64 = 333_332_833_333_500_000;

// ANCHOR: compute_intensive_task
/// `async def compute_intensive_task()`: yields every 10,000 iterations to let other tasks run.
fn compute_intensive_task() -> u64 {
    let mut result = 0u64;
    for i in 0..1_000_000u64 {
        result += i * i;
        if i % 10_000 == 0 {
            yieldpoint::yield_now(); // `await asyncio.sleep(0)`
        }
    }
    result
}
// ANCHOR_END: compute_intensive_task

// ANCHOR: cpu_hog
/// The same loop without a yield point: once switched in, it runs to the end while every
/// other task on its thread waits.
fn cpu_hog() -> u64 {
    let mut result = 0u64;
    for i in 0..1_000_000u64 {
        // `black_box` keeps the optimizer from replacing the loop by a closed formula (or
        // vectorizing it away), so it is real work in release builds too.
        result = black_box(result + i * i);
    }
    result
}
// ANCHOR_END: cpu_hog

// ANCHOR: maybe_yield
/// The loop with `maybe_yield()` in every iteration: it yields only when the task has run
/// for a whole time slice, so nobody has to pick a number like 10,000.
fn compute_with_maybe_yield() -> u64 {
    let mut result = 0u64;
    for i in 0..1_000_000u64 {
        result += i * i;
        yieldpoint::maybe_yield();
    }
    result
}
// ANCHOR_END: maybe_yield

// ANCHOR: offload
/// `await loop.run_in_executor(None, cpu_hog)`: the loop runs on a pool thread, and only
/// the calling green thread waits for it.
fn offloaded() -> u64 {
    yieldpoint::spawn_blocking(cpu_hog)
}
// ANCHOR_END: offload

/// What one variant printed: the computation's result and the ticks that happened meanwhile.
struct Outcome {
    result: u64,
    ticks: u32,
}

// ANCHOR: ticker
/// Runs `work` (`ROUNDS` times) as a task named `name` beside a ticker that sleeps 1 ms per
/// tick, and counts the ticks that happened between the work's start and its end.
fn beside_ticker(rt: &RoundRobin, name: &str, work: fn() -> u64) -> Outcome {
    // One OS thread runs every task, so plain `Rc<Cell<_>>` is enough to share the count.
    let ticks = Rc::new(Cell::new(0u32));
    let ticker = {
        let ticks = ticks.clone();
        rt.spawn_with(Builder::new().name("ticker"), move || loop {
            yieldpoint::sleep(Duration::from_millis(1));
            ticks.set(ticks.get() + 1);
        })
        .expect("spawn the ticker")
    };
    let worker = rt
        .spawn_with(Builder::new().name(name), move || {
            let before = ticks.get();
            let mut result = 0;
            for _ in 0..ROUNDS {
                result = work();
            }
            let ticks = ticks.get() - before;
            ticker.cancel(); // the ticker unwinds at its next yield point
            Outcome { result, ticks }
        })
        .expect("spawn the worker");
    rt.run();
    worker.join().expect("the worker finishes")
}
// ANCHOR_END: ticker

fn main() {
    println!("compute_intensive_task beside a ticker that sleeps 1 ms per tick");

    let rt = RoundRobin::new();
    let yielding = beside_ticker(&rt, "yielding", compute_intensive_task);
    report("yield_now every 10,000 iterations", &yielding);

    // ANCHOR: slow_task_report
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let rt = RoundRobin::builder()
        .slow_task_threshold(Duration::from_millis(1))
        .on_slow_task(move |slow| sink.lock().unwrap().push(slow.clone()))
        .build();
    let hog = beside_ticker(&rt, "hog", cpu_hog);
    // ANCHOR_END: slow_task_report
    report("no yield points", &hog);
    let reports = reports.lock().unwrap();
    match reports.iter().find(|r| r.name.as_deref() == Some("hog")) {
        Some(slow) => println!("  slow-task report: {slow}"),
        None => println!("  no slow-task report for the hog"),
    }

    let rt = RoundRobin::new();
    let offload = beside_ticker(&rt, "offload", offloaded);
    report("spawn_blocking", &offload);

    // A 1 ms slice: the loop yields about once per millisecond, like the ticker's period.
    let rt = RoundRobin::builder()
        .time_slice(Duration::from_millis(1))
        .build();
    let sliced = beside_ticker(&rt, "maybe_yield", compute_with_maybe_yield);
    report("maybe_yield every iteration", &sliced);
}

fn report(label: &str, outcome: &Outcome) {
    assert_eq!(outcome.result, EXPECTED, "{label}: wrong sum");
    println!(
        "{label}: result {}, ticker ticked {} times meanwhile",
        outcome.result, outcome.ticks
    );
}
