//! Green-thread costs on the round-robin scheduler, side by side with tokio's current-thread
//! runtime and OS threads, in one run.
//!
//! - `yield_switch`: one switch from one green thread to another (two tasks alternating
//!   with `yield_now`), per switch. Beside it tokio's `yield_now` between two tasks, and raw
//!   corosensei (half a resume+suspend round trip: the floor a switch builds on).
//!   DESIGN.md's target: ≤ 25 ns.
//! - `spawn_join`: spawn an empty task and join it, from a running task. Beside it tokio's
//!   `spawn(..).await` and `std::thread::spawn(..).join()`. Target: ≤ 200 ns.
//! - `ping_pong`: a round trip over two bounded channels between two green threads. Beside
//!   it tokio's `mpsc` between two tasks and `std::sync::mpsc` between two OS threads.
//!   Target: ≤ 60 ns.
//!
//! Each measurement runs all of its `iters` operations inside one scheduler run
//! (`iter_custom`) and times only those, so scheduler startup is not measured.
//!
//! Run with `cargo bench --bench green_threads`; for a quick look,
//! `cargo bench --bench green_threads -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use corosensei::stack::DefaultStack;
use criterion::{criterion_group, criterion_main, Criterion};
use yieldpoint::sched::RoundRobin;
use yieldpoint::stack::DEFAULT_STACK_SIZE;
use yieldpoint::sync::channel;

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio current-thread runtime")
}

/// One switch between two green threads that take turns with `yield_now`.
fn yield_switch(c: &mut Criterion) {
    let mut group = c.benchmark_group("yield_switch");

    group.bench_function("yieldpoint_round_robin", |b| {
        b.iter_custom(|iters| {
            let rt = RoundRobin::new();
            for _ in 0..2 {
                rt.spawn(move || {
                    for _ in 0..iters {
                        yieldpoint::yield_now();
                    }
                });
            }
            let start = Instant::now();
            rt.run();
            // 2 * iters switches in all.
            start.elapsed() / 2
        });
    });

    group.bench_function("tokio_current_thread", |b| {
        let rt = tokio_rt();
        b.iter_custom(|iters| {
            rt.block_on(async move {
                let start = Instant::now();
                let tasks: Vec<_> = (0..2)
                    .map(|_| {
                        tokio::spawn(async move {
                            for _ in 0..iters {
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                start.elapsed() / 2
            })
        });
    });

    group.bench_function("corosensei_half_round_trip", |b| {
        let mut co = corosensei::Coroutine::with_stack(
            DefaultStack::new(DEFAULT_STACK_SIZE).unwrap(),
            |y: &corosensei::Yielder<u64, u64>, mut x: u64| loop {
                x = y.suspend(x.wrapping_add(1));
            },
        );
        let _ = co.resume(0);
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(co.resume(black_box(1)));
            }
            // A round trip is two switches: into the coroutine and back.
            start.elapsed() / 2
        });
    });

    group.finish();
}

/// Spawn an empty task and wait for it, from inside a running task.
fn spawn_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_join");

    group.bench_function("yieldpoint_round_robin", |b| {
        let rt = RoundRobin::new();
        b.iter_custom(|iters| {
            rt.block_on(move || {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(yieldpoint::spawn(|| black_box(1u64)).join().unwrap());
                }
                start.elapsed()
            })
        });
    });

    group.bench_function("tokio_current_thread", |b| {
        let rt = tokio_rt();
        b.iter_custom(|iters| {
            rt.block_on(async move {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(tokio::spawn(async { black_box(1u64) }).await.unwrap());
                }
                start.elapsed()
            })
        });
    });

    group.bench_function("std_thread", |b| {
        b.iter(|| std::thread::spawn(|| black_box(1u64)).join().unwrap());
    });

    group.finish();
}

/// One round trip: send a number to the other side, receive it back plus one.
fn ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("ping_pong");

    group.bench_function("yieldpoint_round_robin", |b| {
        let rt = RoundRobin::new();
        b.iter_custom(|iters| {
            rt.block_on(move || {
                let (ping_tx, ping_rx) = channel::bounded::<u64>(1);
                let (pong_tx, pong_rx) = channel::bounded::<u64>(1);
                let ponger = yieldpoint::spawn(move || {
                    for n in ping_rx {
                        pong_tx.send(n + 1).unwrap();
                    }
                });
                let start = Instant::now();
                let mut n = 0;
                for _ in 0..iters {
                    ping_tx.send(n).unwrap();
                    n = pong_rx.recv().unwrap();
                }
                let elapsed = start.elapsed();
                drop(ping_tx);
                ponger.join().unwrap();
                assert_eq!(n, iters);
                elapsed
            })
        });
    });

    group.bench_function("tokio_current_thread", |b| {
        let rt = tokio_rt();
        b.iter_custom(|iters| {
            rt.block_on(async move {
                let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<u64>(1);
                let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<u64>(1);
                let ponger = tokio::spawn(async move {
                    while let Some(n) = ping_rx.recv().await {
                        pong_tx.send(n + 1).await.unwrap();
                    }
                });
                let start = Instant::now();
                let mut n = 0;
                for _ in 0..iters {
                    ping_tx.send(n).await.unwrap();
                    n = pong_rx.recv().await.unwrap();
                }
                let elapsed = start.elapsed();
                drop(ping_tx);
                ponger.await.unwrap();
                assert_eq!(n, iters);
                elapsed
            })
        });
    });

    group.bench_function("std_thread_mpsc", |b| {
        b.iter_custom(|iters| {
            let (ping_tx, ping_rx) = std::sync::mpsc::channel::<u64>();
            let (pong_tx, pong_rx) = std::sync::mpsc::channel::<u64>();
            let ponger = std::thread::spawn(move || {
                for n in ping_rx {
                    pong_tx.send(n + 1).unwrap();
                }
            });
            let start = Instant::now();
            let mut n = 0;
            for _ in 0..iters {
                ping_tx.send(n).unwrap();
                n = pong_rx.recv().unwrap();
            }
            let elapsed = start.elapsed();
            drop(ping_tx);
            ponger.join().unwrap();
            elapsed
        });
    });

    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = yield_switch, spawn_join, ping_pong
}
criterion_main!(benches);
