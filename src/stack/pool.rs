//! A per-thread pool of finished coroutines' stacks, reused by the next coroutine.
//!
//! Per thread because coroutines never leave the thread that created them, so a stack is
//! returned where it is likely to be taken again, without locks. The pool keeps at most
//! [`MAX_POOLED`] stacks per thread; beyond that, stacks are unmapped.

use std::cell::RefCell;

use super::{usable_size, PooledStack};

/// Most stacks one thread keeps for reuse.
const MAX_POOLED: usize = 256;

thread_local! {
    /// Free stacks, newest last (most likely still in cache). Sizes may differ.
    static FREE: RefCell<Vec<PooledStack>> = const { RefCell::new(Vec::new()) };
}

/// Takes a free stack with exactly `size` usable bytes, if this thread has one.
pub(super) fn take(size: usize) -> Option<PooledStack> {
    FREE.try_with(|free| {
        let mut free = free.borrow_mut();
        let index = free.iter().rposition(|s| usable_size(s) == size)?;
        Some(free.swap_remove(index))
    })
    .ok()
    .flatten()
}

/// Returns a finished coroutine's stack to this thread's pool, or unmaps it when the
/// pool is full or the thread is exiting.
pub(crate) fn release(stack: PooledStack) {
    let _ = FREE.try_with(|free| {
        let mut free = free.borrow_mut();
        if free.len() < MAX_POOLED {
            free.push(stack);
        }
    });
}
