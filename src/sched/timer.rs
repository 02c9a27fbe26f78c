//! The timer queue of a scheduler thread: deadlines of sleeping tasks and `timeout`s,
//! earliest first, with cancellation by handle (lazy deletion, compacted when cancelled
//! entries pile up).
//!
//! Python: the heap of `TimerHandle`s in asyncio's `BaseEventLoop` (`_scheduled`), popped
//! by `_run_once`. The user-facing calls are in [`crate::time`].

use std::cell::{Cell, RefCell};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::rc::Rc;
use std::time::Instant;

use crate::task::cell::TaskRef;

/// What a timer does when its deadline passes.
pub(crate) enum TimerAction {
    /// Unpark a sleeping task.
    Wake(TaskRef),
    /// Interrupt a task inside `timeout` call `id`.
    Timeout { task: TaskRef, id: u64 },
}

impl TimerAction {
    pub(crate) fn fire(self) {
        match self {
            TimerAction::Wake(task) => task.unpark(),
            TimerAction::Timeout { task, id } => task.expire_timeout(id),
        }
    }
}

/// A timer's owner's hold on it: dropping it (the `sleep` or `timeout` call is over,
/// returned or unwound) cancels the timer if it has not fired yet.
///
/// The entry stays in the heap until the queue next compacts (lazy deletion), but never
/// fires; see [`TimerQueue`].
#[must_use = "dropping the handle cancels the timer"]
pub(crate) struct TimerHandle(Rc<TimerEntry>);

impl Drop for TimerHandle {
    fn drop(&mut self) {
        let entry = &self.0;
        if entry.queued.replace(false) {
            entry.cancelled.set(entry.cancelled.get() + 1);
        }
    }
}

/// What a timer in the heap and its [`TimerHandle`] share.
struct TimerEntry {
    /// In the heap and neither fired nor cancelled.
    queued: Cell<bool>,
    /// The queue's count of cancelled entries still in its heap.
    cancelled: Rc<Cell<usize>>,
}

struct Timer {
    deadline: Instant,
    /// Insertion order: equal deadlines fire first-in, first-out.
    seq: u64,
    action: TimerAction,
    entry: Rc<TimerEntry>,
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

/// Fewest cancelled entries worth a rebuild of the heap.
const COMPACT_MIN: usize = 32;

/// One scheduler thread's timers, earliest deadline first (a binary heap).
///
/// # Cancelled timers
///
/// A `timeout` that returns, or a `sleep` that ends early (cancelled, or interrupted by
/// a timeout), cancels its timer through its [`TimerHandle`]. A binary heap cannot remove
/// an arbitrary entry cheaply, so the entry is only marked, counted, and skipped when it
/// comes due (lazy deletion). Once cancelled entries are more than half of the heap (and
/// at least [`COMPACT_MIN`]), the next operation on the queue rebuilds the heap without
/// them, in time linear in its length: each rebuild follows at least as many
/// cancellations as it keeps entries, so it costs O(1) amortized per timer. The heap thus
/// holds at most about twice the live timers (tokio's timer wheel and Go's timer heap
/// bound their dead entries the same way). Without it, a million finished
/// `timeout(1h, ..)` calls kept a million entries for an hour.
#[derive(Default)]
pub(crate) struct TimerQueue {
    /// Interior mutability so that `next_deadline` and `is_empty`, which the scheduler
    /// calls through a shared borrow, can drop cancelled entries first.
    heap: RefCell<BinaryHeap<Reverse<Timer>>>,
    seq: u64,
    /// Cancelled entries still in `heap`.
    cancelled: Rc<Cell<usize>>,
}

impl TimerQueue {
    /// Adds a timer; it fires (see [`pop_due`](Self::pop_due)) unless the returned handle
    /// is dropped first.
    pub(crate) fn push(&mut self, deadline: Instant, action: TimerAction) -> TimerHandle {
        self.compact();
        self.seq += 1;
        let entry = Rc::new(TimerEntry {
            queued: Cell::new(true),
            cancelled: self.cancelled.clone(),
        });
        self.heap.get_mut().push(Reverse(Timer {
            deadline,
            seq: self.seq,
            action,
            entry: entry.clone(),
        }));
        TimerHandle(entry)
    }

    /// Removes and returns the actions of every timer due at `now`; cancelled ones are
    /// dropped unfired.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Vec<TimerAction> {
        self.compact();
        let heap = self.heap.get_mut();
        let mut due = Vec::new();
        while heap.peek().is_some_and(|t| t.0.deadline <= now) {
            if let Some(Reverse(timer)) = heap.pop() {
                if timer.entry.queued.replace(false) {
                    due.push(timer.action);
                } else {
                    self.cancelled.set(self.cancelled.get() - 1);
                }
            }
        }
        due
    }

    /// The earliest deadline of a timer that was not cancelled.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.compact();
        let mut heap = self.heap.borrow_mut();
        while let Some(top) = heap.peek() {
            if top.0.entry.queued.get() {
                return Some(top.0.deadline);
            }
            heap.pop();
            self.cancelled.set(self.cancelled.get() - 1);
        }
        None
    }

    /// Whether no timer is set (cancelled ones do not count).
    ///
    /// Inlined: the run loop asks at the end of every pass, which with one task ready is
    /// every switch, and an empty heap (no cancelled entry either) answers at once.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.heap.borrow().is_empty() || self.holds_only_cancelled()
    }

    fn holds_only_cancelled(&self) -> bool {
        self.compact();
        self.heap.borrow().len() == self.cancelled.get()
    }

    /// Entries in the heap, cancelled ones included (what the queue holds in memory).
    pub(crate) fn len(&self) -> usize {
        self.heap.borrow().len()
    }

    /// Removes every timer; none fires.
    pub(crate) fn clear(&mut self) {
        for timer in self.heap.get_mut().drain() {
            timer.0.entry.queued.set(false);
        }
        self.cancelled.set(0);
    }

    /// Rebuilds the heap without its cancelled entries once they are the majority.
    fn compact(&self) {
        let cancelled = self.cancelled.get();
        if cancelled < COMPACT_MIN {
            return;
        }
        let Ok(mut heap) = self.heap.try_borrow_mut() else {
            return;
        };
        if cancelled * 2 > heap.len() {
            compact_cold(&mut heap);
            self.cancelled.set(0);
        }
    }
}

#[cold]
#[inline(never)]
fn compact_cold(heap: &mut BinaryHeap<Reverse<Timer>>) {
    heap.retain(|timer| timer.0.entry.queued.get());
    heap.shrink_to(heap.len() * 2);
}

impl Drop for TimerQueue {
    fn drop(&mut self) {
        self.clear();
    }
}
