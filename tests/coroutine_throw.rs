//! `throw`: the semantics-table rows for a thrown error that is caught, not caught, or
//! thrown at a coroutine that is not running, and the corosensei issue #57 cases (a body
//! that catches the unwinding with `catch_unwind`).

mod support;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use support::drop_counter::DropCounter;
use yieldpoint::{Coroutine, CoroutineState, Exception, Lifecycle, Yielder};

/// The error thrown in these tests; the number tells one throw from another.
#[derive(Debug, PartialEq, Eq)]
struct Interrupt(u32);

/// Python: `g.throw(e)` caught by `try: x = yield v except E` — the body sees `Err(e)` at
/// `try_yield` and `throw` returns `Ok(Yielded(..))`.
#[test]
fn throw_caught_at_try_yield_returns_ok_yielded() {
    let mut g = Coroutine::typed(|co, ()| {
        let mut seen = Vec::new();
        loop {
            match co.try_yield(seen.len()) {
                Ok(()) => {}
                Err(Interrupt(n)) => seen.push(n),
            }
        }
    });
    let _: &Coroutine<(), usize, (), Interrupt> = &g;
    assert_eq!(g.send(()), CoroutineState::Yielded(0));
    assert_eq!(g.throw(Interrupt(1)), Ok(CoroutineState::Yielded(1)));
    assert_eq!(g.throw(Interrupt(2)), Ok(CoroutineState::Yielded(2)));
    assert_eq!(g.send(()), CoroutineState::Yielded(2));
    assert_eq!(g.state(), Lifecycle::Suspended);
}

/// Python: `g.throw(e)` caught, then the generator returns — `throw` returns
/// `Ok(Complete(..))`.
#[test]
fn throw_caught_then_returning_gives_ok_complete() {
    let mut g = Coroutine::typed(
        |co: &Yielder<(), (), Interrupt>, ()| match co.try_yield(()) {
            Ok(()) => 0,
            Err(Interrupt(n)) => n * 100,
        },
    );
    assert_eq!(g.send(()), CoroutineState::Yielded(()));
    assert_eq!(g.throw(Interrupt(7)), Ok(CoroutineState::Complete(700)));
    assert_eq!(g.state(), Lifecycle::Closed);
}

/// Python: `g.throw(e)` uncaught -> propagates; `g` is closed — at a plain `yield_` the
/// stack unwinds (destructors run, like `finally`) and `throw` returns `Err(e)`.
#[test]
fn throw_uncaught_unwinds_and_returns_err() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let after_yield = Rc::new(Cell::new(false));
    let after_yield_in_body = Rc::clone(&after_yield);
    let mut g = Coroutine::typed(move |co: &Yielder<(), u32, Interrupt>, ()| {
        let _outer = body_drops.token();
        {
            let _inner = body_drops.token();
            co.yield_(1);
        }
        after_yield_in_body.set(true);
    });
    assert_eq!(g.send(()), CoroutineState::Yielded(1));
    assert_eq!(drops.dropped(), 0);

    assert_eq!(g.throw(Interrupt(3)), Err(Interrupt(3)));
    assert_eq!(drops.dropped(), 2, "both destructors on the stack ran");
    assert!(!after_yield.get(), "the body did not go on after the yield");
    assert_eq!(g.state(), Lifecycle::Closed);
    assert!(g.try_send(()).is_err());
}

/// Python: `g.throw(e)` uncaught, with the default `Exception` type: the boxed error comes
/// back intact.
#[test]
fn throw_uncaught_exception_comes_back_boxed() {
    let mut g: Coroutine<(), (), ()> = Coroutine::new(|co, ()| co.yield_(()));
    let _ = g.send(());
    let err = g.throw(Exception::from("disk on fire")).unwrap_err();
    assert_eq!(err.to_string(), "disk on fire");
    assert!(g.is_finished());
}

/// Python: `throw` on a not-started generator — `throw` returns `Err(e)`; the body never
/// runs and is dropped (its captures exactly once).
#[test]
fn throw_on_not_started_returns_err_and_drops_body_unrun() {
    let drops = DropCounter::new();
    let captured = drops.token();
    let ran = Rc::new(Cell::new(false));
    let ran_in_body = Rc::clone(&ran);
    let mut g = Coroutine::typed(move |co: &Yielder<(), (), Interrupt>, ()| {
        let _keep = &captured;
        ran_in_body.set(true);
        co.yield_(());
    });
    assert_eq!(g.throw(Interrupt(1)), Err(Interrupt(1)));
    assert!(!ran.get(), "throw must not start the body");
    assert_eq!(
        drops.dropped(),
        1,
        "the closure's capture is dropped at once"
    );
    assert_eq!(g.state(), Lifecycle::Closed);

    drop(g);
    assert_eq!(drops.dropped(), 1, "and not dropped a second time");
}

/// Python: `throw` on a finished generator — `throw` returns `Err(e)` and nothing runs.
#[test]
fn throw_on_finished_returns_err() {
    let resumed = Rc::new(Cell::new(0));
    let resumed_in_body = Rc::clone(&resumed);
    let mut g = Coroutine::typed(move |_co: &Yielder<(), (), Interrupt>, ()| {
        resumed_in_body.set(resumed_in_body.get() + 1);
        5
    });
    assert_eq!(g.send(()), CoroutineState::Complete(5));
    assert_eq!(g.throw(Interrupt(9)), Err(Interrupt(9)));
    assert_eq!(g.throw(Interrupt(10)), Err(Interrupt(10)));
    assert_eq!(resumed.get(), 1);
}

/// An error caught by `try_yield` and then re-raised by the body with `?`-style `return`
/// is not a throw any more: it is the body's return value.
#[test]
fn error_returned_by_body_is_a_return_value_not_a_throw() {
    let mut g = Coroutine::typed(
        |co: &Yielder<(), (), Interrupt>, ()| -> Result<(), Interrupt> {
            co.try_yield(())?;
            Ok(())
        },
    );
    let _ = g.send(());
    assert_eq!(
        g.throw(Interrupt(4)),
        Ok(CoroutineState::Complete(Err(Interrupt(4))))
    );
}

/// A thrown error propagates through nested plain functions the body called, running the
/// destructors of every frame on the way.
#[test]
fn throw_uncaught_in_nested_function_unwinds_every_frame() {
    /// Recurses `depth` frames, each holding a token, then yields at the bottom.
    fn descend(co: &Yielder<(), (), Interrupt>, drops: &DropCounter, depth: u32) {
        let _frame = drops.token();
        if depth == 0 {
            co.yield_(());
        } else {
            descend(co, drops, depth - 1);
        }
    }
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut g = Coroutine::typed(move |co, ()| descend(co, &body_drops, 9));
    let _ = g.send(());
    assert_eq!(g.throw(Interrupt(0)), Err(Interrupt(0)));
    assert_eq!(drops.dropped(), 10);
}

/// corosensei issue #57: a body wraps a plain `yield_` in `catch_unwind`, catches the
/// throw's unwinding and yields again. The yield is refused (the throw is raised again),
/// and `throw` returns the original error: it is never lost.
#[test]
fn throw_caught_by_catch_unwind_then_yield_again_still_returns_err() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let caught = Rc::new(Cell::new(0));
    let caught_in_body = Rc::clone(&caught);
    let mut g = Coroutine::typed(move |co: &Yielder<(), &'static str, Interrupt>, ()| {
        let _finally = body_drops.token();
        let result = panic::catch_unwind(AssertUnwindSafe(|| co.yield_("first")));
        if result.is_err() {
            caught_in_body.set(caught_in_body.get() + 1);
        }
        co.yield_("after catching");
        "returned"
    });
    assert_eq!(g.send(()), CoroutineState::Yielded("first"));
    assert_eq!(g.throw(Interrupt(57)), Err(Interrupt(57)));
    assert_eq!(caught.get(), 1, "the body did catch the unwinding once");
    assert_eq!(drops.dropped(), 1, "the rest of the stack unwound");
    assert_eq!(g.state(), Lifecycle::Closed);
}

/// corosensei issue #57: a body catches the throw's unwinding and returns normally; the
/// return value is discarded and `throw` returns `Err(e)`.
#[test]
fn throw_caught_by_catch_unwind_then_return_still_returns_err() {
    let mut g = Coroutine::typed(|co: &Yielder<(), (), Interrupt>, ()| {
        let caught = panic::catch_unwind(AssertUnwindSafe(|| co.yield_(()))).is_err();
        if caught {
            "swallowed"
        } else {
            "sent"
        }
    });
    let _ = g.send(());
    assert_eq!(g.throw(Interrupt(57)), Err(Interrupt(57)));
    assert!(g.is_finished());
}

/// corosensei issue #57, with `try_yield` after the catch: the swallowed throw is raised
/// from the `try_yield` before it suspends, not delivered as a fresh `Err`.
#[test]
fn throw_caught_by_catch_unwind_then_try_yield_still_returns_err() {
    let try_yield_saw = Rc::new(Cell::new(None));
    let saw_in_body = Rc::clone(&try_yield_saw);
    let mut g = Coroutine::typed(move |co: &Yielder<(), u8, Interrupt>, ()| {
        let _ = panic::catch_unwind(AssertUnwindSafe(|| co.yield_(1)));
        saw_in_body.set(Some(co.try_yield(2).is_ok()));
    });
    assert_eq!(g.send(()), CoroutineState::Yielded(1));
    assert_eq!(g.throw(Interrupt(8)), Err(Interrupt(8)));
    assert_eq!(try_yield_saw.get(), None, "try_yield never returned");
}

/// A thrown error that the body handles does not disturb later throws or sends.
#[test]
fn caught_throw_leaves_coroutine_fully_usable() {
    let mut g = Coroutine::typed(|co: &Yielder<u32, u32, Interrupt>, mut acc: u32| loop {
        acc = match co.try_yield(acc) {
            Ok(n) => acc + n,
            Err(Interrupt(_)) => 0,
        };
    });
    assert_eq!(g.send(1), CoroutineState::Yielded(1));
    assert_eq!(g.send(2), CoroutineState::Yielded(3));
    assert_eq!(g.throw(Interrupt(0)), Ok(CoroutineState::Yielded(0)));
    assert_eq!(g.send(5), CoroutineState::Yielded(5));
    assert_eq!(g.throw(Interrupt(0)), Ok(CoroutineState::Yielded(0)));
}

/// Python: `except E: cleanup(); raise` — a caught error re-raised propagates; the
/// coroutine's destructors run and `throw` returns the error.
#[test]
fn raise_after_try_yield_propagates_the_error() {
    use std::rc::Rc;
    let cleaned = Rc::new(std::cell::Cell::new(false));
    let flag = cleaned.clone();
    let mut g = yieldpoint::Coroutine::typed(move |co, ()| {
        struct Cleanup(Rc<std::cell::Cell<bool>>);
        impl Drop for Cleanup {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let _cleanup = Cleanup(flag);
        loop {
            match co.try_yield(0u8) {
                Ok(()) => {}
                Err(code) if code < 10 => {}
                Err(code) => co.raise(code),
            }
        }
    });
    let _: &yieldpoint::Coroutine<(), u8, (), u32> = &g;
    assert!(g.send(()).yielded().is_some());
    assert!(
        g.throw(3).is_ok(),
        "a handled error keeps the coroutine going"
    );
    assert_eq!(g.throw(42).unwrap_err(), 42);
    assert!(
        cleaned.get(),
        "destructors ran while the raised error unwound the stack"
    );
    assert!(g.is_finished());
}

/// `raise` while handling a `send` has no `throw` to report to: `send` panics saying so.
#[test]
fn raise_during_send_panics_with_a_clear_message() {
    let mut g = yieldpoint::Coroutine::typed(|co, ()| {
        co.raise(7u32);
    });
    let _: &yieldpoint::Coroutine<(), (), (), u32> = &g;
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.send(()))).unwrap_err();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert!(
        message.contains("raise is for errors caught from throw()"),
        "{message}"
    );
    assert!(g.is_finished());
}
