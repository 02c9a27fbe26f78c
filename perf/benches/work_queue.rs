//! The work-queue scheduler beside tokio's multi-thread runtime and may, each with one
//! worker thread per core ([`perf::cores`]): spawn + join, a channel ping-pong between two
//! workers, and a fan-out/fan-in of 10,000 small CPU tasks.
//!
//! The workloads are the `perf` library's: `scripts/perf-report` measures the same ones
//! (and more peers) interleaved, in its rows `spawn_join`, `channel_ping_pong` and
//! `work_queue_fan_out`, and writes the README's table. Run with
//! `cargo bench -p perf --bench work_queue`.

mod side_by_side;

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use perf::{cores, may_peer, peers, yp, FAN_OUT_TASKS};
use side_by_side::side_by_side;

/// A short measurement of `samples` samples: these workloads take microseconds or more.
fn short(mut group: BenchmarkGroup<'_, WallTime>, samples: usize) -> BenchmarkGroup<'_, WallTime> {
    group
        .sample_size(samples)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group
}

/// Spawn an empty task from inside the runtime and wait for it.
fn spawn_join(c: &mut Criterion) {
    side_by_side(
        short(c.benchmark_group("work_queue/spawn_join"), 20),
        &[
            ("yieldpoint", yp::spawn_join_work_queue),
            ("tokio", peers::tokio_spawn_join_multi),
            ("may", may_peer::spawn_join),
        ],
    );
}

/// A message to an echo task and back. yieldpoint pins the two tasks to different
/// workers; tokio and may place them as they see fit (often on one worker).
fn ping_pong(c: &mut Criterion) {
    side_by_side(
        short(c.benchmark_group("work_queue/channel_ping_pong"), 20),
        &[
            ("yieldpoint_cross_worker", yp::ping_pong_work_queue_cross),
            ("tokio", peers::tokio_ping_pong_multi),
            ("may", may_peer::ping_pong),
        ],
    );
}

/// [`FAN_OUT_TASKS`] small CPU tasks spawned at once, then joined. One iteration is one
/// fan-out; the workloads count tasks.
fn fan_out(c: &mut Criterion) {
    side_by_side(
        short(c.benchmark_group("work_queue/fan_out_10k"), 10),
        &[
            ("yieldpoint", |n| yp::fan_out(n * FAN_OUT_TASKS)),
            ("tokio", |n| peers::tokio_fan_out(n * FAN_OUT_TASKS)),
            ("may", |n| may_peer::fan_out(n * FAN_OUT_TASKS)),
        ],
    );
}

fn benches(c: &mut Criterion) {
    // may's worker count is process-wide and fixed at its first use.
    may_peer::configure(cores());
    spawn_join(c);
    ping_pong(c);
    fan_out(c);
}

criterion_group!(work_queue_benches, benches);
criterion_main!(work_queue_benches);
