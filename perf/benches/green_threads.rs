//! Green-thread costs on the round-robin scheduler, side by side with tokio's current-thread
//! runtime and OS threads, in one run. The workloads are the `perf` library's, the ones
//! `scripts/perf-report` times (the round-robin side of its rows `green_yield_switch`,
//! `spawn_join` and `channel_ping_pong`).
//!
//! - `yield_switch`: one switch from one green thread to another (two tasks alternating
//!   with `yield_now`), per switch. Beside it tokio's `yield_now` between two tasks, and raw
//!   corosensei (half a resume+suspend round trip: the floor a switch builds on).
//!   DESIGN.md's target: ≤ 25 ns.
//! - `spawn_join`: spawn an empty task and join it, from a running task. Beside it tokio's
//!   `spawn(..).await` and `std::thread::spawn(..).join()`. Target: ≤ 200 ns.
//! - `ping_pong`: a message to an echo task and its reply, over two unbounded channels
//!   between two green threads (the thread-safe `channel`, and the single-thread
//!   `local_channel`). Beside it tokio's `mpsc` between two tasks and `std::sync::mpsc`
//!   between two OS threads. Target: ≤ 60 ns.
//!
//! Each measurement runs all of its `iters` operations inside one scheduler run
//! (`iter_custom`) and times only those, so scheduler startup is not measured.
//!
//! Run with `cargo bench -p perf --bench green_threads`; for a quick look,
//! `cargo bench -p perf --bench green_threads -- --warm-up-time 1 --measurement-time 3`.

mod side_by_side;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use perf::{peers, yp};
use side_by_side::side_by_side;

/// One switch between two green threads that take turns with `yield_now`.
fn yield_switch(c: &mut Criterion) {
    side_by_side(
        c.benchmark_group("yield_switch"),
        &[
            ("yieldpoint_round_robin", yp::yield_round_robin),
            ("tokio_current_thread", peers::tokio_yield),
            // A round trip is two switches: into the coroutine and back.
            ("corosensei_half_round_trip", |n| {
                peers::corosensei_resume(n) / 2
            }),
        ],
    );
}

/// Spawn an empty task and wait for it, from inside a running task.
fn spawn_join(c: &mut Criterion) {
    side_by_side(
        c.benchmark_group("spawn_join"),
        &[
            ("yieldpoint_round_robin", yp::spawn_join_round_robin),
            ("tokio_current_thread", peers::tokio_spawn_join_current),
            ("std_thread", peers::std_spawn_join),
        ],
    );
}

/// One round trip: a number to the echo task and back.
fn ping_pong(c: &mut Criterion) {
    side_by_side(
        c.benchmark_group("ping_pong"),
        &[
            ("yieldpoint_round_robin", yp::ping_pong_round_robin),
            (
                "yieldpoint_round_robin_local_channel",
                yp::ping_pong_local_round_robin,
            ),
            ("tokio_current_thread", peers::tokio_ping_pong_current),
            ("std_thread_mpsc", peers::std_ping_pong),
        ],
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = yield_switch, spawn_join, ping_pong
}
criterion_main!(benches);
