//! Where unstarted tasks start: each worker's count of resident tasks (started there and
//! not finished), and the rule that makes a worker leave new tasks to a lighter one.
//!
//! Started tasks never move (a task may hold thread-bound state across a yield), so the
//! worker a task starts on is where it lives. The LIFO slot starts a spawned task on the
//! spawning worker, which keeps tasks that talk to each other together. But tasks that
//! live long, such as a server's connections, each spawned by the accept loop as it
//! arrives, would then all live on the accept loop's worker while the others sit idle.
//! tokio evens that out by moving tasks whenever they are woken; we can't do that.
//!
//! The rule: a worker with at least [`SHARE_FROM`] resident tasks does not start another
//! while some other worker has at least [`MARGIN`] fewer. It leaves the task in its deque,
//! where the lighter worker steals it the next time it looks for new tasks (as soon as its
//! run queue is empty, and every 16th switch); meanwhile a worker with nothing else to do
//! yields its OS thread. If new tasks still wait after [`SHARE_WAIT`] (the lighter worker
//! is busy, maybe in a long computation, and looks for new tasks only every 16th switch),
//! it takes new tasks as it would without the rule, its own and others', until none
//! waits anywhere. Below `SHARE_FROM` nothing
//! changes: a handful of communicating tasks, a spawn-and-join, a fan-out of short tasks
//! (they finish as fast as they start) stay where they were spawned.
//!
//! Each count is written by its own worker only and read by the others without ordering:
//! a stale read makes one placement less even, and never loses a task, which stays where
//! every worker looks.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Resident tasks a worker keeps before it shares new ones with lighter workers.
pub(super) const SHARE_FROM: usize = 8;

/// How many fewer resident tasks another worker must have to be left a new task.
pub(super) const MARGIN: usize = 2;

/// How long a worker with nothing else to do leaves its new tasks to a lighter worker
/// before it starts them itself.
pub(super) const SHARE_WAIT: Duration = Duration::from_millis(1);

/// One worker's count of resident tasks, on a cache line of its own: its worker writes it
/// on every task's start and end, the others read it before they start a task.
#[repr(align(128))]
#[derive(Default)]
struct Resident(AtomicUsize);

/// Every worker's count of resident tasks, by worker index.
pub(super) struct Loads(Box<[Resident]>);

impl Loads {
    pub(super) fn new(workers: usize) -> Self {
        Loads((0..workers).map(|_| Resident::default()).collect())
    }

    /// Counts a task starting on worker `me` (called by that worker only).
    #[inline]
    pub(super) fn started(&self, me: usize) {
        let resident = &self.0[me].0;
        // A load and a store: only this worker writes its count.
        resident.store(resident.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    /// Counts a task of worker `me` that finished (called by that worker only).
    #[inline]
    pub(super) fn finished(&self, me: usize) {
        let resident = &self.0[me].0;
        let count = resident.load(Ordering::Relaxed);
        debug_assert!(count > 0, "a worker finished more tasks than it started");
        resident.store(count.saturating_sub(1), Ordering::Relaxed);
    }

    /// Whether worker `me` should leave its next new task to another worker: it has at
    /// least [`SHARE_FROM`] resident tasks and some other worker at least [`MARGIN`] fewer.
    #[inline]
    pub(super) fn should_share(&self, me: usize) -> bool {
        let mine = self.0[me].0.load(Ordering::Relaxed);
        mine >= SHARE_FROM && self.has_lighter_than(me, mine)
    }

    #[inline(never)]
    fn has_lighter_than(&self, me: usize, mine: usize) -> bool {
        self.0.iter().enumerate().any(|(index, resident)| {
            index != me && resident.0.load(Ordering::Relaxed) + MARGIN <= mine
        })
    }
}

/// How long new tasks have waited, in any worker's deque or the injector, while this
/// worker left them to lighter workers: at most [`SHARE_WAIT`], then the worker takes new
/// tasks as it would without the rule, until none waits anywhere.
#[derive(Default)]
pub(super) struct Patience {
    /// Since when new tasks wait while this worker leaves them (`None`: none waits).
    since: Cell<Option<Instant>>,
}

impl Patience {
    /// Whether to go on leaving new tasks to others, with `none_waits` saying whether no
    /// new task waits anywhere: yes while none waits, and for [`SHARE_WAIT`] after some do.
    #[inline]
    pub(super) fn still_sharing(&self, none_waits: bool) -> bool {
        if none_waits {
            self.since.set(None);
            return true;
        }
        match self.since.get() {
            None => {
                self.since.set(Some(Instant::now()));
                true
            }
            Some(since) => since.elapsed() < SHARE_WAIT,
        }
    }

    /// Forgets the wait (the worker no longer shares).
    #[inline]
    pub(super) fn reset(&self) {
        self.since.set(None);
    }
}

#[cfg(all(test, not(yieldpoint_loom)))]
mod tests {
    use super::{Loads, Patience, MARGIN, SHARE_FROM, SHARE_WAIT};

    fn start(loads: &Loads, worker: usize, tasks: usize) {
        for _ in 0..tasks {
            loads.started(worker);
        }
    }

    #[test]
    fn a_light_worker_keeps_its_tasks() {
        let loads = Loads::new(2);
        start(&loads, 0, SHARE_FROM - 1);
        assert!(
            !loads.should_share(0),
            "below SHARE_FROM, new tasks stay local"
        );
        loads.started(0);
        assert!(loads.should_share(0));
        assert!(!loads.should_share(1), "the lighter worker keeps its own");
    }

    #[test]
    fn only_a_lighter_worker_is_left_tasks() {
        let loads = Loads::new(3);
        start(&loads, 0, SHARE_FROM + 5);
        start(&loads, 1, SHARE_FROM + 4);
        start(&loads, 2, SHARE_FROM + 4);
        assert!(!loads.should_share(0), "no worker is MARGIN lighter");
        loads.finished(2);
        assert_eq!(MARGIN, 2);
        assert!(loads.should_share(0));
    }

    #[test]
    fn finished_tasks_no_longer_count() {
        let loads = Loads::new(2);
        start(&loads, 0, SHARE_FROM);
        assert!(loads.should_share(0));
        loads.finished(0);
        assert!(!loads.should_share(0));
    }

    #[test]
    fn patience_runs_out_until_no_new_task_waits() {
        let patience = Patience::default();
        assert!(patience.still_sharing(true));
        assert!(patience.still_sharing(false), "a task was just left");
        std::thread::sleep(SHARE_WAIT * 2);
        assert!(!patience.still_sharing(false), "nobody took it in time");
        assert!(
            !patience.still_sharing(false),
            "still waiting: the worker takes them"
        );
        assert!(
            patience.still_sharing(true),
            "none waits: a new wait can start"
        );
        assert!(patience.still_sharing(false));
    }
}
