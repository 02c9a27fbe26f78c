//! Grader for exercise IV.2 (`src/part4/future.rs`): when done callbacks run (from the
//! loop, once, in order), what `cancel()` returns, and what `result()` and `exception()`
//! give in each state.

mod support;

support::exercise!(
    future,
    "../../src/part4/future.rs",
    "../../solutions/part4/future.rs"
);

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use crate::support::grading;
use crate::support::part3::numbers;
use exercises::part4::event_loop::Loop;
use future::{Future, FutureError};

type Log = Rc<RefCell<Vec<String>>>;

/// A done callback that logs `name` and what `result()` gives.
fn logger(log: &Log, name: &str) -> impl FnOnce(&Future<u32>) + 'static {
    let (log, name) = (log.clone(), name.to_string());
    move |fut| log.borrow_mut().push(format!("{name}: {:?}", fut.result()))
}

// ANCHOR: example_test
#[test]
fn done_callbacks_run_from_the_loop_once_each_in_order() {
    grading("future");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let fut = Future::new(&lp);
    for name in ["first", "second", "third"] {
        fut.add_done_callback(logger(&log, name));
    }
    assert_eq!(fut.set_result(7), Ok(()));
    assert!(
        log.borrow().is_empty(),
        "set_result must not run the callbacks: it schedules them with call_soon"
    );
    lp.run_once();
    assert_eq!(
        *log.borrow(),
        ["first: Ok(7)", "second: Ok(7)", "third: Ok(7)"],
        "one pass later, each callback ran once, in the order added"
    );
    assert_eq!(fut.set_result(8), Err(FutureError::InvalidState));
    assert!(!fut.cancel());
    lp.run();
    assert_eq!(
        log.borrow().len(),
        3,
        "callbacks run once, however the future is poked"
    );
}
// ANCHOR_END: example_test

#[test]
fn a_callback_added_to_a_done_future_is_scheduled_not_run() {
    grading("future");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let fut = Future::new(&lp);
    fut.set_result(1).unwrap();
    lp.run();
    fut.add_done_callback(logger(&log, "late"));
    assert!(
        log.borrow().is_empty(),
        "add_done_callback on a done future schedules the callback, it does not run it"
    );
    assert!(lp.has_work(), "... with call_soon");
    lp.run_once();
    assert_eq!(*log.borrow(), ["late: Ok(1)"]);
}

#[test]
fn callbacks_run_after_what_was_already_ready() {
    grading("future");
    let lp = Rc::new(Loop::new());
    let log = Log::default();
    let fut = Future::new(&lp);
    fut.add_done_callback(logger(&log, "done callback"));
    let (l, f) = (log.clone(), fut.clone());
    // The future is set by a callback; its done callback runs in the next pass, after a
    // callback that was scheduled before the result was set.
    lp.call_soon(move |lp| {
        let l2 = l.clone();
        lp.call_soon(move |_| l2.borrow_mut().push("scheduled before set_result".into()));
        f.set_result(5).unwrap();
        l.borrow_mut().push("set_result returned".into());
    });
    lp.run_once();
    assert_eq!(*log.borrow(), ["set_result returned"]);
    lp.run_once();
    assert_eq!(
        *log.borrow(),
        [
            "set_result returned",
            "scheduled before set_result",
            "done callback: Ok(5)"
        ]
    );
}

#[test]
fn cancel_returns_whether_it_cancelled() {
    grading("future");
    let lp = Rc::new(Loop::new());
    let log = Log::default();

    let pending = Future::<u32>::new(&lp);
    pending.add_done_callback(logger(&log, "cancelled one"));
    assert!(
        pending.cancel(),
        "cancel() on a pending future returns true"
    );
    assert!(pending.cancelled() && pending.done());
    assert!(!pending.cancel(), "a second cancel() returns false");
    assert_eq!(pending.set_result(1), Err(FutureError::InvalidState));
    assert_eq!(pending.result(), Err(FutureError::Cancelled));

    let finished = Future::new(&lp);
    finished.set_result(3).unwrap();
    assert!(
        !finished.cancel(),
        "cancel() on a finished future returns false"
    );
    assert!(!finished.cancelled());
    assert_eq!(finished.result(), Ok(3), "... and leaves its result alone");

    let failed = Future::<u32>::new(&lp);
    failed.set_exception("boom").unwrap();
    assert!(
        !failed.cancel(),
        "cancel() on a failed future returns false"
    );
    assert_eq!(failed.exception(), Ok(Some("boom".to_string())));

    lp.run();
    assert_eq!(
        *log.borrow(),
        ["cancelled one: Err(Cancelled)"],
        "a cancelled future's callbacks run too, and see it cancelled"
    );
}

#[test]
fn result_and_exception_in_each_state() {
    grading("future");
    let lp = Rc::new(Loop::new());
    let fut = Future::<String>::new(&lp);
    assert!(!fut.done() && !fut.cancelled());
    assert_eq!(
        fut.result(),
        Err(FutureError::InvalidState),
        "pending: result()"
    );
    assert_eq!(
        fut.exception(),
        Err(FutureError::InvalidState),
        "pending: exception()"
    );

    fut.set_result("ok".into()).unwrap();
    for _ in 0..3 {
        assert_eq!(
            fut.result(),
            Ok("ok".to_string()),
            "result() as often as asked"
        );
    }
    assert_eq!(
        fut.exception(),
        Ok(None),
        "finished: exception() is Ok(None)"
    );
    assert_eq!(fut.set_exception("late"), Err(FutureError::InvalidState));
    assert_eq!(
        fut.result(),
        Ok("ok".to_string()),
        "a refused set changes nothing"
    );

    let failed = Future::<String>::new(&lp);
    failed.set_exception("disk full").unwrap();
    assert!(failed.done() && !failed.cancelled());
    assert_eq!(
        failed.result(),
        Err(FutureError::Failed("disk full".into()))
    );
    assert_eq!(failed.exception(), Ok(Some("disk full".into())));
    assert_eq!(
        failed.set_result("late".into()),
        Err(FutureError::InvalidState)
    );
    assert_eq!(failed.exception(), Ok(Some("disk full".into())));

    let cancelled = Future::<String>::new(&lp);
    cancelled.cancel();
    assert_eq!(cancelled.result(), Err(FutureError::Cancelled));
    assert_eq!(cancelled.exception(), Err(FutureError::Cancelled));
    assert_eq!(
        cancelled.set_exception("late"),
        Err(FutureError::InvalidState)
    );
}

#[test]
fn many_futures_completed_by_timers() {
    grading("future");
    // Generated: futures with a few callbacks each, set (or failed, or cancelled) by timers
    // at generated times; callbacks must run after their future is done, in order, once.
    for seed in [1u64, 4, 9, 16, 25] {
        let mut next = numbers(seed);
        let lp = Rc::new(Loop::new());
        let log = Log::default();
        let mut want: Vec<(u64, usize, String)> = Vec::new();
        for i in 0..(3 + next() as usize % 8) {
            let fut = Future::<u32>::new(&lp);
            let callbacks = next() as usize % 4;
            for c in 0..callbacks {
                let (log, name) = (log.clone(), format!("fut {i} cb {c}"));
                fut.add_done_callback(move |f| {
                    log.borrow_mut().push(format!("{name}: {:?}", f.result()));
                });
            }
            let at = next() % 50;
            let how = next() % 3;
            let outcome = match how {
                0 => "Ok(7)".to_string(),
                1 => "Err(Failed(\"boom\"))".to_string(),
                _ => "Err(Cancelled)".to_string(),
            };
            for c in 0..callbacks {
                want.push((at, i, format!("fut {i} cb {c}: {outcome}")));
            }
            lp.call_later(Duration::from_millis(at), move |_| match how {
                0 => fut.set_result(7).unwrap(),
                1 => fut.set_exception("boom").unwrap(),
                _ => assert!(fut.cancel()),
            });
        }
        want.sort_by_key(|&(at, i, _)| (at, i));
        let want: Vec<String> = want.into_iter().map(|(_, _, line)| line).collect();
        lp.run();
        assert_eq!(*log.borrow(), want, "seed {seed}");
    }
}
