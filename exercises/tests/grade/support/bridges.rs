//! What the graders of Part V's bridges share: a waker that counts its wakes, one poll of a
//! future with it, and a bound on how long a run may take, so that an await that blocks
//! the scheduler's OS thread fails instead of hanging (nothing asserts how fast anything is).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// How long a run may take before the grader calls it stuck.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A waker that counts how many times it was woken.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

impl CountingWaker {
    /// A fresh counter and the `Waker` that counts into it.
    pub fn new() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    /// The wakes so far.
    pub fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `future` once with `waker`.
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Runs `run` on a thread of its own (grading exercise `id` there too) and returns what it
/// returns; fails with `stuck` if it has not returned after [`PATIENCE`]. A panic in `run`
/// fails here, with its message.
#[track_caller]
pub fn within<R: Send + 'static>(
    id: &'static str,
    stuck: &str,
    run: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("grading {id}"))
        .spawn(move || {
            super::grading(id);
            let outcome = super::quietly(run);
            let _ = tx.send(outcome);
        })
        .expect("start a thread");
    match rx.recv_timeout(PATIENCE) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic!(
            "{}",
            super::panic_message(&*payload).unwrap_or("the run panicked")
        ),
        Err(_) => panic!("{stuck} (nothing happened for {PATIENCE:?})"),
    }
}

/// Runs `future` to its end on this thread, polling it again only after its waker was
/// woken (a minimal executor: `futures::executor::block_on` with counters). Returns its
/// output, how many times it was polled and how many times its waker was woken.
pub fn drive<F: Future>(future: F) -> (F::Output, usize, usize) {
    let mut future = std::pin::pin!(future);
    let (counter, waker) = CountingWaker::new();
    let mut polls = 0;
    loop {
        let seen = counter.wakes();
        polls += 1;
        if let Poll::Ready(output) = poll_once(future.as_mut(), &waker) {
            return (output, polls, counter.wakes());
        }
        while counter.wakes() == seen {
            std::thread::yield_now();
        }
    }
}
