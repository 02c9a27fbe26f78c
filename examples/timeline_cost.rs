//! What recording a schedule timeline costs per switch: two green threads that yield to
//! each other on a `RoundRobin`, timed with the timeline off and on, runs interleaved,
//! median of each.
//!
//! Run with `cargo run --release --example timeline_cost [SWITCHES] [RUNS]` (default one
//! million switches, 7 runs of each). It prints one line per setting:
//!
//! ```text
//! 1000000 switches between two yielding tasks, median of 7 runs:
//!   record_timeline(false): 52.1 ns per switch
//!   record_timeline(true):  98.7 ns per switch (intervals recorded: 1000002)
//! ```
//!
//! (The numbers are an example; the machine decides them.)

use std::time::{Duration, Instant};

use yieldpoint::sched::RoundRobin;

/// Runs `switches` switches between two yielding tasks; their duration and the number of
/// intervals recorded.
fn ping_pong(record: bool, switches: u64) -> (Duration, usize) {
    let rt = RoundRobin::builder().record_timeline(record).build();
    for _ in 0..2 {
        rt.spawn(move || {
            for _ in 0..switches / 2 {
                yieldpoint::yield_now();
            }
        });
    }
    let started = Instant::now();
    rt.run();
    let took = started.elapsed();
    (took, rt.timeline().intervals().len())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let switches: u64 = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("SWITCHES"));
    let runs: usize = args.next().map_or(7, |a| a.parse().expect("RUNS"));
    let (mut off, mut on) = (Vec::new(), Vec::new());
    let mut recorded = 0;
    for _ in 0..runs {
        off.push(ping_pong(false, switches).0);
        let (took, intervals) = ping_pong(true, switches);
        on.push(took);
        recorded = intervals;
    }
    let per_switch = |d: Duration| d.as_nanos() as f64 / switches as f64;
    println!("{switches} switches between two yielding tasks, median of {runs} runs:");
    println!(
        "  record_timeline(false): {:.1} ns per switch",
        per_switch(median(off))
    );
    println!(
        "  record_timeline(true):  {:.1} ns per switch (intervals recorded: {recorded})",
        per_switch(median(on))
    );
}
