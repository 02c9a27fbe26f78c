//! The starvation problem (the articles "Cooperative Multitasking: The Core of Python
//! Asyncio" and "Python Cooperative Scheduling — Core Concepts"): slow-task reports,
//! `maybe_yield`, and how soon a sleeper runs again beside a task that yields.
//!
//! Python: asyncio debug mode's "Executing <Task …> took 0.123 seconds"; `await
//! asyncio.sleep(0)` in a CPU loop.

#[macro_use]
mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use yieldpoint::sched::{RoundRobin, SlowTask};
use yieldpoint::task::Builder;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A scheduler builder (either scheduler's) set to report tasks slower than `threshold`
/// into the returned list.
macro_rules! reporting {
    ($builder:expr, $threshold:expr) => {{
        let reports: Arc<Mutex<Vec<SlowTask>>> = Arc::new(Mutex::new(Vec::new()));
        let sink = reports.clone();
        let builder = $builder
            .slow_task_threshold($threshold)
            .on_slow_task(move |slow| sink.lock().unwrap().push(slow.clone()));
        (builder, reports)
    }};
}

on_both_schedulers! {
    /// A task that blocks its thread past the threshold is reported by id, name and duration.
    #[test]
    fn slow_task_report_names_the_task_and_its_duration() {
        let (builder, reports) = reporting!(builder(), ms(10));
        let rt = builder.build();
        let hog = rt
            .spawn_with(Builder::new().name("hog"), || {
                std::thread::sleep(ms(30)); // blocks without a yield point
            })
            .unwrap();
        let hog_id = hog.id();
        rt.run();
        let reports = reports.lock().unwrap();
        let report = reports
            .iter()
            .find(|r| r.id == hog_id)
            .expect("the hog was reported");
        assert_eq!(report.name.as_deref(), Some("hog"));
        assert!(report.ran >= ms(30), "ran {:?}", report.ran);
        assert_eq!(report.threshold, ms(10));
        let text = report.to_string();
        assert!(
            text.starts_with(&format!("task {hog_id} (\"hog\") ran ")),
            "{text}"
        );
        assert!(text.contains("without yielding (threshold 10ms)"), "{text}");
        assert!(
            text.contains("maybe_yield") && text.contains("spawn_blocking"),
            "{text}"
        );
    }

    /// Blocking std I/O inside a green thread stops its scheduler thread: the report names
    /// the task that blocked and says what to use instead (`yieldpoint::net`, `io::wait_*`).
    #[test]
    fn a_task_blocked_in_std_io_is_reported_with_the_cooperative_alternative() {
        let (builder, reports) = reporting!(builder(), ms(10));
        let rt = builder.build();
        let (reader, _writer) = std::os::unix::net::UnixStream::pair().unwrap();
        reader.set_read_timeout(Some(ms(30))).unwrap();
        let blocked = rt
            .spawn_with(Builder::new().name("std-reader"), move || {
                use std::io::Read;
                // Blocks the OS thread until the read timeout: nothing else runs here.
                let _ = (&reader).read(&mut [0; 8]);
            })
            .unwrap();
        let blocked_id = blocked.id();
        rt.run();
        let reports = reports.lock().unwrap();
        let report = reports
            .iter()
            .find(|r| r.id == blocked_id)
            .expect("the blocked reader was reported");
        let text = report.to_string();
        assert!(text.contains("(\"std-reader\")"), "{text}");
        assert!(
            text.contains("yieldpoint::net") && text.contains("io::wait_readable"),
            "{text}"
        );
    }

    /// Only the stretch between two yield points counts: a task that works long in total but
    /// yields often is not reported (the threshold is generous for a loaded machine).
    #[test]
    fn a_task_that_yields_often_is_not_reported() {
        let (builder, reports) = reporting!(builder(), Duration::from_secs(2));
        let rt = builder.build();
        let polite = rt
            .spawn_with(Builder::new().name("polite"), || {
                for _ in 0..100 {
                    std::thread::sleep(Duration::from_micros(100));
                    yieldpoint::yield_now();
                }
            })
            .unwrap();
        let id = polite.id();
        rt.run();
        assert!(reports.lock().unwrap().iter().all(|r| r.id != id));
    }

    /// An unnamed slow task is reported without a name.
    #[test]
    fn unnamed_slow_task_report() {
        let (builder, reports) = reporting!(builder(), ms(1));
        let rt = builder.build();
        let h = rt.spawn(|| std::thread::sleep(ms(5)));
        let id = h.id();
        rt.run();
        let reports = reports.lock().unwrap();
        let report = reports.iter().find(|r| r.id == id).unwrap();
        assert_eq!(report.name, None);
        assert!(report.to_string().starts_with(&format!("task {id} ran ")));
    }

    /// Between two yield points nothing else runs: a CPU loop without yield points lets a
    /// ticker on its thread tick zero times, deterministically.
    #[test]
    fn a_loop_without_yield_points_starves_the_ticker() {
        let rt = one_thread();
        let ticks = Arc::new(AtomicU32::new(0));
        let t = ticks.clone();
        let ticker = rt.spawn(move || loop {
            yieldpoint::sleep(ms(1));
            t.fetch_add(1, Ordering::SeqCst);
        });
        let hog = rt.spawn(move || {
            let before = ticks.load(Ordering::SeqCst);
            let end = Instant::now() + ms(20);
            while Instant::now() < end {
                std::hint::spin_loop();
            }
            let during = ticks.load(Ordering::SeqCst) - before;
            ticker.cancel();
            during
        });
        rt.run();
        assert_eq!(hog.join().unwrap(), 0);
    }

    /// `maybe_yield` in every iteration of a CPU loop lets a sleeping ticker on its thread
    /// progress. The loop runs until the ticker has ticked 5 times (bounded by a generous
    /// deadline, so a regression fails instead of hanging).
    #[test]
    fn maybe_yield_lets_a_ticker_progress() {
        let rt = one_thread_builder().time_slice(ms(1)).build();
        let ticks = Arc::new(AtomicU32::new(0));
        let t = ticks.clone();
        let ticker = rt.spawn(move || loop {
            yieldpoint::sleep(ms(1));
            t.fetch_add(1, Ordering::SeqCst);
        });
        let cpu = rt.spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut sum = 0u64;
            let mut i = 0u64;
            while ticks.load(Ordering::SeqCst) < 5 && Instant::now() < deadline {
                sum = sum.wrapping_add(i * i);
                i += 1;
                yieldpoint::maybe_yield();
            }
            ticker.cancel();
            (ticks.load(Ordering::SeqCst), sum)
        });
        rt.run();
        let (ticks_seen, _) = cpu.join().unwrap();
        assert!(ticks_seen >= 5, "the ticker ticked only {ticks_seen} times");
    }

    /// `maybe_yield` does not yield before the time slice is spent: with a one-hour slice,
    /// a loop of 100,000 calls never lets the task it spawned (on its thread) run.
    #[test]
    fn maybe_yield_does_not_yield_before_the_slice_is_spent() {
        let rt = one_thread_builder()
            .time_slice(Duration::from_secs(3600))
            .build();
        let looper = rt.spawn(|| {
            let other_ran = Arc::new(AtomicBool::new(false));
            let o = other_ran.clone();
            let other = yieldpoint::spawn(move || o.store(true, Ordering::SeqCst));
            for _ in 0..100_000 {
                yieldpoint::maybe_yield();
            }
            let during = other_ran.load(Ordering::SeqCst);
            other.join().unwrap();
            (during, other_ran.load(Ordering::SeqCst))
        });
        rt.run();
        assert_eq!(looper.join().unwrap(), (false, true));
    }
}

/// Outside a green thread `maybe_yield` does nothing.
#[test]
fn maybe_yield_outside_a_green_thread_is_a_no_op() {
    for _ in 0..1000 {
        yieldpoint::maybe_yield();
    }
}

/// Timers are checked once per pass over the run queue, as asyncio does (round-robin only:
/// the count of rounds is its run loop's): a sleeper whose
/// deadline has passed runs within one round of `yield_now`s of a busy task, not only after
/// dozens of its switches. Here the busy task blocks past the sleeper's deadline, then
/// yields twice (once to let the timer fire, once to let the woken sleeper run).
#[test]
fn a_due_sleeper_runs_after_one_round_of_yields() {
    let rt = RoundRobin::new();
    let woke = Rc::new(Cell::new(false));
    let w = woke.clone();
    rt.spawn(move || {
        yieldpoint::sleep(ms(1));
        w.set(true);
    });
    let w = woke.clone();
    let busy = rt.spawn(move || {
        let mut rounds = 0;
        while !w.get() && rounds < 50 {
            std::thread::sleep(ms(2)); // past the sleeper's deadline, without yielding
            yieldpoint::yield_now();
            rounds += 1;
        }
        rounds
    });
    rt.run();
    assert!(woke.get());
    assert!(busy.join().unwrap() <= 2);
}
