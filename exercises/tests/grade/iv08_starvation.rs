//! Grader for exercise IV.8 (`src/part4/starvation.rs`): a heartbeat task beside the CPU
//! loop on a round-robin scheduler. Gaps are counted in loop iterations between two
//! heartbeats, and the offloaded work waits for heartbeats (counted, with a generous
//! bound in time so that a wrong solution fails instead of hanging).

mod support;

support::exercise!(
    starvation,
    "../../src/part4/starvation.rs",
    "../../solutions/part4/starvation.rs"
);

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::gen::Rng;
use crate::support::grading;
use starvation::{compute_intensive_task, run_in_executor, YIELD_EVERY};
use yieldpoint::sched::RoundRobin;

/// Sets its flag when dropped: the heartbeat stops when the work ends, even by a panic.
struct SetOnDrop<F: Fn()>(F);

impl<F: Fn()> Drop for SetOnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// What a heartbeat saw while `compute_intensive_task(n, ..)` ran beside it.
struct Beats {
    /// Heartbeats while the loop ran.
    beats: u64,
    /// The most loop iterations between two heartbeats.
    longest_gap: u64,
    /// The `i` of each `step(i)` call, in order.
    steps_in_order: bool,
    steps: u64,
}

/// Runs the loop with `n` iterations beside a heartbeat task that yields after each beat.
fn beside_heartbeat(n: u64) -> Beats {
    let gap = Rc::new(Cell::new(0u64));
    let longest = Rc::new(Cell::new(0u64));
    let beats = Rc::new(Cell::new(0u64));
    let done = Rc::new(Cell::new(false));
    let rt = RoundRobin::new();
    let worker = {
        let (gap, longest, done) = (gap.clone(), longest.clone(), done.clone());
        rt.spawn(move || {
            let _stop_the_heartbeat = SetOnDrop(|| done.set(true));
            let mut next = 0;
            let mut in_order = true;
            compute_intensive_task(n, |i| {
                in_order &= i == next;
                next += 1;
                gap.set(gap.get() + 1);
                longest.set(longest.get().max(gap.get()));
            });
            (in_order, next)
        })
    };
    {
        let (gap, beats) = (gap.clone(), beats.clone());
        rt.spawn(move || {
            while !done.get() {
                beats.set(beats.get() + 1);
                gap.set(0);
                yieldpoint::yield_now();
            }
        });
    }
    rt.run();
    let (steps_in_order, steps) = worker
        .join()
        .unwrap_or_else(|e| panic!("compute_intensive_task({n}, ..) did not finish: {e}"));
    Beats {
        beats: beats.get(),
        longest_gap: longest.get(),
        steps_in_order,
        steps,
    }
}

fn check_loop(n: u64) {
    let seen = beside_heartbeat(n);
    assert!(
        seen.steps_in_order && seen.steps == n,
        "compute_intensive_task({n}, step) must call step(0), step(1), ..., step({}) once \
         each, in order; it made {} calls",
        n.saturating_sub(1),
        seen.steps
    );
    assert!(
        seen.longest_gap <= YIELD_EVERY,
        "the heartbeat waited {} iterations of the loop for its turn (n = {n}); it must \
         never wait more than {YIELD_EVERY}",
        seen.longest_gap
    );
    // One beat before the loop starts, one per yield point of the loop, and one at most
    // after it.
    let most = n / YIELD_EVERY + 2;
    assert!(
        seen.beats <= most,
        "the heartbeat got {} turns while the loop of {n} iterations ran: the loop yields \
         more often than once every {YIELD_EVERY} iterations (at most {most} turns), and \
         every switch costs",
        seen.beats
    );
}

// ANCHOR: example_test
#[test]
fn the_heartbeat_never_waits_more_than_yield_every_iterations() {
    grading("starvation");
    for n in [
        0,
        1,
        YIELD_EVERY - 1,
        YIELD_EVERY,
        YIELD_EVERY + 1,
        4 * YIELD_EVERY + 17,
    ] {
        check_loop(n);
    }
}
// ANCHOR_END: example_test

#[test]
fn generated_loop_lengths() {
    grading("starvation");
    let mut rng = Rng::new();
    for _ in 0..5 {
        check_loop(rng.range(0..12 * YIELD_EVERY));
    }
}

#[test]
fn run_in_executor_returns_the_value() {
    grading("starvation");
    let mut rng = Rng::new();
    let x = rng.range(0..1_000_000);
    let got = RoundRobin::new().block_on(move || run_in_executor(move || x * 3));
    assert_eq!(got, x * 3, "run_in_executor(|| {x} * 3)");
}

#[test]
fn the_heartbeat_beats_while_the_executor_works() {
    grading("starvation");
    // The offloaded work blocks its OS thread until the heartbeat has beaten 5 times: on a
    // pool thread that happens at once; on the scheduler's thread, never (given up after
    // 10 s, and then the work reports what it saw).
    const WANTED: usize = 5;
    let beats = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let rt = RoundRobin::new();
    {
        let (beats, done) = (beats.clone(), done.clone());
        rt.spawn(move || {
            while !done.load(Ordering::SeqCst) {
                beats.fetch_add(1, Ordering::SeqCst);
                yieldpoint::sleep(Duration::from_millis(1));
            }
        });
    }
    let worker = {
        let (beats, done) = (beats.clone(), done.clone());
        rt.spawn(move || {
            let _stop_the_heartbeat = SetOnDrop(|| done.store(true, Ordering::SeqCst));
            run_in_executor(move || {
                let start = beats.load(Ordering::SeqCst);
                let give_up = Instant::now() + Duration::from_secs(10);
                while beats.load(Ordering::SeqCst) < start + WANTED && Instant::now() < give_up {
                    std::thread::sleep(Duration::from_millis(1)); // blocks its OS thread
                }
                beats.load(Ordering::SeqCst) - start
            })
        })
    };
    rt.run();
    let seen = worker.join().expect("the worker finishes");
    assert!(
        seen >= WANTED,
        "while the work passed to run_in_executor blocked its OS thread, the heartbeat beat \
         {seen} times: the work must run on another OS thread, so that the scheduler runs \
         the other tasks meanwhile"
    );
}
