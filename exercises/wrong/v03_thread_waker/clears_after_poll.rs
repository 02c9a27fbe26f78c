//! Known-wrong solution of exercise V.3 (cheat class: a lost wake-up, the flag reset after the poll).
//!
//! `block_on` clears `woken` after each poll, then waits for it: a wake-up that came during
//! the poll (a future that wakes itself) is wiped out, and the thread parks for good.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// The waker of [`block_on`]: it records the wake-up, then unparks the blocked thread.
pub struct ThreadWaker {
    /// The thread that runs `block_on`.
    thread: Thread,
    /// Set by a wake-up, cleared by `block_on` when it takes the wake-up to poll again.
    woken: AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // The flag first: the unparked thread must find it set.
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on the calling thread and returns its output; the thread
/// sleeps while the future is pending. Python: `asyncio.run(main())`.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let state = Arc::new(ThreadWaker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(state.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // A wake-up during the poll left the flag set: take it and poll again. Otherwise
        // park until one comes; `park` may return spuriously, so check the flag again.
        state.woken.store(false, Ordering::SeqCst);
        while !state.woken.load(Ordering::SeqCst) {
            thread::park();
        }
    }
}
