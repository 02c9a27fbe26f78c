//! A value published once by one thread and taken once by another: the hand-over cell of
//! a task's end (its [`JoinError`](crate::task::JoinError)) and of the channel's parked
//! receivers (the message a sender hands to one).
//!
//! Its own state word orders the hand-over, so its API is safe, and the two `unsafe`
//! accesses of the value live here, each justified by the state it holds:
//!
//! | state     | who may touch the value                                   |
//! |-----------|-----------------------------------------------------------|
//! | `EMPTY`   | nobody; `publish` moves it to `WRITING` (compare-exchange) |
//! | `WRITING` | the publisher alone, which writes and stores `FULL` (release) |
//! | `FULL`    | nobody; `take` moves it to `TAKEN` (compare-exchange, acquire) |
//! | `TAKEN`   | the taker alone, once; the value is gone                  |
//!
//! Each transition is made by one thread and, for the two that give the value to a thread,
//! by a compare-exchange only one thread can win: a second `publish` or `take` fails
//! instead of racing. Its atomics and cell come from [`crate::loom`], so the loom models
//! of the task state and of the channel run this code.

use crate::loom::{AtomicU32, Ordering, UnsafeCell};

/// No value yet.
const EMPTY: u32 = 0;
/// The publisher is writing the value.
const WRITING: u32 = 1;
/// The value is published and not taken.
const FULL: u32 = 2;
/// The value was taken.
const TAKEN: u32 = 3;

/// A slot for one value, published once and taken once, from any threads (see the module
/// docs).
pub(crate) struct PublishOnce<T> {
    state: AtomicU32,
    value: UnsafeCell<Option<T>>,
}

// SAFETY: the value is reached by one thread at a time, the one the state word gives it
// to (module docs), and moves between threads, which `T: Send` allows.
unsafe impl<T: Send> Sync for PublishOnce<T> {}

impl<T> PublishOnce<T> {
    /// An empty slot.
    pub(crate) fn new() -> Self {
        PublishOnce {
            state: AtomicU32::new(EMPTY),
            value: UnsafeCell::new(None),
        }
    }

    /// Publishes `value`, or gives it back if a value was published before (taken or not).
    #[inline]
    pub(crate) fn publish(&self, value: T) -> Result<(), T> {
        if self
            .state
            .compare_exchange(EMPTY, WRITING, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Err(value);
        }
        // SAFETY: `WRITING` is this thread's (its compare-exchange won): nobody else reaches
        // the value until the release store of `FULL` below.
        self.value.with_mut(|slot| unsafe { *slot = Some(value) });
        self.state.store(FULL, Ordering::Release);
        Ok(())
    }

    /// Whether a value is published and not taken yet.
    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.state.load(Ordering::Acquire) == FULL
    }

    /// Takes the published value; `None` if none is published or it was taken.
    #[inline]
    pub(crate) fn take(&self) -> Option<T> {
        // A load first: a task's end mostly publishes no error, and a failed
        // compare-exchange costs as much as one that succeeds.
        if self.state.load(Ordering::Relaxed) != FULL {
            return None;
        }
        if self
            .state
            .compare_exchange(FULL, TAKEN, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return None;
        }
        // SAFETY: `TAKEN` is this thread's (its compare-exchange won), and that acquire read
        // the publisher's release store of `FULL`: the value is written, and nobody else
        // reaches it again.
        self.value.with_mut(|slot| unsafe { (*slot).take() })
    }
}

#[cfg(all(test, not(yieldpoint_loom)))]
mod tests {
    use std::sync::Arc;

    use super::PublishOnce;

    #[test]
    fn a_value_is_published_once_and_taken_once() {
        let slot = PublishOnce::new();
        assert!(!slot.is_full());
        assert_eq!(slot.take(), None, "nothing published");
        assert_eq!(slot.publish(1), Ok(()));
        assert!(slot.is_full());
        assert_eq!(slot.publish(2), Err(2), "a second value is given back");
        assert_eq!(slot.take(), Some(1));
        assert!(!slot.is_full());
        assert_eq!(slot.take(), None, "taken once");
        assert_eq!(slot.publish(3), Err(3), "still once");
    }

    #[test]
    fn a_value_left_in_the_slot_is_dropped_with_it() {
        let value = Arc::new(());
        let slot = PublishOnce::new();
        slot.publish(value.clone()).unwrap();
        drop(slot);
        assert_eq!(Arc::strong_count(&value), 1);
    }

    #[test]
    fn the_value_crosses_threads() {
        let slot = Arc::new(PublishOnce::new());
        let publisher = {
            let slot = slot.clone();
            std::thread::spawn(move || slot.publish(vec![1, 2, 3]).unwrap())
        };
        let taken = loop {
            if let Some(value) = slot.take() {
                break value;
            }
            std::hint::spin_loop();
        };
        publisher.join().unwrap();
        assert_eq!(taken, [1, 2, 3]);
    }
}
