//! Coroutine costs, side by side with peers, in one run.
//!
//! - `send_round_trip`: one `send` in and one yield out of a suspended coroutine —
//!   yieldpoint's `Coroutine::send`, raw corosensei `resume`/`suspend` (the floor
//!   yieldpoint builds on), and the `generator` crate's `send`. DESIGN.md's target:
//!   yieldpoint within 1.3× of raw corosensei.
//! - `create_run_drop_one_yield`: create a coroutine, run it to its one yield, then to its
//!   end, and drop it — yieldpoint (stack from the per-thread pool), corosensei with a
//!   fresh 64 KiB `DefaultStack` (an `mmap` + `mprotect` + `munmap` each time), and the
//!   `generator` crate (which also allocates a stack each time).
//!
//! Run with `cargo bench --bench coroutine`; for a quick look,
//! `cargo bench --bench coroutine -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use corosensei::stack::DefaultStack;
use criterion::{criterion_group, criterion_main, Criterion};
use generator::Gn;
use yieldpoint::stack::DEFAULT_STACK_SIZE;
use yieldpoint::{Coroutine, Yielder};

/// One `send` round trip into a coroutine that adds one to what it is sent.
fn send_round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("send_round_trip");

    group.bench_function("yieldpoint", |b| {
        let mut co = Coroutine::new(|co: &Yielder<u64, u64>, mut x: u64| loop {
            x = co.yield_(x.wrapping_add(1));
        });
        let _ = co.send(0);
        b.iter(|| co.send(black_box(1)));
    });

    group.bench_function("corosensei", |b| {
        let mut co = corosensei::Coroutine::with_stack(
            DefaultStack::new(DEFAULT_STACK_SIZE).unwrap(),
            |y: &corosensei::Yielder<u64, u64>, mut x: u64| loop {
                x = y.suspend(x.wrapping_add(1));
            },
        );
        let _ = co.resume(0);
        b.iter(|| co.resume(black_box(1)));
    });

    group.bench_function("generator", |b| {
        let mut g = Gn::<u64>::new_scoped(|mut s| {
            let mut x: u64 = 0;
            loop {
                x = s.yield_(x.wrapping_add(1)).unwrap_or(0);
            }
        });
        let _ = g.send(0);
        b.iter(|| g.send(black_box(1)));
    });

    group.finish();
}

/// Create, run to the one yield, run to the end, drop.
fn create_run_drop_one_yield(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_run_drop_one_yield");

    group.bench_function("yieldpoint_pooled_stack", |b| {
        b.iter(|| {
            let mut co = Coroutine::new(|co: &Yielder<u64, u64>, x: u64| co.yield_(x) + 1);
            let _ = co.send(black_box(1));
            co.send(black_box(2))
        });
    });

    group.bench_function("corosensei_fresh_64k_stack", |b| {
        b.iter(|| {
            let stack = DefaultStack::new(DEFAULT_STACK_SIZE).unwrap();
            let mut co = corosensei::Coroutine::with_stack(
                stack,
                |y: &corosensei::Yielder<u64, u64>, x: u64| y.suspend(x) + 1,
            );
            let _ = co.resume(black_box(1));
            co.resume(black_box(2))
        });
    });

    group.bench_function("generator_fresh_stack", |b| {
        b.iter(|| {
            let mut g = Gn::<u64>::new_scoped(|mut s| s.yield_(1).unwrap_or(0) + 1);
            let _ = g.send(black_box(1));
            g.raw_send(Some(black_box(2)))
        });
    });

    group.finish();
}

criterion_group!(benches, send_round_trip, create_run_drop_one_yield);
criterion_main!(benches);
