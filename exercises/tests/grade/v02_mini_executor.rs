//! Grader for exercise V.2 (`src/part5/mini_executor.rs`): Part I's six lines from the
//! async countdown and countup, then the executor's rules with probe futures that the
//! grader wakes itself. A probe panics when it is polled without a wake-up (an executor
//! that polls every task in a loop) or after it was ready; every test runs on a thread of
//! its own with a generous bound, so that a hang (a lock held across a poll) fails instead.

mod support;

support::exercise!(
    mini_executor,
    "../../src/part5/mini_executor.rs",
    "../../solutions/part5/mini_executor.rs"
);

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use crate::support::gen::Rng;
use crate::support::grading;
use mini_executor::{countdown, countup, Executor, Lines};

/// Runs `test` on a thread of its own; fails if it has not ended after 10 s (a task that
/// deadlocks on a lock held across its poll, or a run that never returns).
fn within_10s(test: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        grading("mini_executor"); // the hint, for a panic on this thread
        test();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(()) => thread.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The test panicked: its message was printed; fail with it.
            if let Err(panic) = thread.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "the executor did not return within 10 s: a poll that never ends, a lock held \
             across a poll (a task that wakes itself or another one then deadlocks), or a \
             run that never stops (rule 4: return when no task is ready)"
        ),
    }
}

/// What Part I's round robin prints for these counts.
fn round_robin(counts: &[(bool, u32)]) -> Vec<String> {
    let lines: Vec<Vec<String>> = counts
        .iter()
        .map(|&(down, n)| {
            if down {
                (1..=n).rev().map(|k| format!("Down {k}")).collect()
            } else {
                (0..n).map(|k| format!("Up {k}")).collect()
            }
        })
        .collect();
    let longest = lines.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|i| lines.iter().filter_map(move |task| task.get(i).cloned()))
        .collect()
}

fn run_tasks(counts: &[(bool, u32)]) -> Vec<String> {
    let lines = Lines::default();
    let mut executor = Executor::new();
    for &(down, n) in counts {
        if down {
            executor.spawn(countdown(n, lines.clone()));
        } else {
            executor.spawn(countup(n, lines.clone()));
        }
    }
    executor.run();
    drop(executor);
    Rc::try_unwrap(lines)
        .expect("run() returned with tasks still holding the lines")
        .into_inner()
}

// ANCHOR: example_test
#[test]
fn countdown_and_countup_print_part_ones_six_lines() {
    grading("mini_executor");
    within_10s(|| {
        assert_eq!(
            run_tasks(&[(true, 3), (false, 3)]),
            ["Down 3", "Up 0", "Down 2", "Up 1", "Down 1", "Up 2"]
        );
    });
}
// ANCHOR_END: example_test

#[test]
fn generated_counts_interleave_as_the_round_robin() {
    grading("mini_executor");
    within_10s(|| {
        let mut rng = Rng::new();
        for _ in 0..20 {
            let tasks: Vec<(bool, u32)> = (0..rng.range(1..5))
                .map(|_| (rng.one_in(2), rng.range(0..8) as u32))
                .collect();
            assert_eq!(
                run_tasks(&tasks),
                round_robin(&tasks),
                "tasks (true = countdown, false = countup, with their counts): {tasks:?}"
            );
        }
    });
}

#[test]
fn the_async_fns_yield_after_each_line() {
    grading("mini_executor");
    within_10s(|| {
        struct CountWakes(AtomicUsize);
        impl Wake for CountWakes {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let lines = Lines::default();
        let mut task = pin!(countdown(2, lines.clone()));
        assert!(
            task.as_mut().poll(&mut cx).is_pending(),
            "countdown(2, ..) must be pending after its first poll: a yield point after \
             each line"
        );
        assert_eq!(
            *lines.borrow(),
            ["Down 2"],
            "one line per poll: the first poll of countdown(2, ..)"
        );
        assert!(
            wakes.0.load(Ordering::SeqCst) >= 1,
            "its Pending woke the task"
        );
        assert!(task.as_mut().poll(&mut cx).is_pending());
        assert_eq!(*lines.borrow(), ["Down 2", "Down 1"]);
        assert!(task.as_mut().poll(&mut cx).is_ready());
        let mut up = pin!(countup(1, lines.clone()));
        assert!(up.as_mut().poll(&mut cx).is_pending());
        assert_eq!(lines.borrow().last().map(String::as_str), Some("Up 0"));
        assert!(up.as_mut().poll(&mut cx).is_ready());
    });
}

/// A future the grader wakes itself: each poll stores the waker and records the probe's
/// name in the log; it is ready on poll `ready_on`.
struct Probe {
    state: Rc<ProbeState>,
}

struct ProbeState {
    name: &'static str,
    ready_on: u32,
    polls: Cell<u32>,
    /// Wake-ups given through [`wake`]: a poll beyond one per wake-up (plus the first)
    /// is a poll without a wake-up.
    wakes: Cell<u32>,
    waker: RefCell<Option<Waker>>,
    dropped: Cell<bool>,
    log: Rc<RefCell<Vec<&'static str>>>,
}

impl Future for Probe {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &self.state;
        let polls = state.polls.get() + 1;
        state.polls.set(polls);
        state.log.borrow_mut().push(state.name);
        assert!(
            polls <= state.ready_on,
            "task {:?} was polled again after it returned Ready (rule 3: drop a finished \
             task)",
            state.name
        );
        assert!(
            polls <= 1 + state.wakes.get(),
            "task {:?} was polled {polls} times but woken {} times: poll a task only after \
             its waker was woken, once per wake-up (rule 2)",
            state.name,
            state.wakes.get()
        );
        *state.waker.borrow_mut() = Some(cx.waker().clone());
        if polls == state.ready_on {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.state.dropped.set(true);
    }
}

fn probe(
    executor: &mut Executor,
    name: &'static str,
    ready_on: u32,
    log: &Rc<RefCell<Vec<&'static str>>>,
) -> Rc<ProbeState> {
    let state = Rc::new(ProbeState {
        name,
        ready_on,
        polls: Cell::new(0),
        wakes: Cell::new(0),
        waker: RefCell::new(None),
        dropped: Cell::new(false),
        log: log.clone(),
    });
    executor.spawn(Probe {
        state: state.clone(),
    });
    state
}

/// Wakes the probe through the last waker it was polled with.
fn wake(state: &ProbeState) {
    state.wakes.set(state.wakes.get() + 1);
    let waker = state.waker.borrow().clone();
    waker
        .expect("the probe was polled: spawned tasks are ready at once (rule 1)")
        .wake();
}

#[test]
fn a_task_is_polled_once_per_wake_up_and_dropped_when_ready() {
    grading("mini_executor");
    within_10s(|| {
        let log = Rc::default();
        let mut executor = Executor::new();
        let p = probe(&mut executor, "p", 4, &log);
        executor.run();
        assert_eq!(p.polls.get(), 1, "a spawned task is polled once by run()");
        executor.run();
        assert_eq!(p.polls.get(), 1, "run() polls nothing that was not woken");
        wake(&p);
        executor.run();
        assert_eq!(p.polls.get(), 2, "woken once, polled once");
        wake(&p);
        wake(&p);
        p.wakes.set(p.wakes.get() - 1); // two wake-ups before run: one poll
        executor.run();
        assert_eq!(
            p.polls.get(),
            3,
            "a task woken twice before run() is polled once (rule 2)"
        );
        wake(&p);
        executor.run();
        assert_eq!(p.polls.get(), 4);
        assert!(
            p.dropped.get(),
            "a task that returned Ready is dropped before run() returns (rule 3)"
        );
        wake(&p); // a late wake-up of a finished task
        executor.run();
        assert_eq!(p.polls.get(), 4, "a finished task is never polled again");
    });
}

#[test]
fn tasks_run_in_the_order_they_were_woken() {
    grading("mini_executor");
    within_10s(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut executor = Executor::new();
        let names = ["a", "b", "c", "d"];
        let probes: Vec<_> = names
            .iter()
            .map(|&name| probe(&mut executor, name, u32::MAX, &log))
            .collect();
        executor.run();
        assert_eq!(
            *log.borrow(),
            names,
            "spawned tasks run in spawn order (rule 1)"
        );
        let mut rng = Rng::new();
        for _ in 0..10 {
            log.borrow_mut().clear();
            let mut order: Vec<usize> = (0..names.len()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            order.truncate(rng.below(names.len()) + 1);
            for &i in &order {
                wake(&probes[i]);
            }
            executor.run();
            let expected: Vec<&str> = order.iter().map(|&i| names[i]).collect();
            assert_eq!(*log.borrow(), expected, "woken in this order: {expected:?}");
        }
    });
}

#[test]
fn a_task_may_wake_itself_and_others_while_it_is_polled() {
    grading("mini_executor");
    within_10s(|| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut executor = Executor::new();
        let other = probe(&mut executor, "other", u32::MAX, &log);
        executor.run();
        log.borrow_mut().clear();
        // A task that, in its first poll, wakes `other` and then itself.
        let waker_task = {
            let (other, log) = (other.clone(), log.clone());
            let mut first = true;
            std::future::poll_fn(move |cx| {
                log.borrow_mut().push("waker");
                if std::mem::take(&mut first) {
                    wake(&other);
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })
        };
        executor.spawn(waker_task);
        executor.run();
        assert_eq!(
            *log.borrow(),
            ["waker", "other", "waker"],
            "a wake-up during a poll queues the task behind those woken before it"
        );
    });
}

#[test]
fn a_wake_up_from_another_thread_is_queued() {
    grading("mini_executor");
    within_10s(|| {
        let log = Rc::default();
        let mut executor = Executor::new();
        let p = probe(&mut executor, "p", 2, &log);
        executor.run();
        p.wakes.set(1);
        let waker = p.waker.borrow().clone().unwrap();
        std::thread::spawn(move || waker.wake()).join().unwrap();
        executor.run();
        assert_eq!(p.polls.get(), 2, "woken from another thread, polled once");
        assert!(p.dropped.get());
    });
}
