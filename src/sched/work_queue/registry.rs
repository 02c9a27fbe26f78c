//! Every unfinished task of a work queue, for snapshots, and the count that `run` waits on.
//!
//! A task is registered in the shard of the thread that spawns it (one shard per worker,
//! and one for spawns from outside the workers), and its end is reported by the worker
//! that ran it, which may be another one: a task stolen before it started. Each spawn and
//! each end touches the registry, so where those touches land decides what they cost on
//! a fan-out (one task spawns thousands, both workers run them):
//!
//! - A spawn locks its own thread's shard: no other worker spawns there, so the lock and
//!   the slab's memory stay in that core's cache.
//! - A worker reports ends in batches ([`Ended`]): it keeps the keys of the tasks that
//!   ended on it and removes [`ENDED_BATCH`] of them at a time, shard by shard, and the
//!   rest before it parks or exits. So a stolen task's end costs a remote shard's lock
//!   once per batch instead of once per task, as does the count's decrement. (tokio's
//!   `OwnedTasks` shards by task id instead, a lock per spawn and per end.)
//!
//! Until its batch is flushed an ended task is still in its shard: snapshots and counts
//! skip entries whose task has finished, and `run` (which waits for [`Registry::live`] to
//! reach 0) returns once the last worker to end a task has flushed, which it does before
//! it looks for work again in vain, that is, at once when nothing is left to run.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use slab::Slab;

use super::CacheLine;
use crate::task::cell::TaskRef;
use crate::task::header::Header;
use crate::task::TaskSnapshot;

/// Ends a worker reports at once (see the module docs).
pub(super) const ENDED_BATCH: usize = 32;

/// The shards of unfinished tasks and their count.
pub(super) struct Registry {
    /// One slab per worker, then one for spawns from outside the workers.
    shards: Box<[CacheLine<Mutex<Slab<TaskRef>>>]>,
    /// Tasks registered and not yet reported ended (ended tasks of an unflushed batch
    /// included).
    live: CacheLine<AtomicUsize>,
    /// Callers of `run` (OS threads, never tasks) waiting for `live` to reach 0, and the
    /// lock that orders their check of `live` with its last decrement.
    all_done: (Mutex<()>, Condvar),
}

/// Where a task is registered, as kept in its header: its shard in the high half, its
/// slab key in the low one.
fn place(shard: usize, key: usize) -> u64 {
    ((shard as u64) << 32) | key as u64
}

fn shard_and_key(place: u64) -> (usize, usize) {
    (
        (place >> 32) as usize,
        (place & u64::from(u32::MAX)) as usize,
    )
}

impl Registry {
    /// A registry for `workers` workers.
    pub(super) fn new(workers: usize) -> Self {
        Registry {
            shards: (0..=workers).map(|_| CacheLine::default()).collect(),
            live: CacheLine::default(),
            all_done: (Mutex::new(()), Condvar::new()),
        }
    }

    /// The shard of spawns from outside the workers.
    pub(super) fn outside(&self) -> usize {
        self.shards.len() - 1
    }

    fn lock(&self, shard: usize) -> MutexGuard<'_, Slab<TaskRef>> {
        self.shards[shard].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts and registers a task about to be queued, in `shard` (the spawning worker's
    /// index, or [`outside`](Self::outside)).
    pub(super) fn register(&self, shard: usize, task: &TaskRef) {
        self.live.fetch_add(1, Ordering::SeqCst);
        let key = self.lock(shard).insert(task.clone());
        task.set_sched_place(place(shard, key));
    }

    /// Reports one task's end at once (a thread that keeps no batch: a worker's shutdown
    /// or the scheduler's drop).
    pub(super) fn ended_now(&self, task: &Header) {
        let (shard, key) = shard_and_key(task.sched_place());
        drop(self.lock(shard).try_remove(key));
        self.count_ended(1);
    }

    /// Reports the ends in `ended`, which it empties: one lock per shard they touch.
    pub(super) fn flush(&self, ended: &Ended) {
        let mut places = ended.places.borrow_mut();
        let mut dropped = ended.dropped.borrow_mut();
        if places.is_empty() {
            return;
        }
        let count = places.len();
        // Few shards (workers + 1), and a batch mostly in one or two: take each shard's
        // lock once, for all of the batch's tasks there. The task references go after the
        // locks are released (a last reference frees its cell).
        while let Some(&first) = places.first() {
            let shard = shard_and_key(first).0;
            let mut slab = self.lock(shard);
            places.retain(|&place| {
                let (in_shard, key) = shard_and_key(place);
                if in_shard == shard {
                    dropped.extend(slab.try_remove(key));
                }
                in_shard != shard
            });
        }
        drop(places);
        dropped.clear();
        self.count_ended(count);
    }

    /// Takes `count` ends off `live`; wakes `run` when none is left.
    fn count_ended(&self, count: usize) {
        if self.live.fetch_sub(count, Ordering::SeqCst) == count {
            let (lock, all_done) = &self.all_done;
            let _ordered = lock.lock().unwrap_or_else(|e| e.into_inner());
            all_done.notify_all();
        }
    }

    /// Blocks the calling OS thread until every registered task has been reported ended.
    pub(super) fn wait_all_done(&self) {
        let (lock, all_done) = &self.all_done;
        let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        while self.live.load(Ordering::SeqCst) != 0 {
            guard = all_done.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// How many registered tasks have not finished.
    pub(super) fn unfinished(&self) -> usize {
        (0..self.shards.len())
            .map(|shard| {
                self.lock(shard)
                    .iter()
                    .filter(|(_, t)| !t.is_finished())
                    .count()
            })
            .sum()
    }

    /// Every unfinished task, by id.
    pub(super) fn snapshot(&self) -> Vec<TaskSnapshot> {
        let mut snapshot = self.each_task(TaskSnapshot::of);
        snapshot.sort_by_key(|s| s.id);
        snapshot
    }

    /// `f` of every unfinished task, one shard locked at a time.
    pub(super) fn each_task<T>(&self, f: impl Fn(&Header) -> T) -> Vec<T> {
        let mut all = Vec::new();
        for shard in 0..self.shards.len() {
            let tasks = self.lock(shard);
            let unfinished = tasks.iter().filter(|(_, t)| !t.is_finished());
            all.extend(unfinished.map(|(_, task)| f(task)));
        }
        all
    }
}

/// One worker's batch of ended tasks, not yet reported to the [`Registry`].
#[derive(Default)]
pub(super) struct Ended {
    places: RefCell<Vec<u64>>,
    /// The batch's task references while it is flushed (kept for its room).
    dropped: RefCell<Vec<TaskRef>>,
}

impl Ended {
    /// Adds a task that ended on this worker; `true` when the batch is full and should be
    /// flushed.
    pub(super) fn push(&self, task: &Header) -> bool {
        let mut places = self.places.borrow_mut();
        places.push(task.sched_place());
        places.len() >= ENDED_BATCH
    }
}
