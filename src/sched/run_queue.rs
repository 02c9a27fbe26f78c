//! The run queue of one scheduler thread: the tasks ready to be switched in, FIFO.
//!
//! Python: the `_ready` deque of asyncio's `BaseEventLoop` (PEP 3156), which `call_soon`
//! appends to and `_run_once` pops from.
//!
//! The queue belongs to one thread's `Local` and is touched only by that thread: its run
//! loop, and wakeups made on it (a wakeup from another thread goes through the owner's
//! inbox, `task::owner`). Every switch pops it once and every wakeup pushes it once, so it
//! is a `VecDeque` in an `UnsafeCell`, without the borrow flag a `RefCell` would test and
//! write on each of those calls. What makes that sound is that no call here can reach
//! another: see [`RunQueue::with`].

use std::cell::UnsafeCell;
use std::collections::VecDeque;

use crate::task::cell::TaskRef;

/// The tasks ready to run on one thread, first in, first out. `!Sync` (it holds an
/// `UnsafeCell`), so only the thread that owns it reaches it.
pub(crate) struct RunQueue {
    tasks: UnsafeCell<VecDeque<TaskRef>>,
}

impl RunQueue {
    pub(crate) fn new() -> Self {
        RunQueue {
            tasks: UnsafeCell::new(VecDeque::new()),
        }
    }

    /// Puts a task at the back: it runs after every task ready now.
    #[inline]
    pub(crate) fn push_back(&self, task: TaskRef) {
        self.with(|tasks| tasks.push_back(task));
    }

    /// Takes the task at the front, the one to run next.
    #[inline]
    pub(crate) fn pop_front(&self) -> Option<TaskRef> {
        self.with(VecDeque::pop_front)
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.with(|tasks| tasks.len())
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.with(|tasks| tasks.is_empty())
    }

    /// Puts `tasks` at the back, in order.
    pub(crate) fn append(&self, tasks: Vec<TaskRef>) {
        self.with(|queue| queue.extend(tasks));
    }

    /// Moves the task at the back to the front: a task just placed runs next.
    pub(crate) fn move_last_to_front(&self) {
        self.with(|tasks| {
            if let Some(last) = tasks.pop_back() {
                tasks.push_front(last);
            }
        });
    }

    /// Empties the queue and hands its tasks to the caller, who drops them: dropping a
    /// task's last reference may run its destructors, which may wake tasks, and so push
    /// here again.
    pub(crate) fn take_all(&self) -> VecDeque<TaskRef> {
        self.with(std::mem::take)
    }

    /// Runs `f` on the queue.
    ///
    /// Every `f` above only moves `TaskRef`s in or out of the `VecDeque` (or moves the whole
    /// deque out); none drops a task or calls code of the user's or of this crate, so none
    /// can call back into the queue while its `&mut` lives.
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce(&mut VecDeque<TaskRef>) -> R) -> R {
        // SAFETY: the queue is `!Sync`, so this runs on the thread that owns it, and `f`
        // (one of the closures above) cannot re-enter any method of this queue: so this is
        // the only reference to the deque while `f` runs. The deque's own code calls
        // nothing but the global allocator when it grows.
        f(unsafe { &mut *self.tasks.get() })
    }
}

#[cfg(test)]
mod tests {
    use super::RunQueue;

    #[test]
    fn an_empty_queue_pops_nothing() {
        let queue = RunQueue::new();
        assert!(queue.is_empty());
        assert_eq!(queue.len(), 0);
        assert!(queue.pop_front().is_none());
        queue.move_last_to_front(); // no task: nothing to move
        assert!(queue.take_all().is_empty());
    }
}
