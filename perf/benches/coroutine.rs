//! Coroutine costs, side by side with peers, in one run. The workloads are the `perf`
//! library's, the ones `scripts/perf-report` times.
//!
//! - `send_round_trip`: one `send` in and one yield out of a suspended coroutine —
//!   yieldpoint's `Coroutine::send`, raw corosensei `resume`/`suspend` (the floor
//!   yieldpoint builds on), and the `generator` crate's `send`; the report's
//!   `coroutine_send_round_trip`. DESIGN.md's target: yieldpoint within 1.3× of raw
//!   corosensei.
//! - `create_run_drop_one_yield`: create a coroutine, run it to its one yield, then to its
//!   end, and drop it — yieldpoint (stack from the per-thread pool), corosensei with a
//!   fresh 64 KiB `DefaultStack` (an `mmap` + `mprotect` + `munmap` each time), and the
//!   `generator` crate (which also allocates a stack each time). Not a row of the report.
//!
//! Run with `cargo bench -p perf --bench coroutine`; for a quick look,
//! `cargo bench -p perf --bench coroutine -- --warm-up-time 1 --measurement-time 3`.

mod side_by_side;

use criterion::{criterion_group, criterion_main, Criterion};
use perf::{peers, yp};
use side_by_side::side_by_side;

/// One `send` round trip into a coroutine that adds one to what it is sent.
fn send_round_trip(c: &mut Criterion) {
    side_by_side(
        c.benchmark_group("send_round_trip"),
        &[
            ("yieldpoint", yp::send),
            ("corosensei", peers::corosensei_resume),
            ("generator", peers::generator_send),
        ],
    );
}

/// Create, run to the one yield, run to the end, drop.
fn create_run_drop_one_yield(c: &mut Criterion) {
    side_by_side(
        c.benchmark_group("create_run_drop_one_yield"),
        &[
            ("yieldpoint_pooled_stack", yp::create_run_drop),
            (
                "corosensei_fresh_64k_stack",
                peers::corosensei_create_run_drop,
            ),
            ("generator_fresh_stack", peers::generator_create_run_drop),
        ],
    );
}

criterion_group!(benches, send_round_trip, create_run_drop_one_yield);
criterion_main!(benches);
