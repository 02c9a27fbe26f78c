//! Part V, chapters 5 to 7: the bridges between green threads and futures, and
//! cancellation in both worlds. Compiled and run by `tests/book_listings.rs`.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures::StreamExt;
use yieldpoint::future::await_;
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::sync::{channel, Event};
use yieldpoint::{AsyncGenerator, Coroutine, CoroutineState, Exception};

type Log = Rc<RefCell<Vec<String>>>;

fn push(log: &Log, entry: impl Into<String>) {
    log.borrow_mut().push(entry.into());
}

// ANCHOR: green_awaits
/// A plain function, not `async`: it awaits a future in the middle of its work.
fn price_of(item: &str, prices: tokio::sync::oneshot::Receiver<u32>, log: &Log) -> u32 {
    push(log, format!("asks for the price of {item}"));
    let price = await_(prices).expect("the pricer answers"); // parks this green thread only
    push(log, format!("got {price}"));
    price
}

#[test]
fn a_green_thread_awaits_a_future_and_the_others_run() {
    let log: Log = Rc::default();
    let rt = RoundRobin::new();
    let (answer, prices) = tokio::sync::oneshot::channel();
    let l = log.clone();
    let buyer = rt.spawn(move || price_of("tea", prices, &l));
    let l = log.clone();
    rt.spawn(move || {
        for turn in 1..=2 {
            push(&l, format!("pricer, turn {turn}"));
            yieldpoint::yield_now();
        }
        answer.send(3).unwrap(); // wakes the buyer: its waker unparks it
    });
    rt.run();
    assert_eq!(buyer.join().unwrap(), 3);
    assert_eq!(
        *log.borrow(),
        [
            "asks for the price of tea",
            "pricer, turn 1",
            "pricer, turn 2",
            "got 3"
        ]
    );
}
// ANCHOR_END: green_awaits

// ANCHOR: await_outside
#[test]
fn outside_a_scheduler_await_blocks_the_os_thread() {
    // No green thread here: `await_` waits as `futures::executor::block_on` does.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || tx.send("from another thread").unwrap());
    assert_eq!(await_(rx), Ok("from another thread"));
}
// ANCHOR_END: await_outside

// ANCHOR: async_awaits_green
/// A waker that counts its wakes.
#[derive(Default)]
struct CountWakes(std::sync::atomic::AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn async_code_awaits_a_green_thread() {
    let pool = WorkQueue::builder().workers(1).build();
    let go = Arc::new(Event::new());
    let g = go.clone();
    let mut task = pool.spawn(move || {
        g.wait(); // the green thread waits for the test's signal
        6 * 7
    });
    let counter = Arc::new(CountWakes::default());
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    // The first poll returns at once: the task is not done, the executor is not blocked.
    assert!(Pin::new(&mut task).poll(&mut cx).is_pending());
    go.set();
    while counter.0.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        std::thread::yield_now(); // the task ends on its worker and wakes us, once
    }
    assert!(matches!(
        Pin::new(&mut task).poll(&mut cx),
        Poll::Ready(Ok(42))
    ));

    // A panic or a cancel arrives as a `JoinError`, as `await task` raises in asyncio.
    let boom = pool.spawn(|| -> u32 { panic!("boom") });
    let err = futures::executor::block_on(boom).unwrap_err();
    assert!(err.is_panic());
    let payload = err.try_into_panic().unwrap();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
}
// ANCHOR_END: async_awaits_green

// ANCHOR: sync_from_async
#[test]
fn green_threads_and_async_code_share_a_channel_and_an_event() {
    let pool = WorkQueue::builder().workers(2).build();
    let (tx, rx) = channel::bounded(2);
    let done = Arc::new(Event::new());
    let d = done.clone();
    pool.spawn(move || {
        for n in 1..=5u32 {
            tx.send(n * n).unwrap(); // parks the green thread while the channel is full
        }
        d.set();
    });
    let total = futures::executor::block_on(async {
        // The stream ends when the sender is dropped, at the green thread's end.
        let total = rx
            .into_stream()
            .fold(0, |sum, n| async move { sum + n })
            .await;
        done.wait_async().await; // async code waits for a green thread's event
        total
    });
    assert_eq!(total, 1 + 4 + 9 + 16 + 25);
}
// ANCHOR_END: sync_from_async

// ANCHOR: async_generator
/// Logs "closed" when dropped: the async generator's `finally`.
struct Closed(Log);

impl Drop for Closed {
    fn drop(&mut self) {
        push(&self.0, "closed");
    }
}

/// Python: `async def ticks(n): try: for i in range(n): await sleep(0); yield i
/// finally: log("closed")`.
fn ticks(n: u32, log: Log) -> AsyncGenerator<u32> {
    AsyncGenerator::new(move |co| {
        let _closed = Closed(log.clone());
        for i in 0..n {
            co.await_(tokio::task::yield_now()); // any future: Pending once, then ready
            push(&log, format!("yield {i}"));
            co.yield_(i);
        }
    })
}

#[test]
fn an_async_generator_is_a_stream() {
    let log: Log = Rc::default();
    let all: Vec<u32> = futures::executor::block_on(ticks(3, log.clone()).collect());
    assert_eq!(all, [0, 1, 2]);
    assert_eq!(*log.borrow(), ["yield 0", "yield 1", "yield 2", "closed"]);

    // Dropped after two items: the body is closed where it waits (Python's `aclose()`).
    let log: Log = Rc::default();
    let first_two: Vec<u32> = futures::executor::block_on(ticks(10, log.clone()).take(2).collect());
    assert_eq!(first_two, [0, 1]);
    assert_eq!(*log.borrow(), ["yield 0", "yield 1", "closed"]);
}
// ANCHOR_END: async_generator

// ANCHOR: drop_cancels
/// Logs "release NAME" when dropped.
struct Release(Log, &'static str);

impl Drop for Release {
    fn drop(&mut self) {
        push(&self.0, format!("release {}", self.1));
    }
}

async fn transfer(log: Log, network: impl Future<Output = ()>) {
    let _lock = Release(log.clone(), "lock");
    push(&log, "debit");
    network.await; // a cancel can only happen here
    push(&log, "credit");
}

#[test]
fn dropping_a_future_is_its_cancel() {
    let log: Log = Rc::default();
    let mut job = Box::pin(transfer(log.clone(), std::future::pending::<()>()));
    let waker = Waker::from(Arc::new(CountWakes::default()));
    assert!(job
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(job); // the cancel: no code of `transfer` runs again
    assert_eq!(*log.borrow(), ["debit", "release lock"]);
}
// ANCHOR_END: drop_cancels

// ANCHOR: throw_cancels
#[test]
fn throwing_the_cancel_lets_the_body_answer() {
    let log: Log = Rc::default();
    let l = log.clone();
    let mut job: Coroutine<(), &str, &str, Exception> = Coroutine::new(move |co, ()| {
        let _lock = Release(l.clone(), "lock");
        push(&l, "debit");
        match co.try_yield("waiting for the network") {
            Ok(()) => {
                push(&l, "credit");
                "done"
            }
            Err(cancel) => {
                // Python: except CancelledError: the body still runs, and may yield.
                push(&l, format!("caught {cancel}"));
                co.yield_("refunding"); // a cleanup that waits
                push(&l, "refund");
                "cancelled"
            }
        }
    });
    assert_eq!(
        job.send(()),
        CoroutineState::Yielded("waiting for the network")
    );
    let answer = job.throw(Exception::from("CancelledError")).unwrap();
    assert_eq!(answer, CoroutineState::Yielded("refunding")); // cleanup that waits
    assert_eq!(job.send(()), CoroutineState::Complete("cancelled"));
    assert_eq!(
        *log.borrow(),
        ["debit", "caught CancelledError", "refund", "release lock"]
    );
}
// ANCHOR_END: throw_cancels

// ANCHOR: task_group
/// A nursery (trio) or a `TaskGroup` (asyncio, Python 3.11) for green threads: runs every
/// child, and returns only once all have ended; the first child that fails cancels the
/// others, and its error is the group's.
fn task_group<T: 'static>(
    children: Vec<Box<dyn FnOnce() -> T>>,
) -> Result<Vec<T>, yieldpoint::JoinError> {
    /// Reports a child's end, and whether it ended by unwinding (a panic or a cancel).
    struct Ended(channel::Sender<(usize, bool)>, usize);
    impl Drop for Ended {
        fn drop(&mut self) {
            let _ = self.0.send((self.1, std::thread::panicking()));
        }
    }
    let (ended, endings) = channel::unbounded();
    let handles: Vec<_> = (0..)
        .zip(children)
        .map(|(i, child)| {
            let ended = Ended(ended.clone(), i);
            yieldpoint::spawn_local(move || {
                let _ended = ended;
                child()
            })
        })
        .collect();
    let mut cancelling = false;
    for _ in 0..handles.len() {
        let (_, failed) = endings.recv().expect("each child reports its end");
        if failed && !cancelling {
            cancelling = true;
            handles.iter().for_each(|h| h.cancel()); // a finished child ignores it
        }
    }
    let (mut values, mut failure, mut cancel) = (Vec::new(), None, None);
    for handle in handles {
        match handle.join() {
            Ok(value) => values.push(value),
            Err(error) if error.is_cancelled() => {
                cancel.get_or_insert(error);
            }
            Err(error) => {
                failure.get_or_insert(error);
            }
        }
    }
    // The failure is the group's error, not the cancels it caused.
    match failure.or(cancel) {
        None => Ok(values),
        Some(error) => Err(error),
    }
}

#[test]
fn a_failing_child_cancels_its_siblings() {
    let log: Log = Rc::default();
    let l = log.clone();
    let outcome = RoundRobin::new().block_on(move || {
        let l0 = l.clone();
        let children: Vec<Box<dyn FnOnce() -> u32>> = vec![
            Box::new(move || {
                let _guard = Release(l0, "slow child");
                yieldpoint::sleep(std::time::Duration::from_secs(3600));
                0
            }),
            Box::new(|| {
                yieldpoint::yield_now();
                panic!("child 1 failed")
            }),
            Box::new(|| 2),
        ];
        task_group(children)
    });
    let error = outcome.unwrap_err();
    assert!(
        error.is_panic(),
        "the group's error is the failure: {error}"
    );
    assert_eq!(*log.borrow(), ["release slow child"]); // cancelled, its cleanup ran

    let all = RoundRobin::new().block_on(|| {
        let children: Vec<Box<dyn FnOnce() -> u32>> =
            vec![Box::new(|| 1), Box::new(|| 2), Box::new(|| 3)];
        task_group(children)
    });
    assert_eq!(all.unwrap(), [1, 2, 3]);
}
// ANCHOR_END: task_group

/// The Python originals the chapters include from `book/python/part5_bridge_*.py`, run
/// with python3 when it is installed: each prints what the comments in the book say it
/// prints.
#[test]
fn python_originals_print_what_the_book_says() {
    use crate::{python_original as run, stdout_of as stdout};
    let Some(threads) = run("part5_bridge_threads.py") else {
        println!("skipped: python3 is not installed");
        return;
    };
    assert_eq!(stdout(threads), "deep_work: 5050\nworker: 3\n");
    let generator = run("part5_bridge_async_gen.py").unwrap();
    assert_eq!(
        stdout(generator),
        "[0, 1, 2] ['yield 0', 'yield 1', 'yield 2', 'closed']\n\
         [0, 1] ['yield 0', 'yield 1', 'closed']\n"
    );
    let cancel = run("part5_bridge_cancel.py").unwrap();
    assert_eq!(
        stdout(cancel),
        "cancelled: True ['debit', 'caught CancelledError', 'refund', 'release lock']\n"
    );
    let group = run("part5_bridge_taskgroup.py").unwrap();
    assert_eq!(
        stdout(group),
        "failed: ['child 1 failed'] ['release slow child']\n"
    );
}
