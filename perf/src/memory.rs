//! The memory rows, each run in a child process of its own so one measurement's
//! leftovers (pooled stacks, allocator arenas, threads) cannot show up in another's:
//! `idle_rss_per_task` (`perf-report child rss IMPL`) and `max_live_tasks`
//! (`perf-report child max-live`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use yieldpoint::sched::RoundRobin;
use yieldpoint::task::Builder;

use crate::{IDLE_TASKS, MAX_LIVE_CAP};

/// How long idle tasks sleep: far longer than any measurement.
const IDLE_SLEEP: Duration = Duration::from_secs(3600);

/// The process's resident set size in bytes (`VmRSS` of `/proc/self/status`).
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// `vm.max_map_count`, the per-process limit on memory mappings.
pub fn max_map_count() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Lines of `/proc/self/maps`, read through a buffer on the stack: at the mapping limit a
/// heap buffer large enough for the whole file could not be mapped.
fn mappings() -> usize {
    use std::io::Read;
    let Ok(mut maps) = std::fs::File::open("/proc/self/maps") else {
        return 0;
    };
    let mut buffer = [0u8; 16 * 1024];
    let mut lines = 0;
    while let Ok(n) = maps.read(&mut buffer) {
        if n == 0 {
            break;
        }
        lines += buffer[..n].iter().filter(|&&b| b == b'\n').count();
    }
    lines
}

fn per_task(before: u64, after: u64, tasks: usize) -> f64 {
    after.saturating_sub(before) as f64 / tasks.max(1) as f64
}

/// Bytes of RSS per parked task for `implementation`; the caller prints it and exits.
pub fn idle_rss(implementation: &str) -> f64 {
    match implementation {
        "yieldpoint" => rss_yieldpoint(),
        "may" => rss_may(),
        "tokio" => rss_tokio(),
        "threads" => rss_threads(),
        other => panic!("no idle-RSS workload {other:?}"),
    }
}

/// [`IDLE_TASKS`] green threads on the round-robin scheduler (default 64 KiB stacks), each
/// switched in once and parked in `sleep`.
fn rss_yieldpoint() -> f64 {
    RoundRobin::new().block_on(|| {
        // Warm-up through the same path: the scheduler's queues, timers and stack pool.
        yieldpoint::spawn(|| yieldpoint::sleep(Duration::from_millis(1)))
            .join()
            .unwrap();
        let mut handles = Vec::with_capacity(IDLE_TASKS);
        let before = rss_bytes();
        for _ in 0..IDLE_TASKS {
            handles.push(yieldpoint::spawn(|| yieldpoint::sleep(IDLE_SLEEP)));
        }
        // Behind every new task on the run queue: each runs once, to its sleep.
        yieldpoint::yield_now();
        let after = rss_bytes();
        std::mem::forget(handles);
        per_task(before, after, IDLE_TASKS)
    })
}

/// [`IDLE_TASKS`] may coroutines (default stack) on one worker, each parked in `sleep`.
fn rss_may() -> f64 {
    crate::may_peer::configure(1);
    // SAFETY: as in `may_peer::go`: the body holds nothing thread-bound across its yields.
    unsafe { may::coroutine::spawn(|| ()) }.join().unwrap();
    let started = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(IDLE_TASKS);
    let before = rss_bytes();
    for _ in 0..IDLE_TASKS {
        let started = started.clone();
        // SAFETY: as above; the body holds only an `Arc` of an atomic.
        handles.push(unsafe {
            may::coroutine::spawn(move || {
                started.fetch_add(1, Ordering::Release);
                may::coroutine::sleep(IDLE_SLEEP);
            })
        });
    }
    wait_for(&started);
    let after = rss_bytes();
    std::mem::forget(handles);
    per_task(before, after, IDLE_TASKS)
}

/// [`IDLE_TASKS`] tokio tasks on the current-thread runtime, each polled once and pending
/// in `tokio::time::sleep`.
fn rss_tokio() -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        tokio::spawn(tokio::time::sleep(Duration::from_millis(1)))
            .await
            .unwrap();
        let started = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::with_capacity(IDLE_TASKS);
        let before = rss_bytes();
        for _ in 0..IDLE_TASKS {
            let started = started.clone();
            handles.push(tokio::spawn(async move {
                started.fetch_add(1, Ordering::Release);
                tokio::time::sleep(IDLE_SLEEP).await;
            }));
        }
        while started.load(Ordering::Acquire) < IDLE_TASKS {
            tokio::task::yield_now().await;
        }
        let after = rss_bytes();
        std::mem::forget(handles);
        per_task(before, after, IDLE_TASKS)
    })
}

/// [`IDLE_TASKS`] OS threads (std's default 2 MiB stacks), each parked.
fn rss_threads() -> f64 {
    std::thread::spawn(|| ()).join().unwrap();
    let started = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(IDLE_TASKS);
    let before = rss_bytes();
    for _ in 0..IDLE_TASKS {
        let started = started.clone();
        let spawned = std::thread::Builder::new().spawn(move || {
            started.fetch_add(1, Ordering::Release);
            loop {
                std::thread::park();
            }
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(_) => break,
        }
    }
    let spawned = handles.len();
    while started.load(Ordering::Acquire) < spawned {
        std::thread::sleep(Duration::from_millis(1));
    }
    let after = rss_bytes();
    std::mem::forget(handles);
    per_task(before, after, spawned)
}

fn wait_for(started: &AtomicUsize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while started.load(Ordering::Acquire) < IDLE_TASKS && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Spawns sleeping green threads (round-robin, default stack size) until
/// `task::Builder::spawn` fails or [`MAX_LIVE_CAP`] are live, then checks that the
/// scheduler still runs: the sleepers are told to stop, every one is joined, and one
/// more spawn is tried.
pub fn max_live() -> Value {
    let maps_at_start = mappings();
    let rt = RoundRobin::new();
    let mut report = rt.block_on(move || {
        let stop = Arc::new(AtomicBool::new(false));
        let mut handles = Vec::new();
        let started = Instant::now();
        let error = loop {
            if handles.len() >= MAX_LIVE_CAP {
                break None;
            }
            let stop = stop.clone();
            let spawned = Builder::new().spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    yieldpoint::sleep(Duration::from_millis(500));
                }
            });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(error) => break Some(error.to_string()),
            }
            if handles.len() % 1024 == 0 {
                // Let the new ones start and park, as live sleepers do.
                yieldpoint::yield_now();
            }
        };
        yieldpoint::yield_now();
        let live = handles.len();
        let spawn_seconds = started.elapsed().as_secs_f64();
        let rss_at_limit = rss_bytes();
        let maps_at_limit = mappings();
        stop.store(true, Ordering::Release);
        let joined_ok = handles.into_iter().filter_map(|h| h.join().ok()).count();
        let spawn_after = yieldpoint::spawn(|| 42).join().ok() == Some(42);
        json!({
            "live_tasks": live,
            "stopped_by": if error.is_some() { "spawn error" } else { "cap" },
            "error": error,
            "spawn_seconds": spawn_seconds,
            "rss_at_limit_bytes": rss_at_limit,
            "mappings_at_limit": maps_at_limit,
            "sleepers_finished": joined_ok,
            "spawn_after_limit_ok": spawn_after,
        })
    });
    report["mappings_at_start"] = json!(maps_at_start);
    report["vm_max_map_count"] = json!(max_map_count());
    report["cap"] = json!(MAX_LIVE_CAP);
    report["stack_size_bytes"] = json!(yieldpoint::stack::DEFAULT_STACK_SIZE);
    report
}
