//! The clock tick that `maybe_yield` watches: a counter ([`now`]) that a background thread
//! (`yieldpoint-tick`) advances every [`TICK`], so that `maybe_yield` costs one load and a
//! compare until a tick has passed, and reads the real clock only then.
//!
//! A per-call counter (tokio's coop budget) costs a load, a decrement and a store per
//! call, and the next call's load waits for that store; a value another thread changes
//! costs nothing to watch. This is Go's design in miniature: its `sysmon` thread marks
//! goroutines that ran too long for preemption.
//!
//! The thread starts on the first `maybe_yield` that finds the tick changed (the counter
//! starts ahead of every thread's copy), and goes to sleep after [`IDLE_TICKS`] ticks in
//! which no `maybe_yield` looked at it, so an idle process has no timer waking it. Before
//! it sleeps it advances the counter once more: the next `maybe_yield` anywhere sees the
//! change, looks, finds the thread asleep and wakes it.

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread::{self, Thread};
use std::time::Duration;

/// How often the counter advances: the granularity of time slices (a task's slice is
/// checked at most this much after it ran out).
pub(crate) const TICK: Duration = Duration::from_millis(1);

/// Ticks without a look before the tick thread sleeps.
const IDLE_TICKS: u64 = 100;

/// The counter. Starts at 1, ahead of every thread's copy (0), so the first look starts
/// the thread.
static NOW: AtomicU64 = AtomicU64::new(1);
/// The last value a `maybe_yield` looked at (see [`looked`]).
static LOOKED: AtomicU64 = AtomicU64::new(0);
/// The tick thread sleeps (parked until a look wakes it).
static ASLEEP: AtomicBool = AtomicBool::new(false);
static THREAD: OnceLock<Thread> = OnceLock::new();

/// The current tick. Inlined into `maybe_yield`: one relaxed load.
#[inline(always)]
pub(crate) fn now() -> u64 {
    NOW.load(Ordering::Relaxed)
}

/// Records that a `maybe_yield` looked at tick `tick`; starts or wakes the tick thread
/// if it is not running.
pub(crate) fn looked(tick: u64) {
    // The caller's `now()` (relaxed) read `tick`; this fence makes it an acquire, so if
    // `tick` came from the advance in `sleep`, `ASLEEP`'s store before it is visible.
    fence(Ordering::Acquire);
    LOOKED.fetch_max(tick, Ordering::Relaxed);
    let thread = THREAD.get_or_init(spawn);
    if ASLEEP.load(Ordering::Relaxed) && ASLEEP.swap(false, Ordering::AcqRel) {
        thread.unpark();
    }
}

fn spawn() -> Thread {
    thread::Builder::new()
        .name("yieldpoint-tick".into())
        .spawn(run)
        .unwrap_or_else(|error| panic!("yieldpoint: cannot start the tick thread: {error}"))
        .thread()
        .clone()
}

/// The tick thread: advances the counter every [`TICK`]; sleeps when nobody looks.
fn run() {
    let mut idle = 0;
    loop {
        thread::sleep(TICK);
        let tick = NOW.fetch_add(1, Ordering::Relaxed) + 1;
        if LOOKED.load(Ordering::Relaxed) + 1 >= tick {
            idle = 0;
            continue;
        }
        idle += 1;
        if idle >= IDLE_TICKS {
            idle = 0;
            sleep();
        }
    }
}

/// Sleeps until a look wakes the thread: first marks it asleep, then advances the
/// counter (release), so that a `maybe_yield` that sees the new value also sees the mark.
fn sleep() {
    ASLEEP.store(true, Ordering::Relaxed);
    NOW.fetch_add(1, Ordering::Release);
    while ASLEEP.load(Ordering::Acquire) {
        thread::park();
    }
}
