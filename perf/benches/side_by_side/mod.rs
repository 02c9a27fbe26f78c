//! One criterion group per operation, its implementations side by side: each is a
//! [`Workload`] of the `perf` library, timed with `iter_custom` (a workload does `iters`
//! operations and returns how long they took, as `iter_custom` asks).

use criterion::measurement::WallTime;
use criterion::BenchmarkGroup;
use perf::timing::Workload;

/// Benches each `(id, workload)` in `group`, in order, then finishes the group.
pub fn side_by_side(mut group: BenchmarkGroup<'_, WallTime>, entries: &[(&str, Workload)]) {
    for &(id, workload) in entries {
        group.bench_function(id, |b| b.iter_custom(workload));
    }
    group.finish();
}
