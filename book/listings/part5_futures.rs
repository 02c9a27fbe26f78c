//! Part V, chapters 1-4: awaitables in Rust, a hand-written executor, stackless against
//! stackful. Compiled and run by `tests/book_listings.rs`.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use yieldpoint::sched::RoundRobin;

// ANCHOR: yield_now
/// Python's bare `yield` at the bottom of an await chain (`asyncio.sleep(0)`): the first
/// poll asks to be polled again and returns `Pending`; the second is `Ready`.
#[derive(Default)]
struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref(); // "run me again soon": call_soon for this task
        Poll::Pending
    }
}
// ANCHOR_END: yield_now

// ANCHOR: counting_waker
/// A waker that only counts: enough to poll a future by hand.
#[derive(Default)]
struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}
// ANCHOR_END: counting_waker

// ANCHOR: poll_is_send
async fn two_steps(log: Rc<RefCell<Vec<&'static str>>>) -> u32 {
    log.borrow_mut().push("start");
    YieldNow::default().await;
    log.borrow_mut().push("after the first await");
    YieldNow::default().await;
    log.borrow_mut().push("after the second await");
    42
}

#[test]
fn poll_is_send_none() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut task = pin!(two_steps(log.clone()));
    assert!(
        log.borrow().is_empty(),
        "calling an async fn runs none of it"
    );

    assert_eq!(task.as_mut().poll(&mut cx), Poll::Pending); // coro.send(None) -> yielded
    assert_eq!(*log.borrow(), ["start"]);
    assert_eq!(task.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(task.as_mut().poll(&mut cx), Poll::Ready(42)); // StopIteration(42)
    assert_eq!(log.borrow().len(), 3);
    assert_eq!(
        counter.wakes.load(Ordering::SeqCst),
        2,
        "each Pending woke the task"
    );
}
// ANCHOR_END: poll_is_send

// ANCHOR: state_machine
/// What the compiler writes for `two_steps`, by hand: one variant per place the body can
/// be suspended, holding what lives across that `await`.
enum TwoSteps {
    Start(Rc<RefCell<Vec<&'static str>>>),
    First(Rc<RefCell<Vec<&'static str>>>, YieldNow),
    Second(Rc<RefCell<Vec<&'static str>>>, YieldNow),
    Done,
}

impl Future for TwoSteps {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        // `TwoSteps` holds no reference into itself, so it is `Unpin` and
        // `Pin<&mut Self>` hands out `&mut Self` freely.
        let this = &mut *self;
        loop {
            match std::mem::replace(this, TwoSteps::Done) {
                TwoSteps::Start(log) => {
                    log.borrow_mut().push("start");
                    *this = TwoSteps::First(log, YieldNow::default());
                }
                TwoSteps::First(log, mut inner) => {
                    if Pin::new(&mut inner).poll(cx).is_pending() {
                        *this = TwoSteps::First(log, inner);
                        return Poll::Pending;
                    }
                    log.borrow_mut().push("after the first await");
                    *this = TwoSteps::Second(log, YieldNow::default());
                }
                TwoSteps::Second(log, mut inner) => {
                    if Pin::new(&mut inner).poll(cx).is_pending() {
                        *this = TwoSteps::Second(log, inner);
                        return Poll::Pending;
                    }
                    log.borrow_mut().push("after the second await");
                    return Poll::Ready(42);
                }
                TwoSteps::Done => panic!("`async fn` resumed after completion"),
            }
        }
    }
}

#[test]
fn the_hand_written_state_machine_behaves_the_same() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let waker = Waker::from(Arc::new(CountingWaker::default()));
    let mut cx = Context::from_waker(&waker);
    let mut task = TwoSteps::Start(log.clone());
    let mut polls = 1;
    while Pin::new(&mut task).poll(&mut cx).is_pending() {
        polls += 1;
    }
    assert_eq!(polls, 3);
    assert_eq!(
        *log.borrow(),
        ["start", "after the first await", "after the second await"]
    );
}
// ANCHOR_END: state_machine

// ANCHOR: pin
async fn borrows_across_an_await() -> u8 {
    let buffer = [7u8; 64];
    let first = &buffer[0]; // a reference into the future's own state...
    YieldNow::default().await; // ...kept across a suspension
    *first
}

#[test]
fn a_future_that_borrows_itself_is_polled_pinned() {
    let future = borrows_across_an_await();
    // The buffer lives inside the future, not on a stack: a stackless coroutine's frame.
    assert!(std::mem::size_of_val(&future) >= 64);
    // `future.poll(..)` does not compile: poll takes `Pin<&mut Self>`. Pinning it (on the
    // heap with `Box::pin`, or in place with `pin!`) promises it never moves again, so
    // `first` keeps pointing into it.
    let mut boxed: Pin<Box<dyn Future<Output = u8>>> = Box::pin(future);
    let waker = Waker::from(Arc::new(CountingWaker::default()));
    let mut cx = Context::from_waker(&waker);
    assert_eq!(boxed.as_mut().poll(&mut cx), Poll::Pending);
    // Moving the Box (into this function) moves the pointer, not the future.
    fn poll_moved(mut boxed: Pin<Box<dyn Future<Output = u8>>>, cx: &mut Context) -> Poll<u8> {
        boxed.as_mut().poll(cx)
    }
    assert_eq!(poll_moved(boxed, &mut cx), Poll::Ready(7));
}
// ANCHOR_END: pin

// ANCHOR: never_awaited
#[test]
fn a_future_never_awaited_never_runs() {
    let ran = Rc::new(Cell::new(false));
    let flag = ran.clone();
    let launch = async move { flag.set(true) };
    // Without the `let`, rustc warns: "unused implementer of `Future` that must be used
    // ... futures do nothing unless you `.await` or poll them" (`#[must_use]`).
    drop(launch);
    assert!(!ran.get(), "dropped unpolled: the body never started");
}
// ANCHOR_END: never_awaited

// ANCHOR: task_waker
/// The ready queue: ids of tasks that asked to be polled. Python: `loop._ready`.
type ReadyQueue = Arc<Mutex<VecDeque<usize>>>;

/// A task's waker. Waking it is `loop.call_soon(task.step)`: the task's id goes to the
/// back of the ready queue, and the loop polls it on a later turn, never inside `wake`.
struct TaskWaker {
    id: usize,
    ready: ReadyQueue,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.ready.lock().unwrap().push_back(self.id);
    }
}
// ANCHOR_END: task_waker

// ANCHOR: run_one
/// Runs one future to its end on a ready queue: Part IV's `Task.__step`, with `poll` for
/// `send`, and the waker for the done callback that calls `call_soon(step)`.
fn run_one<T>(future: impl Future<Output = T>) -> (T, usize) {
    let ready = ReadyQueue::default();
    let waker = Waker::from(Arc::new(TaskWaker {
        id: 0,
        ready: ready.clone(),
    }));
    let mut future = pin!(future);
    let mut polls = 0;
    ready.lock().unwrap().push_back(0); // spawning is "ready at once"
    loop {
        // The lock is released before the poll: a future may wake itself while polled.
        let next = ready.lock().unwrap().pop_front();
        let Some(_id) = next else {
            panic!("nothing is ready and the future is pending: a lost wake-up");
        };
        polls += 1;
        if let Poll::Ready(value) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
            return (value, polls);
        }
    }
}

#[test]
fn the_ready_queue_drives_an_async_fn() {
    let log = Rc::new(RefCell::new(Vec::new()));
    assert_eq!(run_one(two_steps(log.clone())), (42, 3));
    assert_eq!(log.borrow().len(), 3);
}
// ANCHOR_END: run_one

// ANCHOR: park_token
#[test]
fn an_unpark_before_park_is_not_lost() {
    // `unpark` leaves a token when the thread is not parked; the next `park` takes it and
    // returns at once. A waker that unparks may thus fire before `block_on` parks.
    std::thread::current().unpark();
    std::thread::park(); // returns: the token was there
                         // But park may also return with no unpark at all ("spuriously", says std): whoever
                         // parks must check a flag of its own before polling again.
}
// ANCHOR_END: park_token

// ANCHOR: join_handle_future
#[test]
fn a_green_thread_is_a_future_and_awaits_futures() {
    let rt = RoundRobin::new();
    let handle = rt.spawn(|| {
        // A green thread awaits a future with `await_`, from any function it calls.
        yieldpoint::future::await_(async { 6 * 7 })
    });
    rt.run();
    // And a JoinHandle is a Future: our one-task executor awaits it.
    let (joined, _polls) = run_one(handle);
    assert_eq!(joined.unwrap(), 42);
}
// ANCHOR_END: join_handle_future

// ANCHOR: coloured_chain
/// The async colour: the leaf waits, so the leaf is `async`, so its caller awaits it and
/// is `async`, and so on up the chain.
async fn fetch_async(id: u32) -> u32 {
    YieldNow::default().await;
    id * 10
}

async fn summarize_async(id: u32) -> String {
    format!("{id}: {}", fetch_async(id).await)
}

async fn report_async(ids: &[u32]) -> Vec<String> {
    let mut lines = Vec::new();
    for &id in ids {
        lines.push(summarize_async(id).await);
    }
    lines
}
// ANCHOR_END: coloured_chain

// ANCHOR: plain_chain
/// The stackful version: the leaf yields from a plain function; the callers are unchanged.
fn fetch(id: u32) -> u32 {
    yieldpoint::yield_now();
    id * 10
}

fn summarize(id: u32) -> String {
    format!("{id}: {}", fetch(id))
}

fn report(ids: &[u32]) -> Vec<String> {
    ids.iter().map(|&id| summarize(id)).collect()
}
// ANCHOR_END: plain_chain

// ANCHOR: both_colours
#[test]
fn both_chains_print_the_same_report() {
    let ids = [1, 2, 3];
    let (from_async, polls) = run_one(report_async(&ids));
    assert_eq!(polls, ids.len() + 1, "one Pending per fetch, then Ready");

    let rt = RoundRobin::new();
    let beats = Rc::new(Cell::new(0));
    let stackful = rt.spawn(move || report(&ids));
    let counter = beats.clone();
    let heartbeat = rt.spawn(move || {
        for _ in 0..3 {
            counter.set(counter.get() + 1);
            yieldpoint::yield_now();
        }
    });
    rt.run();
    heartbeat.join().unwrap();
    assert_eq!(stackful.join().unwrap(), from_async);
    assert_eq!(from_async, ["1: 10", "2: 20", "3: 30"]);
    assert_eq!(beats.get(), 3, "the other task ran beside the report");
    // Outside a scheduler `yield_now` returns at once: the same functions still work.
    assert_eq!(report(&ids), from_async);
}
// ANCHOR_END: both_colours

// ANCHOR: where_state_lives
#[test]
fn a_future_is_its_state_a_green_thread_is_a_stack() {
    let ids = [1, 2, 3];
    // Stackless: the whole suspended chain (report, summarize, fetch, the YieldNow) is
    // one value, its size fixed at compile time from the locals held across awaits.
    let chain = report_async(&ids);
    assert!(std::mem::size_of_val(&chain) < 1024);
    // Stackful: the chain's frames live on the green thread's own stack, reserved in
    // full (DEFAULT_STACK_SIZE, behind a guard page); only the pages touched use memory.
    assert_eq!(yieldpoint::stack::DEFAULT_STACK_SIZE, 64 * 1024);
}
// ANCHOR_END: where_state_lives

// ANCHOR: recursion
/// A recursive async fn needs a box per level: its state machine would contain itself.
fn depth_async(n: u32) -> Pin<Box<dyn Future<Output = u32>>> {
    Box::pin(async move {
        if n == 0 {
            YieldNow::default().await;
            return 0;
        }
        1 + depth_async(n - 1).await
    })
}

/// A recursive plain function on a green thread: frames on its stack, yield at the bottom.
fn depth(n: u32) -> u32 {
    if n == 0 {
        yieldpoint::yield_now();
        return 0;
    }
    1 + depth(n - 1)
}

#[test]
fn recursion_in_both_worlds() {
    let (async_depth, polls) = run_one(depth_async(100));
    assert_eq!((async_depth, polls), (100, 2));
    let rt = RoundRobin::new();
    let stackful = rt.spawn(|| depth(100));
    rt.run();
    assert_eq!(stackful.join().unwrap(), 100);
}
// ANCHOR_END: recursion

/// The Python originals of Part V, `book/python/part5_await_*.py`, run with python3 when
/// it is installed: each prints what the chapter says it prints.
#[test]
fn python_originals_print_what_the_book_says() {
    use crate::{python_original as run, stdout_of as stdout};
    let Some(coroutines) = run("part5_await_coroutines.py") else {
        println!("skipped: python3 is not installed");
        return;
    };
    assert_eq!(
        stdout(coroutines),
        "yield from and await drive the same way\n\
         a native coroutine is not an iterator\n\
         object generator can't be used in 'await' expression\n\
         liftoff after 3 yields\n\
         RuntimeWarning coroutine 'new_style' was never awaited\n"
    );
    let sleeping = run("part5_await_sleeping_loop.py").unwrap();
    assert_eq!(
        stdout(sleeping),
        "A starts\nA T-minus 3 at t=1\nB starts\nA T-minus 2 at t=2\nB T-minus 2 at t=3\n\
         A T-minus 1 at t=3\nB T-minus 1 at t=4\n['A', 'B']\n"
    );
    let colours = run("part5_await_colours.py").unwrap();
    assert_eq!(
        stdout(colours),
        "['1: 10', '2: 20', '3: 30']\nbeat between fetches: 3\n"
    );
    // The greenlet version needs the greenlet package; it is skipped without it.
    let greenlet = run("part5_await_greenlet.py").unwrap();
    if String::from_utf8_lossy(&greenlet.stderr).contains("No module named 'greenlet'") {
        println!("skipped part5_await_greenlet.py: greenlet is not installed");
    } else {
        assert_eq!(
            stdout(greenlet),
            "['1: 10', '2: 20', '3: 30']\nbeat between fetches: 3\n"
        );
    }
}
