//! Grader for exercise IV.1 (`src/part4/call_later.rs`): the exact order and clock time of
//! every callback, on generated timers.

mod support;

support::exercise!(
    call_later,
    "../../src/part4/call_later.rs",
    "../../solutions/part4/call_later.rs"
);

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use crate::support::grading;
use crate::support::part3::numbers;
use call_later::Loop;

/// What ran, and the loop's clock when it ran, in milliseconds.
type Log = Rc<RefCell<Vec<(u64, String)>>>;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A callback that writes its name and the clock to `log`.
fn note(log: &Log, name: impl Into<String>) -> impl FnOnce(&Loop) + 'static {
    let (log, name) = (log.clone(), name.into());
    move |lp| {
        let now = lp.time().as_millis() as u64;
        log.borrow_mut().push((now, name));
    }
}

fn names(log: &Log) -> Vec<String> {
    log.borrow().iter().map(|(_, name)| name.clone()).collect()
}

// ANCHOR: example_test
#[test]
fn callbacks_added_during_a_pass_run_in_the_next_pass() {
    grading("call_later");
    let lp = Loop::new();
    let log = Log::default();
    let (l1, l2) = (log.clone(), log.clone());
    lp.call_soon(move |lp| {
        note(&l1, "a")(lp);
        lp.call_soon(note(&l1, "c (added by a)"));
    });
    lp.call_soon(move |lp| {
        note(&l2, "b")(lp);
        lp.call_soon(note(&l2, "d (added by b)"));
    });
    lp.run_once();
    assert_eq!(names(&log), ["a", "b"], "the first pass runs a and b only");
    lp.run_once();
    assert_eq!(
        names(&log),
        ["a", "b", "c (added by a)", "d (added by b)"],
        "the second pass runs what the first one added, in order"
    );
    assert!(!lp.has_work());
    assert!(
        log.borrow().iter().all(|&(t, _)| t == 0),
        "no timer: the clock stays at 0"
    );
}
// ANCHOR_END: example_test

/// Reschedules itself with `call_soon` each time it runs; gives up after 1,000 runs so that
/// a pass that never ends fails instead of hanging.
fn forever(runs: Rc<Cell<u32>>) -> impl FnOnce(&Loop) + 'static {
    move |lp| {
        runs.set(runs.get() + 1);
        assert!(
            runs.get() < 1_000,
            "a callback that reschedules itself ran 1,000 times in one run_once(): a pass \
             must run only the callbacks that were ready when it started"
        );
        lp.call_soon(forever(runs));
    }
}

#[test]
fn a_callback_that_reschedules_itself_runs_once_per_pass() {
    grading("call_later");
    let lp = Loop::new();
    let runs = Rc::new(Cell::new(0));
    lp.call_soon(forever(runs.clone()));
    for pass in 1..=5 {
        lp.run_once();
        assert_eq!(runs.get(), pass, "one run per pass");
    }
    assert!(lp.has_work(), "it is ready again");
}

#[test]
fn timers_run_by_deadline_at_their_deadline() {
    grading("call_later");
    for seed in [1u64, 2, 7, 40, 123] {
        let mut next = numbers(seed);
        let lp = Loop::new();
        let log = Log::default();
        let mut want = Vec::new();
        for i in 0..(5 + next() % 30) {
            let delay = next() % 5_000;
            lp.call_later(ms(delay), note(&log, format!("timer {i}")));
            want.push((delay, i));
        }
        want.sort(); // by deadline, then in the order scheduled
        let want: Vec<(u64, String)> = want
            .into_iter()
            .map(|(delay, i)| (delay, format!("timer {i}")))
            .collect();
        lp.run();
        assert_eq!(
            *log.borrow(),
            want,
            "seed {seed}: (clock in ms, callback): each timer runs at its deadline, earliest \
             first, ties in the order they were scheduled"
        );
        assert!(!lp.has_work(), "run() returns when nothing is left");
    }
}

#[test]
fn timers_with_the_same_deadline_run_in_the_order_scheduled() {
    grading("call_later");
    let lp = Loop::new();
    let log = Log::default();
    // Three deadlines, forty timers each, scheduled interleaved.
    for i in 0..120u64 {
        let deadline = [300, 100, 200][i as usize % 3];
        lp.call_at(ms(deadline), note(&log, format!("{deadline}ms #{i}")));
    }
    lp.run();
    let mut want = Vec::new();
    for deadline in [100u64, 200, 300] {
        for i in (0..120u64).filter(|i| [300, 100, 200][*i as usize % 3] == deadline) {
            want.push((deadline, format!("{deadline}ms #{i}")));
        }
    }
    assert_eq!(
        *log.borrow(),
        want,
        "timers with equal deadlines run first in, first out"
    );
}

#[test]
fn timers_due_together_run_in_one_pass_after_the_ready_callbacks() {
    grading("call_later");
    let lp = Loop::new();
    let log = Log::default();
    lp.call_later(ms(0), note(&log, "timer due now"));
    lp.call_soon(note(&log, "ready"));
    lp.call_later(ms(50), note(&log, "timer 50 (1)"));
    lp.call_later(ms(50), note(&log, "timer 50 (2)"));
    lp.run_once();
    assert_eq!(
        names(&log),
        ["ready", "timer due now"],
        "first pass: the ready callback, then the timer that is due (the clock does not \
         move while a callback is ready)"
    );
    lp.run_once();
    assert_eq!(
        *log.borrow(),
        [
            (0, "ready".to_string()),
            (0, "timer due now".to_string()),
            (50, "timer 50 (1)".to_string()),
            (50, "timer 50 (2)".to_string()),
        ],
        "second pass: nothing ready, so the clock jumps to 50 ms and both timers run"
    );
    assert!(!lp.has_work());
}

#[test]
fn call_later_counts_from_the_clock_and_the_clock_never_goes_back() {
    grading("call_later");
    let lp = Loop::new();
    let log = Log::default();
    let l = log.clone();
    lp.call_later(ms(500), move |lp| {
        note(&l, "at 500")(lp);
        lp.call_later(ms(300), note(&l, "300 after 500"));
        lp.call_at(ms(100), note(&l, "call_at(100) scheduled at 500"));
        lp.call_soon(note(&l, "soon after 500"));
    });
    lp.call_later(ms(1_000), note(&log, "at 1000"));
    lp.run();
    assert_eq!(
        *log.borrow(),
        [
            (500, "at 500".to_string()),
            (500, "soon after 500".to_string()),
            (500, "call_at(100) scheduled at 500".to_string()),
            (800, "300 after 500".to_string()),
            (1_000, "at 1000".to_string()),
        ],
        "(clock in ms, callback): call_later adds to time(); a timer in the past is due at \
         once; the clock only moves forward"
    );
}

#[test]
fn a_loop_of_timers_and_callbacks_matches_a_model() {
    grading("call_later");
    // Each callback schedules up to two more, with generated delays: the run must match
    // the rules, computed here on plain data.
    for seed in [3u64, 5, 8, 13, 21] {
        let lp = Loop::new();
        let log = Log::default();
        let budget = Rc::new(Cell::new(60u32));
        let next = Rc::new(RefCell::new(numbers(seed)));
        fn spawn(
            lp: &Loop,
            name: String,
            log: &Log,
            budget: &Rc<Cell<u32>>,
            next: &Rc<RefCell<impl FnMut() -> u64 + 'static>>,
        ) {
            let (log, budget, next) = (log.clone(), budget.clone(), next.clone());
            let delay = next.borrow_mut()() % 4;
            let body = move |lp: &Loop| {
                note(&log, name.clone())(lp);
                for child in 0..2 {
                    if budget.get() == 0 {
                        return;
                    }
                    budget.set(budget.get() - 1);
                    spawn(lp, format!("{name}.{child}"), &log, &budget, &next);
                }
            };
            if delay == 0 {
                lp.call_soon(body);
            } else {
                lp.call_later(ms(delay * 10), body);
            }
        }
        spawn(&lp, "root".into(), &log, &budget, &next);
        lp.run();
        let want = model(seed);
        assert_eq!(
            *log.borrow(),
            want,
            "seed {seed}: callbacks scheduling callbacks and timers (delays 0-30 ms)"
        );
    }
}

/// The same program as `a_loop_of_timers_and_callbacks_matches_a_model`, run by the rules
/// on plain data.
fn model(seed: u64) -> Vec<(u64, String)> {
    let mut next = numbers(seed);
    let mut budget = 60u32;
    let mut now = 0u64;
    let mut seq = 0u64;
    let mut ready: std::collections::VecDeque<String> = Default::default();
    let mut timers: Vec<(u64, u64, String)> = Vec::new();
    let mut log = Vec::new();
    let mut schedule = |name: String,
                        now: u64,
                        ready: &mut std::collections::VecDeque<String>,
                        timers: &mut Vec<(u64, u64, String)>| {
        let delay = next() % 4;
        if delay == 0 {
            ready.push_back(name);
        } else {
            timers.push((now + delay * 10, seq, name));
            seq += 1;
        }
    };
    schedule("root".into(), now, &mut ready, &mut timers);
    while !ready.is_empty() || !timers.is_empty() {
        if ready.is_empty() {
            now = now.max(timers.iter().map(|t| t.0).min().unwrap());
        }
        timers.sort();
        while timers.first().is_some_and(|t| t.0 <= now) {
            ready.push_back(timers.remove(0).2);
        }
        for _ in 0..ready.len() {
            let name = ready.pop_front().unwrap();
            log.push((now, name.clone()));
            for child in 0..2 {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                schedule(format!("{name}.{child}"), now, &mut ready, &mut timers);
            }
        }
    }
    log
}
