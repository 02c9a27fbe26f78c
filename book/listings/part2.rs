//! Part II: Coroutines: send, throw, close (PEP 342). Compiled and run by
//! `tests/book_listings.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::{Coroutine, CoroutineState, Exception, Lifecycle};

// ANCHOR: send
/// Yields the largest value sent so far. The first value is the body's argument:
/// no priming `next()`.
fn running_max() -> Coroutine<i64, i64, ()> {
    Coroutine::new(|co, first: i64| {
        let mut max = first;
        loop {
            let value = co.yield_(max); // Python: value = yield max
            max = max.max(value);
        }
    })
}

#[test]
fn send_passes_values_in() {
    let mut m = running_max();
    assert_eq!(m.state(), Lifecycle::Created);
    assert_eq!(m.send(3), CoroutineState::Yielded(3)); // starts the body with first = 3
    assert_eq!(m.send(1), CoroutineState::Yielded(3));
    assert_eq!(m.send(7), CoroutineState::Yielded(7));
    assert_eq!(m.state(), Lifecycle::Suspended);
}
// ANCHOR_END: send

// ANCHOR: push
type Sink = Coroutine<String, (), ()>;

/// The end of a push pipeline: keeps what it is sent.
fn printer(out: Rc<RefCell<Vec<String>>>) -> Sink {
    Coroutine::new(move |co, first: String| {
        let mut line = first;
        loop {
            out.borrow_mut().push(line);
            line = co.yield_(());
        }
    })
}

/// A middle stage: pushes each line on, upper-cased. It owns its target.
fn upper(mut target: Sink) -> Sink {
    Coroutine::new(move |co, first: String| {
        let mut line = first;
        loop {
            let _ = target.send(line.to_uppercase());
            line = co.yield_(());
        }
    })
}

#[test]
fn the_source_pushes_data_through_the_stages() {
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut pipeline = upper(printer(out.clone()));
    for line in ["send", "throw", "close"] {
        let _ = pipeline.send(line.to_string());
    }
    assert_eq!(*out.borrow(), ["SEND", "THROW", "CLOSE"]);
}
// ANCHOR_END: push

// ANCHOR: throw_caught
/// Counts the values it is sent; a thrown error is caught and counted apart.
fn counter() -> Coroutine<u32, (u32, u32), (), Exception> {
    Coroutine::new(|co, _first: u32| {
        let (mut values, mut errors) = (1, 0);
        loop {
            match co.try_yield((values, errors)) {
                Ok(_) => values += 1,
                Err(_error) => errors += 1, // Python: except Exception as error
            }
        }
    })
}

#[test]
fn a_caught_throw_resumes_the_body() {
    let mut c = counter();
    assert_eq!(c.send(10), CoroutineState::Yielded((1, 0)));
    let handled = c.throw(Exception::from("bad reading"));
    assert_eq!(handled.unwrap(), CoroutineState::Yielded((1, 1)));
    assert_eq!(c.send(11), CoroutineState::Yielded((2, 1)));
}
// ANCHOR_END: throw_caught

// ANCHOR: throw_uncaught
/// Logs "released" when dropped: Python's `finally: release()`.
struct Release(Rc<RefCell<Vec<&'static str>>>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.borrow_mut().push("released");
    }
}

#[test]
fn an_uncaught_throw_unwinds_the_body() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let body_log = log.clone();
    let mut worker: Coroutine<(), &str, ()> = Coroutine::new(move |co, ()| {
        let _guard = Release(body_log);
        loop {
            co.yield_("working"); // no try_yield: a throw propagates from here
        }
    });
    assert_eq!(worker.send(()), CoroutineState::Yielded("working"));
    let escaped = worker.throw(Exception::from("shutdown")).unwrap_err();
    assert_eq!(escaped.to_string(), "shutdown");
    assert_eq!(*log.borrow(), ["released"]);
    assert_eq!(worker.state(), Lifecycle::Closed);
}
// ANCHOR_END: throw_uncaught

// ANCHOR: close
#[test]
fn close_runs_destructors_like_finally() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let body_log = log.clone();
    let mut session: Coroutine<&str, (), ()> = Coroutine::new(move |co, first| {
        let _guard = Release(body_log.clone());
        let mut command = first;
        loop {
            body_log.borrow_mut().push(command);
            command = co.yield_(());
        }
    });
    let _ = session.send("open");
    let _ = session.send("read");
    session.close(); // Python: session.close() raises GeneratorExit at the yield
    assert_eq!(*log.borrow(), ["open", "read", "released"]);
    assert_eq!(session.state(), Lifecycle::Closed);
}
// ANCHOR_END: close

// ANCHOR: close_ignored
#[test]
fn a_body_that_ignores_close_makes_close_panic() {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    let mut stubborn: Coroutine<(), u32, ()> = Coroutine::new(|co, ()| {
        let mut n = 0;
        loop {
            n += 1;
            // Catches every unwind, the close included: the bug this section is about.
            let _ = catch_unwind(AssertUnwindSafe(|| co.yield_(n)));
        }
    });
    assert_eq!(stubborn.send(()), CoroutineState::Yielded(1));
    // Python: RuntimeError("generator ignored GeneratorExit")
    let err = catch_unwind(AssertUnwindSafe(|| stubborn.close())).unwrap_err();
    let message = err.downcast_ref::<String>().unwrap();
    assert!(message.starts_with("coroutine ignored close"));
    assert_eq!(stubborn.state(), Lifecycle::Closed);
}
// ANCHOR_END: close_ignored

// ANCHOR: cancel
#[test]
fn cancel_is_raised_once_and_cleanup_may_wait() {
    use std::panic::{self, AssertUnwindSafe};
    use std::time::Duration;
    use yieldpoint::sched::RoundRobin;

    let log = RoundRobin::new().block_on(|| {
        let (tx, rx) = yieldpoint::sync::channel::unbounded();
        let worker = yieldpoint::spawn(move || {
            // Python: try: await asyncio.sleep(3600)
            let work = panic::catch_unwind(AssertUnwindSafe(|| {
                yieldpoint::sleep(Duration::from_secs(3600));
            }));
            // finally: await flush() -- caught, so this wait switches as usual
            yieldpoint::sleep(Duration::from_millis(1));
            tx.send("flushed").unwrap();
            if let Err(cancel) = work {
                panic::resume_unwind(cancel); // re-raise: the task ends cancelled
            }
        });
        yieldpoint::yield_now(); // the worker starts and sleeps
        worker.cancel(); // Python: task.cancel()
        assert!(worker.join().unwrap_err().is_cancelled());
        rx.recv().unwrap()
    });
    assert_eq!(log, "flushed");
}
// ANCHOR_END: cancel

// ANCHOR: state_machine
/// Fed chunks of text, yields the complete lines each chunk finished. The state
/// "in the middle of a line" is the `partial` buffer, carried across yields.
fn line_splitter() -> Coroutine<&'static str, Vec<String>, String> {
    Coroutine::new(|co, first: &str| {
        let mut partial = String::new();
        let mut chunk = first;
        loop {
            let mut finished = Vec::new();
            for c in chunk.chars() {
                if c == '\n' {
                    finished.push(std::mem::take(&mut partial));
                } else {
                    partial.push(c);
                }
            }
            if chunk.is_empty() {
                return partial; // an empty chunk means end of input
            }
            chunk = co.yield_(finished);
        }
    })
}

#[test]
fn lines_arrive_when_their_newline_does() {
    let mut s = line_splitter();
    assert_eq!(
        s.send("GET /a\nGE"),
        CoroutineState::Yielded(vec!["GET /a".to_string()])
    );
    assert_eq!(s.send("T /b"), CoroutineState::Yielded(vec![]));
    assert_eq!(
        s.send("\n\nx"),
        CoroutineState::Yielded(vec!["GET /b".into(), "".into()])
    );
    assert_eq!(s.send(""), CoroutineState::Complete("x".to_string()));
}
// ANCHOR_END: state_machine
