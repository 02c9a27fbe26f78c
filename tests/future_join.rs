//! Async code awaits green threads: `JoinHandle<T>` is a `Future<Output = Result<T,
//! JoinError>>`, polled by tokio (current-thread and multi-thread), `futures::executor` and
//! yieldpoint's own `future::await_`.
//!
//! Python: `await task` (PEP 492); `asyncio.wrap_future` for a task on another thread.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use support::sched_matrix::{within, LIMIT};
use support::sync_drop_counter::DropCounter;
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::sync::Event;
use yieldpoint::{JoinError, JoinHandle};

/// A work queue of one worker: its tasks run on another OS thread than the test's.
fn worker() -> WorkQueue {
    WorkQueue::builder().workers(1).build()
}

/// The three outcomes of a task, awaited by `executor`: a value, a panic, a cancel.
fn value_panic_cancel(executor: impl Fn(Pin<Box<dyn Future<Output = ()>>>)) {
    let rt = worker();
    let ok = rt.spawn(|| {
        yieldpoint::yield_now();
        6 * 7
    });
    executor(Box::pin(async move { assert_eq!(ok.await.unwrap(), 42) }));

    let boom: JoinHandle<u32> = rt.spawn(|| {
        yieldpoint::yield_now();
        panic!("boom")
    });
    executor(Box::pin(async move {
        let error = boom.await.unwrap_err();
        assert!(error.is_panic(), "{error}");
        assert_eq!(*error.into_panic().downcast::<&str>().unwrap(), "boom");
    }));

    let gate = Arc::new(Event::new());
    let waits = gate.clone();
    let forever = rt.spawn(move || waits.wait());
    forever.cancel(); // before it starts or while it waits: cancelled either way
    executor(Box::pin(async move {
        assert!(forever.await.unwrap_err().is_cancelled());
    }));
}

/// Python: `await task` from an asyncio loop, here tokio's current-thread runtime.
#[test]
fn join_handle_awaited_from_tokio_current_thread() {
    within(LIMIT, || {
        let tokio = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        value_panic_cancel(|fut| tokio.block_on(fut));
    });
}

/// The same from tokio's multi-thread runtime: the task is awaited from inside a tokio task.
#[test]
fn join_handle_awaited_from_tokio_multi_thread() {
    within(LIMIT, || {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let rt = worker();
        let tasks: Vec<JoinHandle<u64>> = (0..20u64)
            .map(|i| {
                rt.spawn(move || {
                    yieldpoint::yield_now();
                    i * i
                })
            })
            .collect();
        let total = tokio.block_on(async move {
            let awaits = tasks.into_iter().map(|task| tokio::spawn(task));
            let mut total = 0;
            for joined in awaits {
                total += joined.await.unwrap().unwrap();
            }
            total
        });
        assert_eq!(total, (0..20u64).map(|i| i * i).sum::<u64>());
        // The three outcomes, each awaited inside a tokio task on a tokio worker.
        value_panic_cancel(|fut| {
            tokio.block_on(async move {
                let local = tokio::task::LocalSet::new();
                local.run_until(fut).await;
            })
        });
    });
}

#[test]
fn join_handle_awaited_from_futures_executor() {
    within(LIMIT, || value_panic_cancel(futures::executor::block_on));
}

/// yieldpoint's own: a green thread of one scheduler awaits a task of another (on another
/// thread) through `future::await_`.
#[test]
fn join_handle_awaited_from_a_green_thread() {
    within(LIMIT, || {
        let other = worker();
        value_panic_cancel(|fut| {
            RoundRobin::new().block_on(move || yieldpoint::future::await_(fut))
        });
        let task = other.spawn(|| "from the other scheduler");
        let got = RoundRobin::new().block_on(move || yieldpoint::future::await_(task));
        assert_eq!(got.unwrap(), "from the other scheduler");
    });
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

/// Polls `future` once with `waker`.
fn poll_with<F: Future + Unpin>(future: &mut F, waker: &Arc<CountingWaker>) -> Poll<F::Output> {
    let waker = Waker::from(waker.clone());
    Pin::new(future).poll(&mut Context::from_waker(&waker))
}

/// A task of one worker that ends when `gate` is set, and its handle.
fn gated_task(rt: &WorkQueue, gate: &Arc<Event>) -> JoinHandle<&'static str> {
    let waits = gate.clone();
    rt.spawn(move || {
        waits.wait();
        "done"
    })
}

/// Spins until `waker` was woken `n` times (the wake comes from the worker thread).
fn wait_for_wakes(waker: &CountingWaker, n: usize) {
    while waker.wakes() < n {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A future that counts its polls.
struct CountPolls<F> {
    inner: F,
    polls: Arc<AtomicUsize>,
    after_first_poll: Option<Box<dyn FnOnce() + Send>>,
}

impl<F: Future + Unpin> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        let poll = Pin::new(&mut self.inner).poll(cx);
        if let Some(then) = self.after_first_poll.take() {
            then();
        }
        poll
    }
}

/// A task that ends after the first poll wakes its awaiter once: two polls in all.
#[test]
fn join_handle_polled_at_most_twice_when_the_task_ends_after_the_first_poll() {
    within(LIMIT, || {
        for executor in 0..2 {
            let rt = worker();
            let gate = Arc::new(Event::new());
            let task = gated_task(&rt, &gate);
            let polls = Arc::new(AtomicUsize::new(0));
            let opener = gate.clone();
            let counted = CountPolls {
                inner: task,
                polls: polls.clone(),
                after_first_poll: Some(Box::new(move || opener.set())),
            };
            let result = if executor == 0 {
                futures::executor::block_on(counted)
            } else {
                let tokio = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                tokio.block_on(counted)
            };
            assert_eq!(result.unwrap(), "done");
            assert_eq!(polls.load(Ordering::SeqCst), 2, "executor {executor}");
        }
    });
}

/// A poll with a new waker replaces the waker of the poll before: only the last is woken,
/// once, after the result is there.
#[test]
fn join_handle_wakes_the_last_waker_once() {
    within(LIMIT, || {
        let rt = worker();
        let gate = Arc::new(Event::new());
        let mut task = gated_task(&rt, &gate);
        let (first, second) = (
            Arc::new(CountingWaker::default()),
            Arc::new(CountingWaker::default()),
        );
        assert!(poll_with(&mut task, &first).is_pending());
        assert!(poll_with(&mut task, &second).is_pending());
        assert!(poll_with(&mut task, &second).is_pending()); // the same waker again
        gate.set(); // the task ends on the worker thread, which wakes `second`
        wait_for_wakes(&second, 1);
        assert!(task.is_finished());
        assert_eq!(
            poll_with(&mut task, &second).map(Result::unwrap),
            Poll::Ready("done")
        );
        std::thread::sleep(Duration::from_millis(20)); // room for a wrong second wake
        assert_eq!((first.wakes(), second.wakes()), (0, 1));
    });
}

/// Polled again after it returned `Ready`: a clear panic, not a made-up result.
#[test]
fn join_handle_polled_after_ready_panics() {
    within(LIMIT, || {
        let rt = worker();
        let mut task = rt.spawn(|| 1);
        let waker = Arc::new(CountingWaker::default());
        assert_eq!(futures::executor::block_on(&mut task).unwrap(), 1);
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = poll_with(&mut task, &waker);
        }));
        let message = *again.unwrap_err().downcast::<String>().unwrap();
        assert!(
            message.contains("must not be polled or joined again"),
            "{message}"
        );
    });
}

/// Dropping the future after a poll detaches the task: it runs on to its end, its value
/// is dropped once, and the dropped future's waker is not woken.
#[test]
fn dropping_the_polled_future_detaches_the_task() {
    within(LIMIT, || {
        let rt = worker();
        let gate = Arc::new(Event::new());
        let values = DropCounter::new();
        let value = values.token();
        let waits = gate.clone();
        let ended = Arc::new(Event::new());
        let ends = ended.clone();
        let mut task = rt.spawn(move || {
            waits.wait();
            ends.set();
            value
        });
        let waker = Arc::new(CountingWaker::default());
        assert!(poll_with(&mut task, &waker).is_pending());
        drop(task);
        gate.set();
        ended.wait();
        drop(rt); // every task has ended; the value was dropped by the worker
        assert_eq!(values.dropped(), 1);
        assert_eq!(waker.wakes(), 0);
    });
}

/// A task still waiting when its scheduler is dropped ends cancelled: the future awaiting
/// it is woken and reports the cancel.
#[test]
fn join_handle_of_a_task_dropped_with_its_scheduler_reports_the_cancel() {
    within(LIMIT, || {
        let rt = worker();
        let gate = Arc::new(Event::new());
        let mut task = gated_task(&rt, &gate);
        let waker = Arc::new(CountingWaker::default());
        assert!(poll_with(&mut task, &waker).is_pending());
        drop(rt);
        assert_eq!(waker.wakes(), 1);
        let error: JoinError = match poll_with(&mut task, &waker) {
            Poll::Ready(result) => result.unwrap_err(),
            Poll::Pending => panic!("the task ended with its scheduler"),
        };
        assert!(error.is_cancelled(), "{error}");
    });
}

/// A future that keeps the waker of its last poll where the test can wake it later, and is
/// ready once `ready` is set.
#[derive(Clone, Default)]
struct KeptWaker {
    waker: Arc<Mutex<Option<Waker>>>,
    ready: Arc<std::sync::atomic::AtomicBool>,
}

impl KeptWaker {
    /// Wakes the waker of the last poll (which must have come), long after it.
    fn wake_later(&self) {
        let waker = self.waker.lock().unwrap().take();
        waker.expect("the task polled").wake();
    }
}

impl Future for KeptWaker {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.ready.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A green thread parked in `await_` on `kept`, on a round-robin scheduler that is then
/// returned (the task stays parked).
fn parked_on(kept: &KeptWaker) -> (RoundRobin, JoinHandle<()>) {
    let rt = RoundRobin::new();
    let future = kept.clone();
    let task = rt.block_on(move || {
        let task = yieldpoint::spawn(move || yieldpoint::future::await_(future));
        yieldpoint::yield_now(); // FIFO: the task runs, polls and parks
        task
    });
    (rt, task)
}

/// A green thread's waker woken after its task ended and its scheduler was dropped does
/// nothing, on both schedulers.
#[test]
fn waking_a_green_thread_after_its_scheduler_was_dropped_does_nothing() {
    within(LIMIT, || {
        let kept = KeptWaker::default();
        let (rt, task) = parked_on(&kept);
        drop(rt); // cancels the task, which unwinds from its park
        assert!(task.join().unwrap_err().is_cancelled());
        kept.wake_later();

        let kept = KeptWaker::default();
        let future = kept.clone();
        let rt = worker();
        let task = rt.spawn(move || yieldpoint::future::await_(future));
        while kept.waker.lock().unwrap().is_none() {
            std::thread::yield_now(); // until the task polled
        }
        drop(rt);
        assert!(task.join().unwrap_err().is_cancelled());
        kept.wake_later();
    });
}

/// Counts live heap allocations, to find a leak.
struct CountingAlloc;

static LIVE_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the counter is atomic.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        LIVE_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract is `GlobalAlloc::alloc`'s, passed on.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        LIVE_ALLOCATIONS.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above, which is the system allocator's.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// A scheduler dropped inside a green thread of another closes its tasks where they are
/// parked; a waker of one of them woken later must not queue the ended task on the dead
/// scheduler (that reference would keep the task and the scheduler's inbox alive for good,
/// a cycle). Runs in a child process, alone, so that no other test allocates meanwhile:
/// after a few rounds to warm the caches, more rounds leave no more live allocations.
#[test]
fn waking_a_task_closed_while_parked_keeps_nothing_alive() {
    const NAME: &str = "waking_a_task_closed_while_parked_keeps_nothing_alive";
    if !support::child_process::in_child() {
        let output = support::child_process::run_child(NAME);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("1 passed"));
        return;
    }
    let outer = RoundRobin::new();
    let round = || {
        let kept = KeptWaker::default();
        let (inner, task) = parked_on(&kept);
        // Dropped inside a green thread, the inner scheduler cannot run its tasks: it
        // closes them at once, the parked one included.
        outer.block_on(move || drop(inner));
        assert!(task.join().unwrap_err().is_cancelled());
        kept.wake_later();
    };
    for _ in 0..5 {
        round();
    }
    // A leak grows the count in every window of rounds. Another thread's allocation, made
    // once at a time of its own, grows it in one window at most: the child has libtest's
    // main thread besides this one, which goes on with its own bookkeeping after starting
    // the test (with a single window, "2 allocations more" failed about once in 50 runs,
    // here and in CI).
    let mut grown = Vec::new();
    for _ in 0..3 {
        let before = LIVE_ALLOCATIONS.load(Ordering::SeqCst);
        for _ in 0..20 {
            round();
        }
        let after = LIVE_ALLOCATIONS.load(Ordering::SeqCst);
        if after <= before {
            return;
        }
        grown.push(after - before);
    }
    panic!("live allocations grew in each of 3 windows of 20 rounds, by {grown:?}");
}
