//! A pool of finished coroutines' stacks, reused by the next coroutine: a per-thread
//! cache in front of a process-wide pool.
//!
//! A stack is returned to the thread that ran its coroutine and taken by the next
//! coroutine of the same size created there, without locks. Past [`LOCAL_MAX`] stacks a
//! thread hands a batch to the shared pool, and a thread whose cache is empty takes a
//! batch from it before it maps a new stack. The shared level matters on a work-queue
//! scheduler, where a task's stack is taken on the worker that spawns it and returned on
//! the worker that ran it: without it, the spawning worker maps a fresh stack for every
//! task while the other's pool overflows and unmaps them (each `mmap`/`munmap` pair takes
//! the process's memory-map lock and, for `munmap`, flushes the TLB of every core running
//! the process). A thread that exits hands its cache to the shared pool.
//!
//! # When pooled stacks are unmapped
//!
//! A pooled stack keeps the pages its last coroutine touched (typically one or two) and
//! its two mappings (`vm.max_map_count`). So that a spike of live coroutines does not pin
//! that memory and those mappings for the rest of the process:
//!
//! - **Cap.** The shared pool keeps at most [`SHARED_MAX_BYTES`] of stacks; beyond that,
//!   released stacks are unmapped. A thread's cache keeps at most [`LOCAL_MAX`].
//! - **Trim on failure.** When a new stack cannot be mapped (out of memory, of address
//!   space, or of mappings), this thread's cache and the whole shared pool are unmapped
//!   ([`trim`]) and the mapping is tried once more before the error is reported: pooled
//!   stacks of other sizes, or pooled at the peak of a spike, never make a spawn fail.
//! - **Decay.** Stacks the shared pool held through a whole [`IDLE_EPOCH`] without
//!   needing them (its low-water mark over that epoch) are unmapped at the end of the
//!   epoch. The pool looks at its epoch when stacks pass through it, and every
//!   [`DECAY_CHECK_EVERY`] releases on a thread, so a burst's leftovers go within about
//!   a second of the next activity, while stacks reused by bursts less than a second
//!   apart (a server's steady fan-outs) stay pooled.
//! - **Scheduler drop.** Dropping a `WorkQueue` unmaps the shared pool (its workers'
//!   caches go there when they exit).

use std::cell::{Cell, RefCell};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{usable_size, PooledStack};

/// Most stacks one thread keeps for itself.
const LOCAL_MAX: usize = 64;
/// Stacks moved between a thread's cache and the shared pool at a time.
const BATCH: usize = LOCAL_MAX / 2;
/// Most bytes of usable stack the shared pool keeps: 1 GiB of address space, 16,384
/// default-sized stacks.
const SHARED_MAX_BYTES: usize = 1 << 30;
/// Stacks the shared pool did not need during a whole epoch this long are unmapped.
const IDLE_EPOCH: Duration = Duration::from_secs(1);
/// Releases on a thread between two looks at the shared pool's epoch.
const DECAY_CHECK_EVERY: u32 = 256;

/// A thread's cache: free stacks, newest last (most likely still in the CPU cache). Sizes
/// may differ. On thread exit it moves to the shared pool.
struct LocalCache {
    free: RefCell<Vec<PooledStack>>,
    /// Releases left before the next look at the shared pool's epoch.
    until_decay_check: Cell<u32>,
    /// Stacks reserved on this thread so far (see [`Reservation`]).
    reserved: Cell<u64>,
}

impl Drop for LocalCache {
    fn drop(&mut self) {
        give_to_shared(self.free.get_mut().drain(..));
    }
}

thread_local! {
    static LOCAL: LocalCache = const {
        LocalCache {
            free: RefCell::new(Vec::new()),
            until_decay_check: Cell::new(DECAY_CHECK_EVERY),
            reserved: Cell::new(0),
        }
    };
}

/// When a task's stack was reserved: on which thread (the address of that thread's cache)
/// and after how many reservations there; [`swap_if_stale`] judges from it whether the
/// stack has gone cold by the time the task starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reservation {
    thread: usize,
    count: u64,
}

/// Reservations on the same thread within which a stack counts as still warm.
const WARM_WITHIN: u64 = 64;

/// Records a reservation on this thread (called when a task's stack is reserved).
#[inline]
pub(crate) fn reserve() -> Reservation {
    LOCAL
        .try_with(|local| {
            let count = local.reserved.get() + 1;
            local.reserved.set(count);
            Reservation {
                thread: local as *const LocalCache as usize,
                count,
            }
        })
        .unwrap_or(Reservation {
            thread: 0,
            count: 0,
        })
}

/// The stack a task starting now should run on: `stack` itself if it was reserved on this
/// thread within the last [`WARM_WITHIN`] reservations (a spawn-and-join, a handful of
/// tasks), else [`swap_for_warm`]'s trade (a task among thousands, or one that was stolen
/// from another thread).
#[inline]
pub(crate) fn swap_if_stale(stack: PooledStack, reserved: Reservation) -> PooledStack {
    let fresh = LOCAL
        .try_with(|local| {
            reserved.thread == local as *const LocalCache as usize
                && local.reserved.get() - reserved.count < WARM_WITHIN
        })
        .unwrap_or(false);
    if fresh {
        stack
    } else {
        swap_for_warm(stack)
    }
}

/// The shared level: free stacks, roughly oldest first (a take moves the last one into
/// its place), and their total usable size in bytes.
struct Shared {
    stacks: Vec<PooledStack>,
    bytes: usize,
    /// When the current decay epoch started (`None` before the first look).
    epoch: Option<Instant>,
    /// Fewest stacks the pool held since `epoch`: that many were not needed all along.
    low_water: usize,
}

impl Shared {
    /// Records that stacks were taken: the low-water mark follows the length down.
    fn taken(&mut self) {
        self.low_water = self.low_water.min(self.stacks.len());
    }

    /// Ends the epoch if it is older than [`IDLE_EPOCH`] at `now`: unmaps as many stacks
    /// (from the front, the older ones) as the pool held unused through it, and starts
    /// the next one.
    fn decay(&mut self, now: Instant) {
        let Some(start) = self.epoch else {
            self.epoch = Some(now);
            self.low_water = self.stacks.len();
            return;
        };
        if now.saturating_duration_since(start) < IDLE_EPOCH {
            return;
        }
        let idle = self.low_water.min(self.stacks.len());
        for stack in self.stacks.drain(..idle) {
            self.bytes -= usable_size(&stack);
        }
        self.epoch = Some(now);
        self.low_water = self.stacks.len();
    }
}

static SHARED: Mutex<Shared> = Mutex::new(Shared {
    stacks: Vec::new(),
    bytes: 0,
    epoch: None,
    low_water: 0,
});

fn shared() -> std::sync::MutexGuard<'static, Shared> {
    // No code that can panic runs under the lock, so the data is never half-updated.
    SHARED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Moves `stacks` to the shared pool, unmapping (dropping) those that do not fit.
///
/// Allocates nothing it cannot do without: when the pool's list cannot grow (the process
/// is out of memory or of mappings, as when spawning hit that limit), the stack is
/// unmapped instead of pooled, which gives back exactly what ran out.
fn give_to_shared(stacks: impl IntoIterator<Item = PooledStack>) {
    let mut shared = shared();
    shared.decay(Instant::now());
    for stack in stacks {
        let size = usable_size(&stack);
        if shared.bytes + size <= SHARED_MAX_BYTES && shared.stacks.try_reserve(1).is_ok() {
            shared.bytes += size;
            shared.stacks.push(stack);
        } else {
            drop(stack);
        }
    }
}

/// Moves up to `max` stacks of `size` usable bytes from the shared pool to the end of
/// `free`, as many as `free` has room for without failing to allocate.
fn take_from_shared(size: usize, max: usize, free: &mut Vec<PooledStack>) {
    let max = if free.try_reserve(max).is_ok() {
        max
    } else {
        max.min(free.capacity() - free.len())
    };
    let mut shared = shared();
    let mut taken = 0;
    let mut i = shared.stacks.len();
    while i > 0 && taken < max {
        i -= 1;
        if usable_size(&shared.stacks[i]) == size {
            free.push(shared.stacks.swap_remove(i));
            taken += 1;
        }
    }
    shared.bytes -= taken * size;
    shared.taken();
}

/// Takes a free stack with exactly `size` usable bytes: from this thread's cache, else a
/// batch from the shared pool; `None` if neither has one.
#[inline]
pub(super) fn take(size: usize) -> Option<PooledStack> {
    LOCAL
        .try_with(|local| {
            let mut free = local.free.borrow_mut();
            // The common case, one stack size in use: the stack released last fits.
            if free.last().is_some_and(|s| usable_size(s) == size) {
                return free.pop();
            }
            take_other(size, &mut free)
        })
        .ok()
        .flatten()
        .or_else(|| take_one_from_shared(size))
}

/// [`take`] when the stack released last has another size (or there is none): an older
/// one of `size` from this thread's cache, else a batch from the shared pool.
#[inline(never)]
fn take_other(size: usize, free: &mut Vec<PooledStack>) -> Option<PooledStack> {
    if let Some(index) = free.iter().rposition(|s| usable_size(s) == size) {
        return Some(free.swap_remove(index));
    }
    let before = free.len();
    take_from_shared(size, BATCH, free);
    // Only what came from the shared pool has the right size.
    (free.len() > before).then(|| free.pop()).flatten()
}

/// Takes one stack of `size` usable bytes from the shared pool (for a thread whose cache
/// is gone).
fn take_one_from_shared(size: usize) -> Option<PooledStack> {
    let mut shared = shared();
    let index = shared.stacks.iter().rposition(|s| usable_size(s) == size)?;
    shared.bytes -= size;
    let stack = shared.stacks.swap_remove(index);
    shared.taken();
    Some(stack)
}

/// Unmaps every stack in this thread's cache and in the shared pool; returns how many.
///
/// Called when a new stack cannot be mapped (before the one retry), and when a
/// `WorkQueue` is dropped.
pub(crate) fn trim() -> usize {
    let local = LOCAL
        .try_with(|local| {
            let Ok(mut free) = local.free.try_borrow_mut() else {
                return 0;
            };
            let n = free.len();
            // Unmapped here, without allocating (the process may be out of memory).
            free.clear();
            free.shrink_to_fit();
            n
        })
        .unwrap_or(0);
    let mut shared = shared();
    let n = shared.stacks.len();
    shared.stacks.clear();
    shared.stacks.shrink_to_fit();
    shared.bytes = 0;
    shared.taken();
    local + n
}

/// Trades `stack`, reserved when its task was spawned, for the stack this thread released
/// last, if that one has the same size; called when the task starts.
///
/// A stack is reserved at spawn (so that spawn, not a later start, reports a failure to
/// map one), but a task spawned among thousands of others gets one that no coroutine has
/// touched for a long time: its top pages, which the coroutine writes first, are out of
/// the CPU caches and TLB. The stack released last was in use a moment ago. The traded-in
/// stack takes its place in the cache, so the task still holds exactly one stack and
/// the count of reserved stacks does not change.
#[inline(never)] // out of `swap_if_stale`'s common path, a stack reserved a moment ago
fn swap_for_warm(stack: PooledStack) -> PooledStack {
    let size = usable_size(&stack);
    let mut stack = Some(stack);
    let warm = LOCAL.try_with(|local| {
        let mut free = local.free.borrow_mut();
        let last = free.last_mut().filter(|last| usable_size(last) == size)?;
        Some(std::mem::replace(last, stack.take()?))
    });
    match (warm, stack) {
        (Ok(Some(warm)), None) => warm,
        (_, Some(stack)) => stack,
        (_, None) => unreachable!("the reserved stack is either traded or kept"),
    }
}

/// Returns a finished coroutine's stack to this thread's cache; a full cache passes a
/// batch on to the shared pool.
#[inline]
pub(crate) fn release(stack: PooledStack) {
    let mut stack = Some(stack);
    let _ = LOCAL.try_with(|local| {
        let mut free = local.free.borrow_mut();
        let left = local.until_decay_check.get() - 1;
        // The common case: room in the cache, and no look at the shared pool due.
        if free.len() < LOCAL_MAX && free.len() < free.capacity() && left > 0 {
            local.until_decay_check.set(left);
            free.extend(stack.take());
            return;
        }
        release_slow(local, &mut free, &mut stack);
    });
    // Still here if this thread is exiting and its cache is gone, or the cache could not
    // grow.
    if let Some(stack) = stack {
        give_to_shared(Some(stack));
    }
}

/// [`release`] when the cache is full or must grow, or the shared pool's epoch is due for
/// a look.
#[inline(never)]
fn release_slow(local: &LocalCache, free: &mut Vec<PooledStack>, stack: &mut Option<PooledStack>) {
    // Room for a whole cache at once: the fast path then never allocates.
    let whole = (LOCAL_MAX + 1).saturating_sub(free.len());
    if free.try_reserve(whole).is_ok() || free.try_reserve(1).is_ok() {
        free.extend(stack.take());
    }
    if free.len() > LOCAL_MAX {
        // The oldest ones: the newest are the likeliest to be warm in the CPU cache.
        give_to_shared(free.drain(..BATCH));
    } else {
        let left = local.until_decay_check.get() - 1;
        local.until_decay_check.set(left);
        if left == 0 {
            local.until_decay_check.set(DECAY_CHECK_EVERY);
            shared().decay(Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use corosensei::stack::Stack;

    use super::{release, swap_for_warm, take, LOCAL_MAX};
    use crate::stack::{acquire, rounded_size};

    /// A size no other test uses, so tests running in parallel cannot take these stacks.
    const SIZE: usize = 200 * 1024;

    fn base(stack: &super::PooledStack) -> usize {
        stack.base().get()
    }

    /// Stacks released on a thread that exits, or beyond its cache, are taken on another
    /// thread before any new stack is mapped.
    #[test]
    fn stacks_move_between_threads_through_the_shared_pool() {
        let size = rounded_size(SIZE).unwrap();
        let released: Vec<usize> = std::thread::spawn(move || {
            let stacks: Vec<_> = (0..LOCAL_MAX + 8)
                .map(|_| acquire(size, None).unwrap())
                .collect();
            let bases = stacks.iter().map(base).collect();
            stacks.into_iter().for_each(release);
            bases
        })
        .join()
        .unwrap();
        // The thread's cache went to the shared pool when it exited.
        let again: Vec<_> = (0..released.len())
            .map(|_| take(size).expect("a pooled stack"))
            .collect();
        let mut got: Vec<usize> = again.iter().map(base).collect();
        let mut want = released.clone();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        again.into_iter().for_each(release);
    }

    /// A stack reserved a moment ago on this thread is kept at the start; one reserved
    /// `WARM_WITHIN` reservations ago, or on another thread, is traded for the warm one.
    #[test]
    fn only_a_stale_reservation_is_traded() {
        let size = rounded_size(SIZE + 8192).unwrap();
        std::thread::spawn(move || {
            let reserved = acquire(size, None).unwrap();
            let fresh = super::reserve();
            let warm = acquire(size, None).unwrap();
            let (reserved_base, warm_base) = (base(&reserved), base(&warm));
            release(warm);
            let kept = super::swap_if_stale(reserved, fresh);
            assert_eq!(base(&kept), reserved_base, "reserved a moment ago: kept");
            let stale = super::reserve();
            for _ in 0..super::WARM_WITHIN {
                super::reserve();
            }
            let traded = super::swap_if_stale(kept, stale);
            assert_eq!(base(&traded), warm_base, "reserved long ago: traded");
            let elsewhere = std::thread::spawn(super::reserve).join().unwrap();
            let traded_back = super::swap_if_stale(traded, elsewhere);
            assert_eq!(
                base(&traded_back),
                reserved_base,
                "reserved on another thread"
            );
            release(traded_back);
        })
        .join()
        .unwrap();
    }

    /// A task starting on a stack reserved long ago trades it for the stack released last
    /// on this thread (of the same size); the reserved one stays pooled in its place.
    #[test]
    fn a_starting_task_trades_its_reserved_stack_for_the_warm_one() {
        let size = rounded_size(SIZE + 4096).unwrap();
        std::thread::spawn(move || {
            let reserved = acquire(size, None).unwrap();
            let warm = acquire(size, None).unwrap();
            let (reserved_base, warm_base) = (base(&reserved), base(&warm));
            release(warm);
            let started = swap_for_warm(reserved);
            assert_eq!(base(&started), warm_base);
            let pooled = take(size).expect("the reserved stack went to the cache");
            assert_eq!(base(&pooled), reserved_base);
            // Nothing of that size left to trade: the stack is kept.
            assert_eq!(base(&swap_for_warm(pooled)), reserved_base);
        })
        .join()
        .unwrap();
    }

    /// Stacks the shared pool held unused through a whole epoch are unmapped when it ends;
    /// those it needed (below its low-water mark) stay. Driven with explicit instants.
    #[test]
    fn idle_stacks_decay_after_an_epoch() {
        use super::{Shared, IDLE_EPOCH};
        use std::time::Instant;

        let size = rounded_size(SIZE).unwrap();
        let mut pool = Shared {
            stacks: (0..10).map(|_| acquire(size, None).unwrap()).collect(),
            bytes: 10 * size,
            epoch: None,
            low_water: 0,
        };
        let start = Instant::now();
        pool.decay(start); // starts the first epoch
                           // A burst needs 4 of the 10, then gives them back.
        let burst: Vec<_> = pool.stacks.drain(6..).collect();
        pool.bytes -= 4 * size;
        pool.taken();
        pool.stacks.extend(burst);
        pool.bytes += 4 * size;
        pool.decay(start + IDLE_EPOCH / 2);
        assert_eq!(pool.stacks.len(), 10, "the epoch is not over yet");
        pool.decay(start + IDLE_EPOCH);
        assert_eq!(pool.stacks.len(), 4, "the 6 never needed are unmapped");
        assert_eq!(pool.bytes, 4 * size);
        // Nothing needed them through the next epoch either.
        pool.decay(start + 2 * IDLE_EPOCH);
        assert!(pool.stacks.is_empty());
        assert_eq!(pool.bytes, 0);
    }

    /// A cache that holds stacks of other sizes only has nothing to give.
    #[test]
    fn take_never_returns_a_stack_of_another_size() {
        let cached = rounded_size(SIZE + 3 * 4096).unwrap();
        let wanted = rounded_size(SIZE + 5 * 4096).unwrap();
        std::thread::spawn(move || {
            release(acquire(cached, None).unwrap());
            assert!(take(wanted).is_none());
            let again = take(cached).expect("the cached stack");
            assert_eq!(crate::stack::usable_size(&again), cached);
        })
        .join()
        .unwrap();
    }
}
