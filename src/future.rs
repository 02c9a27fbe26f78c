//! Green threads awaiting Rust futures.
//!
//! Python: `await` on a future inside a coroutine (PEP 492). A green thread has its own
//! stack, so it can wait for a future without being `async` itself: [`block_on`] polls the
//! future and parks the green thread (not the OS thread) until the future's waker fires.
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//!
//! let answer = RoundRobin::new().block_on(|| yieldpoint::future::block_on(async { 40 + 2 }));
//! assert_eq!(answer, 42);
//! ```
//!
//! Book: Part V, "Native coroutines: async/await and Rust futures" (coming).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::sync::wait_list::{park_current, Waiter};
use crate::task::WaitReason;

/// Runs `future` to completion on the current green thread (parking only it while the
/// future is pending), or on the current OS thread outside a scheduler.
///
/// Python: `await future` inside a coroutine (PEP 492).
///
/// # Panics
///
/// If the future panics. If the task is cancelled while waiting, the cancel unwinds from
/// here and the future is dropped.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let (tx, rx) = tokio::sync::oneshot::channel();
///     let sender = yieldpoint::spawn(move || tx.send(42).unwrap());
///     // Parks this green thread; `sender` runs meanwhile and completes the future.
///     assert_eq!(yieldpoint::future::block_on(rx), Ok(42));
///     sender.join().unwrap();
/// });
/// assert_eq!(yieldpoint::future::block_on(async { 1 + 1 }), 2); // outside: the OS thread waits
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    block_on_as(WaitReason::Future, future)
}

/// [`block_on`], reporting `reason` in task snapshots while parked.
pub(crate) fn block_on_as<F: Future>(reason: WaitReason, future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(WakeWaiter(Waiter::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        park_current(reason);
    }
}

/// A `Waker` that unparks a green thread or an OS thread.
struct WakeWaiter(Waiter);

impl Wake for WakeWaiter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.wake_ref();
    }
}
