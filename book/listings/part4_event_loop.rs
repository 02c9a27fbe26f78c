//! Part IV, chapters 1-4: an event loop, timers, futures and tasks, rebuilt.
//! Compiled and run by `tests/book_listings.rs`.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;
use std::time::Duration;

use yieldpoint::sched::RoundRobin;
use yieldpoint::{Coroutine, CoroutineState};

// ANCHOR: ready_loop
/// A callback: it gets the loop, so it can schedule more.
type Callback = Box<dyn FnOnce(&ReadyLoop)>;

/// The smallest event loop: a ready queue of callbacks, run one pass at a time.
#[derive(Default)]
struct ReadyLoop {
    ready: RefCell<VecDeque<Callback>>,
}

impl ReadyLoop {
    /// Python: `loop.call_soon(callback)`.
    fn call_soon(&self, callback: impl FnOnce(&ReadyLoop) + 'static) {
        self.ready.borrow_mut().push_back(Box::new(callback));
    }

    /// One pass: runs the callbacks that are ready now. Those they schedule wait for the
    /// next pass (asyncio counts them first: `ntodo = len(self._ready)`).
    fn run_once(&self) {
        let ntodo = self.ready.borrow().len();
        for _ in 0..ntodo {
            // The borrow ends before the callback runs: it may call `call_soon`.
            let callback = self.ready.borrow_mut().pop_front().expect("counted");
            callback(self);
        }
    }

    /// Runs passes until nothing is ready. Python: `loop.run_forever()` until it stops.
    fn run(&self) {
        while !self.ready.borrow().is_empty() {
            self.run_once();
        }
    }
}
// ANCHOR_END: ready_loop

type Lines = Rc<RefCell<Vec<String>>>;

// ANCHOR: callback_tasks
/// Part I's `countdown` as a callback: one step, then it schedules the next step.
fn countdown(lp: &ReadyLoop, lines: Lines, n: u32) {
    if n > 0 {
        lines.borrow_mut().push(format!("Down {n}"));
        lp.call_soon(move |lp| countdown(lp, lines, n - 1));
    }
}

fn countup(lp: &ReadyLoop, lines: Lines, x: u32, stop: u32) {
    if x < stop {
        lines.borrow_mut().push(format!("Up {x}"));
        lp.call_soon(move |lp| countup(lp, lines, x + 1, stop));
    }
}

#[test]
fn run_tasks_as_callbacks() {
    let lp = ReadyLoop::default();
    let lines = Lines::default();
    let (down, up) = (lines.clone(), lines.clone());
    lp.call_soon(move |lp| countdown(lp, down, 3));
    lp.call_soon(move |lp| countup(lp, up, 0, 3));
    lp.run();
    assert_eq!(
        *lines.borrow(),
        ["Down 3", "Up 0", "Down 2", "Up 1", "Down 1", "Up 2"]
    );
}
// ANCHOR_END: callback_tasks

// ANCHOR: passes
#[test]
fn callbacks_added_during_a_pass_wait_for_the_next() {
    let lp = ReadyLoop::default();
    let runs = Rc::new(Cell::new(0));
    /// Runs once per pass, forever: the pass still ends.
    fn spin(lp: &ReadyLoop, runs: Rc<Cell<u32>>) {
        runs.set(runs.get() + 1);
        lp.call_soon(move |lp| spin(lp, runs));
    }
    let r = runs.clone();
    lp.call_soon(move |lp| spin(lp, r));
    lp.run_once();
    lp.run_once();
    assert_eq!(runs.get(), 2);
}
// ANCHOR_END: passes

// ANCHOR: timer_heap
#[test]
fn a_heap_of_timers_pops_by_deadline_then_first_in() {
    let mut timers = BinaryHeap::new();
    let scheduled = [(30, "c"), (10, "a1"), (20, "b"), (10, "a2"), (10, "a3")];
    for (seq, (ms, name)) in scheduled.into_iter().enumerate() {
        // `Reverse`: the max-heap pops the smallest (deadline, seq) first.
        timers.push(Reverse((Duration::from_millis(ms), seq, name)));
    }
    let order: Vec<&str> = std::iter::from_fn(|| timers.pop())
        .map(|Reverse((_, _, name))| name)
        .collect();
    assert_eq!(order, ["a1", "a2", "a3", "b", "c"]);
}
// ANCHOR_END: timer_heap

// ANCHOR: fake_clock
/// How long a pass may wait before running anything: zero when a callback is ready, the
/// time to the first deadline otherwise, forever (`None`) when there is nothing to do.
/// A real loop sleeps that long in `select`; a fake clock jumps by it instead.
fn timeout(ready: usize, first_deadline: Option<Duration>, now: Duration) -> Option<Duration> {
    if ready > 0 {
        return Some(Duration::ZERO);
    }
    first_deadline.map(|when| when.saturating_sub(now))
}

#[test]
fn the_fake_clock_jumps_only_when_nothing_is_ready() {
    let now = Duration::from_secs(5);
    let first = Some(Duration::from_secs(8));
    assert_eq!(timeout(2, first, now), Some(Duration::ZERO));
    assert_eq!(timeout(0, first, now), Some(Duration::from_secs(3)));
    assert_eq!(timeout(0, None, now), None);
}
// ANCHOR_END: fake_clock

// ANCHOR: sleep_on_round_robin
#[test]
fn green_threads_wake_by_deadline() {
    let rt = RoundRobin::new();
    let woke = Rc::new(RefCell::new(Vec::new()));
    for (name, ms) in [("slow", 30), ("fast", 10), ("middle", 20)] {
        let woke = woke.clone();
        rt.spawn(move || {
            yieldpoint::sleep(Duration::from_millis(ms)); // a timer in the scheduler
            woke.borrow_mut().push(name);
        });
    }
    rt.run();
    assert_eq!(*woke.borrow(), ["fast", "middle", "slow"]);
}
// ANCHOR_END: sleep_on_round_robin

// ANCHOR: mini_future
/// A done callback: it runs from the loop, with the result.
type DoneCallback<T> = Box<dyn FnOnce(&ReadyLoop, T)>;

/// What a `MiniFuture`'s handles share.
struct Shared<T> {
    result: Option<T>,
    callbacks: Vec<DoneCallback<T>>,
}

/// A future with a result and done callbacks, nothing else (exercise IV.2 adds
/// exceptions, cancellation and the retrieval rules).
struct MiniFuture<T> {
    inner: Rc<RefCell<Shared<T>>>,
}

impl<T> Clone for MiniFuture<T> {
    fn clone(&self) -> Self {
        MiniFuture {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Clone + 'static> MiniFuture<T> {
    fn new() -> Self {
        MiniFuture {
            inner: Rc::new(RefCell::new(Shared {
                result: None,
                callbacks: Vec::new(),
            })),
        }
    }

    /// Stores the result and hands each callback to the loop: none runs here.
    fn set_result(&self, lp: &ReadyLoop, value: T) {
        let callbacks = {
            let mut inner = self.inner.borrow_mut();
            assert!(inner.result.is_none(), "a future is set once");
            inner.result = Some(value.clone());
            std::mem::take(&mut inner.callbacks)
        };
        for callback in callbacks {
            let value = value.clone();
            lp.call_soon(move |lp| callback(lp, value));
        }
    }

    fn add_done_callback(&self, callback: impl FnOnce(&ReadyLoop, T) + 'static) {
        self.inner.borrow_mut().callbacks.push(Box::new(callback));
    }
}

#[test]
fn done_callbacks_run_from_the_loop_not_from_set_result() {
    let lp = ReadyLoop::default();
    let fut = MiniFuture::new();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    fut.add_done_callback(move |_, v: u32| s.borrow_mut().push(v));
    fut.set_result(&lp, 42);
    assert!(
        seen.borrow().is_empty(),
        "set_result returned; the callback waits"
    );
    lp.run_once();
    assert_eq!(*seen.borrow(), [42]);
}
// ANCHOR_END: mini_future

// ANCHOR: mini_task
/// A coroutine that awaits futures: it yields a `MiniFuture` and is sent its result.
type Body = Coroutine<u32, MiniFuture<u32>, u32>;

/// What a task ends with: its body's return value, once it is there.
type Outcome = Rc<Cell<Option<u32>>>;

/// One step of a task: send `value` in, then wait on the future the body yields; its done
/// callback is the next step. (Exercise IV.3 adds errors thrown in and cancellation.)
fn step(body: Rc<RefCell<Body>>, value: u32, outcome: Outcome) {
    let state = body.borrow_mut().send(value);
    match state {
        CoroutineState::Yielded(fut) => {
            fut.add_done_callback(move |_, result| step(body, result, outcome));
        }
        CoroutineState::Complete(total) => outcome.set(Some(total)),
    }
}

/// Wraps `body` in a task: its first step is scheduled, not run.
/// Python: `loop.create_task(coro)`.
fn create_task(lp: &ReadyLoop, body: Body) -> Outcome {
    let outcome = Outcome::default();
    let (body, o) = (Rc::new(RefCell::new(body)), outcome.clone());
    lp.call_soon(move |_| step(body, 0, o));
    outcome
}

#[test]
fn a_task_sends_each_result_into_its_coroutine() {
    let lp = ReadyLoop::default();
    let (price, tax) = (MiniFuture::new(), MiniFuture::new());
    let (p, t) = (price.clone(), tax.clone());
    // `yield_(fut)` is Python 3.4's `yield from fut`: it suspends until fut is done.
    let outcome = create_task(
        &lp,
        Coroutine::new(move |co, _start| {
            let price = co.yield_(p);
            let tax = co.yield_(t);
            price + tax
        }),
    );
    lp.run_once(); // the first step: the body waits on `price`
    assert_eq!(outcome.get(), None);
    price.set_result(&lp, 100);
    lp.run(); // the wake-up sends 100 in; the body now waits on `tax`
    assert_eq!(outcome.get(), None);
    tax.set_result(&lp, 20);
    lp.run();
    assert_eq!(outcome.get(), Some(120));
}
// ANCHOR_END: mini_task

// ANCHOR: yieldpoint_cancel
#[test]
fn a_green_thread_is_cancelled_at_its_yield_point() {
    use std::panic::{self, AssertUnwindSafe};
    RoundRobin::new().block_on(|| {
        let stubborn = yieldpoint::spawn(|| {
            // The cancel arrives as an unwind at the sleep; catching it un-cancels.
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                yieldpoint::sleep(Duration::from_secs(3600));
            }));
            if caught.is_err() {
                "caught the cancel, carried on"
            } else {
                "slept an hour"
            }
        });
        yieldpoint::yield_now(); // it starts and sleeps
        stubborn.cancel();
        assert_eq!(stubborn.join().unwrap(), "caught the cancel, carried on");
    });
}
// ANCHOR_END: yieldpoint_cancel

/// The Python originals of chapters 1-4, `book/python/part4_loop_*.py`, assert their own
/// results; they run here when `python3` (3.7 or later) is installed.
#[test]
fn python_originals_run() {
    for name in [
        "part4_loop_callbacks.py",
        "part4_loop_timers.py",
        "part4_loop_futures.py",
        "part4_loop_tasks.py",
        "part4_loop_taxi.py",
    ] {
        let script = format!("{}/book/python/{name}", env!("CARGO_MANIFEST_DIR"));
        let Ok(output) = std::process::Command::new("python3").arg(&script).output() else {
            return; // no python3 here
        };
        assert!(
            output.status.success(),
            "{name} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
