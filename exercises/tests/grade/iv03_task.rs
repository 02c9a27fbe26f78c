//! Grader for exercise IV.3 (`src/part4/task.rs`): results sent in, errors thrown in,
//! cancellation thrown in at the awaiting yield (guards unwound once), and a caught
//! cancellation that carries on; every event logged with the loop's clock.

mod support;

support::exercise!(
    task,
    "../../src/part4/task.rs",
    "../../solutions/part4/task.rs"
);

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use crate::support::grading;
use crate::support::part3::numbers;
use exercises::part4::event_loop::Loop;
use exercises::part4::future::{Future, FutureError};
use task::{Body, Task};
use yieldpoint::Coroutine;

/// `(clock in ms, what happened)`.
type Log = Rc<RefCell<Vec<(u64, String)>>>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn write(log: &Log, lp: &Loop, line: impl Into<String>) {
    let now = lp.time().as_millis() as u64;
    log.borrow_mut().push((now, line.into()));
}

/// Writes `"guard dropped"` to the log when dropped (the body's `finally`).
struct Guard(Log, Rc<Loop>);

impl Drop for Guard {
    fn drop(&mut self) {
        write(&self.0, &self.1, "guard dropped");
    }
}

/// A future of the loop `lp` that a timer sets to `value` at `at` ms (if it is still
/// pending then).
fn resolved_at(lp: &Rc<Loop>, at: u64, value: u32) -> Future<u32> {
    let fut = Future::new(lp);
    let f = fut.clone();
    lp.call_at(ms(at), move |_| {
        let _ = f.set_result(value);
    });
    fut
}

/// A future that a timer fails with `message` at `at` ms.
fn failed_at(lp: &Rc<Loop>, at: u64, message: &'static str) -> Future<u32> {
    let fut = Future::new(lp);
    let f = fut.clone();
    lp.call_at(ms(at), move |_| {
        let _ = f.set_exception(message);
    });
    fut
}

// ANCHOR: example_test
#[test]
fn each_result_is_sent_into_the_body() {
    grading("task");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let (l, lp2) = (log.clone(), lp.clone());
    let (price, tax) = (resolved_at(&lp, 10, 100), resolved_at(&lp, 30, 20));
    let body: Body<u32, u32> = Coroutine::typed(move |co, _start| {
        write(&l, &lp2, "started");
        let price = co.yield_(price);
        write(&l, &lp2, format!("price {price}"));
        let tax = co.yield_(tax);
        write(&l, &lp2, format!("tax {tax}"));
        price + tax
    });
    let task = Task::new(&lp, body);
    assert!(
        log.borrow().is_empty(),
        "Task::new schedules the first step, it does not run it"
    );
    lp.run();
    assert_eq!(
        *log.borrow(),
        [
            (0, "started".to_string()),
            (10, "price 100".to_string()),
            (30, "tax 20".to_string())
        ],
        "(clock in ms, event): the body resumes when each awaited future is set, with its result"
    );
    assert_eq!(
        task.outcome().result(),
        Ok(120),
        "the body's return value is the task's result"
    );
    assert!(
        task.done() && !task.cancel(),
        "cancel() on a done task returns false"
    );
}
// ANCHOR_END: example_test

#[test]
fn errors_are_thrown_in_and_a_body_may_catch_them() {
    grading("task");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let (l, lp2) = (log.clone(), lp.clone());
    let (bad, good) = (failed_at(&lp, 5, "no tax table"), resolved_at(&lp, 8, 3));
    let body: Body<u32, u32> = Coroutine::typed(move |co, _start| {
        let tax = match co.try_yield(bad) {
            Ok(tax) => tax,
            Err(error) => {
                write(&l, &lp2, format!("caught {error:?}"));
                0
            }
        };
        tax + co.yield_(good)
    });
    let task = Task::new(&lp, body);
    lp.run();
    assert_eq!(
        *log.borrow(),
        [(5, "caught Failed(\"no tax table\")".to_string())],
        "a failed future's error is thrown into the body at its yield"
    );
    assert_eq!(
        task.outcome().result(),
        Ok(3),
        "the body caught it and went on"
    );
}

#[test]
fn an_uncaught_error_unwinds_the_body_once_and_fails_the_task() {
    grading("task");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let (l, lp2) = (log.clone(), lp.clone());
    let (bad, never) = (failed_at(&lp, 7, "disk full"), resolved_at(&lp, 50, 1));
    let body: Body<u32, u32> = Coroutine::typed(move |co, _start| {
        let _guard = Guard(l.clone(), lp2.clone());
        co.yield_(bad); // a plain yield: the error propagates
        write(&l, &lp2, "resumed after the error");
        co.yield_(never)
    });
    let task = Task::new(&lp, body);
    lp.run();
    assert_eq!(
        *log.borrow(),
        [(7, "guard dropped".to_string())],
        "the error unwinds the body at 7 ms: its guard is dropped once, nothing after the \
         yield runs"
    );
    assert_eq!(
        task.outcome().exception(),
        Ok(Some("disk full".to_string()))
    );
    assert!(!task.outcome().cancelled());
}

#[test]
fn cancel_throws_cancelled_at_the_await_and_unwinds_guards_once() {
    grading("task");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let (l, lp2) = (log.clone(), lp.clone());
    let slow = resolved_at(&lp, 1_000, 9);
    let awaited = slow.clone();
    let body: Body<u32, u32> = Coroutine::typed(move |co, _start| {
        let _guard = Guard(l.clone(), lp2.clone());
        let value = co.yield_(awaited);
        write(&l, &lp2, "resumed after the cancel");
        value
    });
    let task = Task::new(&lp, body);
    let (t, l) = (task.clone(), log.clone());
    lp.call_later(ms(10), move |lp| {
        assert!(t.cancel(), "cancel() on a waiting task returns true");
        write(&l, lp, "cancel() returned");
    });
    lp.run();
    assert_eq!(
        *log.borrow(),
        [
            (10, "cancel() returned".to_string()),
            (10, "guard dropped".to_string())
        ],
        "cancel() at 10 ms cancels the awaited future, whose callback throws Cancelled into \
         the body in the next pass: the guard is dropped once, at 10 ms, not when the future \
         would have been set (1,000 ms)"
    );
    assert!(
        slow.cancelled(),
        "cancel() cancels the future the body awaits"
    );
    assert!(
        task.outcome().cancelled(),
        "an uncaught cancel: the task is cancelled"
    );
    assert_eq!(task.outcome().result(), Err(FutureError::Cancelled));
    assert!(!task.cancel(), "a second cancel() returns false");
}

#[test]
fn a_body_that_catches_the_cancel_carries_on() {
    grading("task");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let (l, lp2, lp3) = (log.clone(), lp.clone(), lp.clone());
    let slow = resolved_at(&lp, 1_000, 9);
    let body: Body<u32, u32> = Coroutine::typed(move |co, _start| {
        let _guard = Guard(l.clone(), lp2.clone());
        match co.try_yield(slow) {
            Ok(value) => write(&l, &lp2, format!("got {value}")),
            Err(error) => write(&l, &lp2, format!("caught {error:?}")),
        }
        let cleanup = resolved_at(&lp3, 40, 2);
        let value = co.yield_(cleanup);
        write(&l, &lp2, format!("cleaned up: {value}"));
        value * 10
    });
    let task = Task::new(&lp, body);
    let t = task.clone();
    lp.call_later(ms(10), move |_| assert!(t.cancel()));
    lp.run();
    assert_eq!(
        *log.borrow(),
        [
            (10, "caught Cancelled".to_string()),
            (40, "cleaned up: 2".to_string()),
            (40, "guard dropped".to_string())
        ],
        "the body catches Cancelled at 10 ms, awaits another future, and returns"
    );
    assert!(
        !task.outcome().cancelled(),
        "catching the cancel un-cancels the task"
    );
    assert_eq!(task.outcome().result(), Ok(20));
}

#[test]
fn cancel_before_the_first_step_means_the_body_never_runs() {
    grading("task");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let (l, lp2) = (log.clone(), lp.clone());
    let captured = Guard(log.clone(), lp.clone());
    let body: Body<u32, u32> = Coroutine::typed(move |_co, _start| {
        let _captured = captured;
        write(&l, &lp2, "the body ran");
        1
    });
    let task = Task::new(&lp, body);
    assert!(task.cancel(), "cancel() before the first step returns true");
    lp.run();
    assert_eq!(
        *log.borrow(),
        [(0, "guard dropped".to_string())],
        "the cancel is thrown in at the first step: the body never runs, what it captured \
         is dropped once"
    );
    assert!(task.outcome().cancelled());
}

#[test]
fn a_cancel_after_the_result_arrived_wins_at_that_yield() {
    grading("task");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let (l, lp2) = (log.clone(), lp.clone());
    let fut = Future::<u32>::new(&lp);
    let awaited = fut.clone();
    let body: Body<u32, u32> = Coroutine::typed(move |co, _start| {
        match co.try_yield(awaited) {
            Ok(value) => write(&l, &lp2, format!("got {value}")),
            Err(error) => write(&l, &lp2, format!("caught {error:?}")),
        }
        7
    });
    let task = Task::new(&lp, body);
    let t = task.clone();
    lp.call_later(ms(5), move |_| {
        // The result arrives, and in the same callback, before the task could resume, the
        // task is cancelled: the awaited future is done, so the cancel waits for the step.
        fut.set_result(5).unwrap();
        assert!(t.cancel(), "the task is not done: cancel() returns true");
    });
    lp.run();
    assert_eq!(
        *log.borrow(),
        [(5, "caught Cancelled".to_string())],
        "the pending cancel is thrown in at that yield instead of sending the result"
    );
    assert_eq!(task.outcome().result(), Ok(7));
}

#[test]
fn generated_chains_of_awaits() {
    grading("task");
    // Several tasks, each awaiting a generated chain of futures (set or failed by timers);
    // a task catches each error, adds what it got, and returns the sum.
    for seed in [2u64, 6, 10, 14, 18] {
        let mut next = numbers(seed);
        let lp = Rc::new(Loop::new());
        let mut tasks = Vec::new();
        let mut want = Vec::new();
        for _ in 0..(1 + next() % 4) {
            let mut futures = Vec::new();
            let mut sum = 0;
            let mut at = 0;
            for _ in 0..(next() % 6) {
                at += next() % 20;
                let value = (next() % 100) as u32;
                if next() % 3 == 0 {
                    futures.push(failed_at(&lp, at, "failed"));
                    sum += 1_000;
                } else {
                    futures.push(resolved_at(&lp, at, value));
                    sum += value;
                }
            }
            let body: Body<u32, u32> = Coroutine::typed(move |co, _start| {
                futures
                    .into_iter()
                    .map(|fut| co.try_yield(fut).unwrap_or(1_000))
                    .sum()
            });
            tasks.push(Task::new(&lp, body));
            want.push(Ok(sum));
        }
        lp.run();
        let got: Vec<_> = tasks.iter().map(|t| t.outcome().result()).collect();
        assert_eq!(got, want, "seed {seed}: sums of what each task was sent");
    }
}
