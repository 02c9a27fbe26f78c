//! The work queue's possible-deadlock check: when every worker has been parked with no
//! timer set for `Config::stall_warning_after`, and no task waits for I/O, the worker whose
//! wait ends first prints the stall report (`sched::stall`) once.
//!
//! Each worker writes only its own slot, when it parks and when it finds work again; a
//! check reads all of them without ordering. A stale read delays a report or, in a window
//! of one park, makes one a little early: it is a warning ("unless another OS thread wakes
//! one"), and never changes what runs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::CacheLine;

/// Since when each worker has been idle with no timer set.
pub(super) struct Idle {
    /// When the scheduler was built: the origin of the times in `since`.
    origin: Instant,
    /// Per worker: milliseconds after `origin`, plus one, since it has been idle with no
    /// timer set; 0 while it is not.
    since: Box<[CacheLine<AtomicU64>]>,
    /// The report was printed (once per scheduler).
    reported: AtomicBool,
}

impl Idle {
    pub(super) fn new(workers: usize) -> Self {
        Idle {
            origin: Instant::now(),
            since: (0..workers).map(|_| CacheLine::default()).collect(),
            reported: AtomicBool::new(false),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    /// Worker `me` parks with no timer set: idle from now, unless it already was.
    pub(super) fn parking_without_timers(&self, me: usize) {
        let slot = &*self.since[me];
        if slot.load(Ordering::Relaxed) == 0 {
            slot.store(self.now(), Ordering::Relaxed);
        }
    }

    /// Worker `me` found work, or parks with a timer set: not idle.
    pub(super) fn busy(&self, me: usize) {
        let slot = &*self.since[me];
        if slot.load(Ordering::Relaxed) != 0 {
            slot.store(0, Ordering::Relaxed);
        }
    }

    /// Whether every worker has been idle with no timer set for at least `after`.
    pub(super) fn all_idle_for(&self, after: Duration) -> bool {
        let now = self.now();
        let after = u64::try_from(after.as_millis()).unwrap_or(u64::MAX);
        self.since.iter().all(|slot| {
            let since = slot.load(Ordering::Relaxed);
            since != 0 && now.saturating_sub(since) >= after
        })
    }

    /// `true` the first time only: the caller prints the report.
    pub(super) fn take_report(&self) -> bool {
        !self.reported.swap(true, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::Idle;
    use std::time::Duration;

    #[test]
    fn all_workers_must_be_idle_long_enough() {
        let idle = Idle::new(2);
        assert!(!idle.all_idle_for(Duration::ZERO), "no worker idle yet");
        idle.parking_without_timers(0);
        assert!(!idle.all_idle_for(Duration::ZERO), "worker 1 is busy");
        idle.parking_without_timers(1);
        assert!(idle.all_idle_for(Duration::ZERO));
        assert!(
            !idle.all_idle_for(Duration::from_secs(3600)),
            "not for an hour"
        );
        std::thread::sleep(Duration::from_millis(30));
        idle.parking_without_timers(0); // still idle: keeps its start
        assert!(idle.all_idle_for(Duration::from_millis(20)));
        idle.busy(1);
        assert!(!idle.all_idle_for(Duration::ZERO), "worker 1 found work");
    }

    #[test]
    fn the_report_is_taken_once() {
        let idle = Idle::new(1);
        assert!(idle.take_report());
        assert!(!idle.take_report());
    }
}
