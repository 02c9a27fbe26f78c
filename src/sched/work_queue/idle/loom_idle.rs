//! Loom model of the idle-worker protocol (`idle.rs`): a worker that runs out of work
//! searches, registers as parked and parks, while another thread pushes work and calls
//! `wake_one`.
//! Every interleaving must end with all the work taken by some worker: a worker finds it
//! (before or after registering) or is woken for it. A lost wakeup leaves work behind with
//! every worker parked, and the pusher, which waits for the work to be taken, parked too:
//! loom reports the deadlock.
//!
//! As in the scheduler, a worker that found work goes on looking for more before it parks
//! again, and workers stop only at shutdown (a flag, then every parked worker woken, as
//! `WorkQueue::drop` does).
//!
//! One worker only: with two, loom 0.7's mock `Thread::unpark` lets a worker that is
//! blocked on the `parked` lock run (its assertion "expected to be able to acquire lock"
//! fires inside loom), so two workers are covered by the stress tests instead
//! (tests/work_queue.rs, tests/stress_green.rs). Taking out the re-check of `has_work`
//! after a worker registers makes this model report the lost wakeup as a deadlock.
//!
//! Run: `RUSTFLAGS="--cfg yieldpoint_loom" cargo test --release --lib loom_` (`.ci/run`).

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use super::{Sleeper, Sleepers};

/// The model's workers sleep as loom threads (the scheduler's sleep in their reactors).
impl Sleeper for thread::Thread {
    fn sleep(&self, _deadline: Option<std::time::Instant>, _has_work: &impl Fn() -> bool) {
        thread::park();
    }

    fn wake(&self) {
        self.unpark();
    }

    fn is(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

struct Pool {
    sleepers: Sleepers<thread::Thread>,
    /// Units of work in the queues (the deques and the injector).
    work: AtomicUsize,
    taken: AtomicUsize,
    /// How many units the pusher waits for; the worker that takes the last unparks it.
    want: usize,
    pusher: thread::Thread,
    shutdown: AtomicBool,
}

impl Pool {
    fn new(want: usize) -> Arc<Pool> {
        Arc::new(Pool {
            sleepers: Sleepers::default(),
            work: AtomicUsize::new(0),
            taken: AtomicUsize::new(0),
            want,
            pusher: thread::current(),
            shutdown: AtomicBool::new(false),
        })
    }

    /// A push to a deque and its `wake_one` (`WorkerQueues::push`).
    fn push(&self) {
        self.work.fetch_add(1, Ordering::SeqCst);
        self.sleepers.wake_one();
    }

    /// The worker loop (`worker::run`): take work while there is some, else park.
    fn worker(&self) {
        loop {
            let popped = self
                .work
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            if popped.is_ok() {
                if self.taken.fetch_add(1, Ordering::SeqCst) + 1 == self.want {
                    self.pusher.unpark();
                }
                continue;
            }
            if self.shutdown.load(Ordering::SeqCst) {
                return;
            }
            let has_work =
                || self.work.load(Ordering::SeqCst) > 0 || self.shutdown.load(Ordering::SeqCst);
            let spin = std::cell::Cell::new(true);
            self.sleepers
                .park(&thread::current(), &spin, has_work, None);
        }
    }

    /// Waits until every unit was taken, then shuts the workers down (`WorkQueue::drop`:
    /// the flag, then every parked worker woken) and joins them.
    fn finish(&self, workers: Vec<thread::JoinHandle<()>>) {
        while self.taken.load(Ordering::SeqCst) < self.want {
            thread::park();
        }
        self.shutdown.store(true, Ordering::SeqCst);
        self.sleepers.wake_all();
        for worker in workers {
            worker.join().unwrap();
        }
    }
}

#[test]
fn loom_idle_work_pushed_while_a_worker_parks_is_taken() {
    loom::model(|| {
        let pool = Pool::new(1);
        let worker = {
            let pool = pool.clone();
            thread::spawn(move || pool.worker())
        };
        pool.push();
        pool.finish(vec![worker]);
    });
}
