//! The workbook's schedule timelines: three short runs recorded with
//! `record_timeline(true)`, drawn as the SVG pictures of `book/src/generated/`.
//! Compiled and run by `tests/book_timelines.rs`, which checks that each run shows what
//! its picture is meant to show and keeps the pictures up to date.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use yieldpoint::sched::timeline::{SvgOptions, Timeline};
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::task::Builder;

/// `def countdown(n): while n > 0: yield; n -= 1` (the seed's, without its prints).
fn countdown(mut n: u32) {
    while n > 0 {
        yieldpoint::yield_now();
        n -= 1;
    }
}

/// `def countup(stop): x = 0; while x < stop: yield; x += 1`.
fn countup(stop: u32) {
    let mut x = 0;
    while x < stop {
        yieldpoint::yield_now();
        x += 1;
    }
}

// ANCHOR: record_countdown
/// The seed's round robin of `countdown(3)` and `countup(3)`, recorded.
pub fn countdown_and_countup() -> Timeline {
    let rt = RoundRobin::builder().record_timeline(true).build();
    rt.spawn_with(Builder::new().name("countdown"), || countdown(3))
        .unwrap();
    rt.spawn_with(Builder::new().name("countup"), || countup(3))
        .unwrap();
    rt.run();
    rt.timeline()
}
// ANCHOR_END: record_countdown

/// Iterations of the CPU-bound loop: a few milliseconds in a debug build.
const ITERATIONS: u64 = 2_000_000;

// ANCHOR: hog_and_ticker
/// `sum(i * i for i in range(ITERATIONS))`, with a `yield_now()` every `yield_every`
/// iterations if given (the article's `if i % 10000 == 0: await asyncio.sleep(0)`).
fn compute(yield_every: Option<u64>) -> u64 {
    let mut result = 0u64;
    for i in 0..ITERATIONS {
        result = black_box(result.wrapping_add(i * i));
        if yield_every.is_some_and(|n| i % n == 0) {
            yieldpoint::yield_now();
        }
    }
    result
}

/// A ticker that wants to run every millisecond, beside a task that computes: the task
/// first sleeps 3 ms (the ticker ticks), computes, sleeps 3 ms again, then stops the
/// ticker.
pub fn hog_beside_ticker(name: &str, yield_every: Option<u64>) -> Timeline {
    let rt = RoundRobin::builder().record_timeline(true).build();
    let ticker = rt
        .spawn_with(Builder::new().name("ticker"), || loop {
            yieldpoint::sleep(Duration::from_millis(1));
        })
        .unwrap();
    rt.spawn_with(Builder::new().name(name), move || {
        yieldpoint::sleep(Duration::from_millis(3));
        compute(yield_every);
        yieldpoint::sleep(Duration::from_millis(3));
        ticker.cancel();
    })
    .unwrap();
    rt.run();
    rt.timeline()
}
// ANCHOR_END: hog_and_ticker

// ANCHOR: work_queue_jobs
/// Computes for `total`, yielding every 200 µs.
fn busy_for(total: Duration) {
    let start = Instant::now();
    while start.elapsed() < total {
        let slice = Instant::now();
        while slice.elapsed() < Duration::from_micros(200) {
            black_box(slice);
        }
        yieldpoint::yield_now();
    }
}

/// The main task spawns six jobs of 2 ms each and joins them, on a work queue of two
/// workers.
pub fn work_queue_jobs() -> Timeline {
    let rt = WorkQueue::builder()
        .workers(2)
        .record_timeline(true)
        .build();
    rt.block_on(|| {
        let jobs: Vec<_> = (1..=6)
            .map(|n| {
                Builder::new()
                    .name(format!("job {n}"))
                    .spawn(|| busy_for(Duration::from_millis(2)))
                    .unwrap()
            })
            .collect();
        for job in jobs {
            job.join().unwrap();
        }
    });
    rt.timeline()
}
// ANCHOR_END: work_queue_jobs

// ANCHOR: save_svg
/// Writes `timeline` to `path` as an SVG picture (open it in a browser), with a 560 px
/// time axis: the whole chart fits the book's column.
pub fn save_svg(timeline: &Timeline, title: &str, path: &Path) -> std::io::Result<()> {
    let options = SvgOptions::new().width(560).title(title);
    std::fs::write(path, timeline.to_svg(&options))
}
// ANCHOR_END: save_svg

// ANCHOR: save_trace
/// Writes `timeline` to `path` as Chrome trace-event JSON, for Perfetto (needs the
/// `chrome-trace` feature: `yieldpoint = { ..., features = ["chrome-trace"] }`).
#[cfg(feature = "chrome-trace")]
pub fn save_trace(timeline: &Timeline, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, timeline.to_chrome_trace())
}
// ANCHOR_END: save_trace
