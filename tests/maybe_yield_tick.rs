//! `maybe_yield` watches a clock tick that a background thread advances, and that thread
//! sleeps when no green thread looks (`task::tick`). In a test binary of its own: the
//! tick thread is one per process, and other tests would keep it awake.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yieldpoint::sched::RoundRobin;

/// Runs a CPU loop that calls only `maybe_yield` beside a task that sleeps 1 ms at a time,
/// until the sleeper has woken 5 times or 10 s passed; how often it woke.
fn sleeper_wakeups_beside_a_cpu_loop() -> u32 {
    let rt = RoundRobin::builder()
        .time_slice(Duration::from_millis(1))
        .build();
    let ticks = Arc::new(AtomicU32::new(0));
    let t = ticks.clone();
    let ticker = rt.spawn(move || loop {
        yieldpoint::sleep(Duration::from_millis(1));
        t.fetch_add(1, Ordering::SeqCst);
    });
    let cpu = rt.spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut i = 0u64;
        while ticks.load(Ordering::SeqCst) < 5 {
            i = i.wrapping_add(1);
            // Only `maybe_yield` can let the sleeper run; the clock is read rarely, so
            // the loop is mostly `maybe_yield`'s fast path.
            if i % 1_000_000 == 0 && Instant::now() > deadline {
                break;
            }
            yieldpoint::maybe_yield();
        }
        ticker.cancel();
        ticks.load(Ordering::SeqCst)
    });
    rt.run();
    cpu.join().unwrap()
}

/// The tick thread goes to sleep when nobody looks (after about 100 ticks) and the next
/// `maybe_yield` wakes it: time slices work again after a long pause.
#[test]
fn maybe_yield_still_yields_after_the_tick_thread_slept() {
    assert!(sleeper_wakeups_beside_a_cpu_loop() >= 5, "before the pause");
    std::thread::sleep(Duration::from_millis(400)); // nobody looks: the tick thread sleeps
    let woke = sleeper_wakeups_beside_a_cpu_loop();
    assert!(
        woke >= 5,
        "after the pause the sleeper woke only {woke} times"
    );
}
