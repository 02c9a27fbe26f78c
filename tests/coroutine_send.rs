//! `send` and `yield_`: the rows of the DESIGN.md semantics table from `def gen()` to
//! "send after exhaustion".

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use yieldpoint::coroutine::SendError;
use yieldpoint::{Coroutine, CoroutineState, Lifecycle, Yielder};

/// Yields every number from `n` down to 1, each from its own level of recursion, so the
/// yield happens in a plain function several frames below the body.
fn countdown_recursive(co: &Yielder<(), u32>, n: u32) {
    if n == 0 {
        return;
    }
    co.yield_(n);
    countdown_recursive(co, n - 1);
}

/// Python: `def gen(): ... yield v` — the body runs on its own stack and any function it
/// calls may yield through `co`.
#[test]
fn def_gen_body_and_nested_functions_yield_through_co() {
    let mut g = Coroutine::new(|co, ()| {
        countdown_recursive(co, 50);
        "done"
    });
    let mut yielded = Vec::new();
    let returned = loop {
        match g.send(()) {
            CoroutineState::Yielded(n) => yielded.push(n),
            CoroutineState::Complete(r) => break r,
        }
    };
    assert_eq!(yielded, (1..=50).rev().collect::<Vec<_>>());
    assert_eq!(returned, "done");
}

/// Python: `next(g)` / `g.send(None)` to start — the first value sent becomes the body's
/// `first` argument (no "must send None first" trap).
#[test]
fn first_send_starts_body_with_first_argument() {
    let ran = Rc::new(Cell::new(false));
    let ran_in_body = Rc::clone(&ran);
    let mut g = Coroutine::new(move |co, first: &'static str| {
        ran_in_body.set(true);
        co.yield_(first.len());
    });
    assert_eq!(g.state(), Lifecycle::Created);
    assert!(!g.is_started());
    assert!(!ran.get(), "creating a coroutine must not run its body");

    assert_eq!(g.send("four"), CoroutineState::Yielded(4));
    assert!(ran.get());
    assert!(g.is_started());
    assert_eq!(g.state(), Lifecycle::Suspended);
}

/// Python: `x = yield v` — `yield_` returns the next value sent.
#[test]
fn yield_returns_next_value_sent() {
    let mut g = Coroutine::new(|co, first: i32| {
        let second = co.yield_(first * 10);
        let third = co.yield_(second * 10);
        vec![first, second, third]
    });
    assert_eq!(g.send(1), CoroutineState::Yielded(10));
    assert_eq!(g.send(2), CoroutineState::Yielded(20));
    assert_eq!(g.send(3), CoroutineState::Complete(vec![1, 2, 3]));
}

/// Python: `g.send(x)` — `Yielded(y)` for the next yield, `Complete(r)` when the body
/// returns.
#[test]
fn send_returns_yielded_then_complete() {
    let mut running_sum = Coroutine::new(|co, mut total: u64| loop {
        let n = co.yield_(total);
        if n == 0 {
            return format!("total {total}");
        }
        total += n;
    });
    assert_eq!(running_sum.send(5), CoroutineState::Yielded(5));
    assert_eq!(running_sum.send(7), CoroutineState::Yielded(12));
    assert_eq!(
        running_sum.send(0),
        CoroutineState::Complete("total 12".to_owned())
    );
    assert_eq!(running_sum.state(), Lifecycle::Closed);
}

/// Python: `StopIteration(value)` — the body's return value comes back once, as
/// `Complete(r)`.
#[test]
fn stop_iteration_value_comes_back_once_as_complete() {
    let mut g = Coroutine::new(|co, ()| {
        co.yield_(1);
        String::from("value")
    });
    assert_eq!(g.send(()), CoroutineState::Yielded(1));
    let state = g.send(());
    assert_eq!(state.clone().yielded(), None);
    assert_eq!(state.complete().as_deref(), Some("value"));
    assert!(g.is_finished());
    assert!(
        matches!(g.try_send(()), Err(SendError::Finished(()))),
        "the return value must not come back a second time"
    );
}

/// Python: send after exhaustion (`StopIteration` again) — `send` panics with a clear
/// message, never UB.
#[test]
fn send_after_exhaustion_panics_with_clear_message() {
    let mut g = Coroutine::new(|_co: &Yielder<u8, ()>, first: u8| first);
    assert_eq!(g.send(3), CoroutineState::Complete(3));

    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.send(4))).unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .expect("the panic carries a formatted message");
    assert!(
        message.contains("cannot send to a finished coroutine"),
        "unexpected message: {message}"
    );
    assert!(
        message.contains("is_finished()"),
        "says what to do: {message}"
    );
    assert_eq!(g.state(), Lifecycle::Closed);
}

/// Python: send after exhaustion — `try_send` returns `SendError::Finished` holding the
/// value instead of panicking.
#[test]
fn try_send_after_exhaustion_hands_the_value_back() {
    let mut g = Coroutine::new(|_co: &Yielder<Vec<u8>, ()>, first: Vec<u8>| first.len());
    assert_eq!(g.try_send(vec![1]).unwrap(), CoroutineState::Complete(1));

    let err = g.try_send(vec![7, 8, 9]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot send to a finished coroutine; check is_finished() or create a new one"
    );
    assert_eq!(err, SendError::Finished(vec![7, 8, 9]));
    assert_eq!(err.into_inner(), vec![7, 8, 9]);
}

/// `try_send` on a live coroutine behaves exactly like `send`.
#[test]
fn try_send_on_live_coroutine_is_send() {
    let mut g = Coroutine::new(|co, first: u32| co.yield_(first + 1) * 2);
    assert_eq!(g.try_send(1).unwrap(), CoroutineState::Yielded(2));
    assert_eq!(g.try_send(5).unwrap(), CoroutineState::Complete(10));
}

/// Values that are not `Copy` or `Clone` move in and out without duplication.
#[test]
fn non_clone_values_move_through_send_and_yield() {
    struct Ticket(u32);
    let mut g = Coroutine::new(|co: &Yielder<Ticket, Ticket>, first: Ticket| {
        let Ticket(n) = co.yield_(Ticket(first.0 + 1));
        Ticket(n * 2)
    });
    let Some(Ticket(n)) = g.send(Ticket(1)).yielded() else {
        panic!("expected a yield");
    };
    assert_eq!(n, 2);
    let Some(Ticket(r)) = g.send(Ticket(21)).complete() else {
        panic!("expected completion");
    };
    assert_eq!(r, 42);
}

/// Two coroutines on one thread interleave and keep separate stacks and locals.
#[test]
fn interleaved_coroutines_keep_their_own_state() {
    let make = |step: i64| {
        Coroutine::new(move |co: &Yielder<(), i64>, ()| {
            let mut n = 0;
            loop {
                n += step;
                co.yield_(n);
            }
        })
    };
    let (mut up, mut down): (Coroutine<(), i64, ()>, Coroutine<(), i64, ()>) = (make(1), make(-10));
    for i in 1..=100 {
        assert_eq!(up.send(()), CoroutineState::Yielded(i));
        assert_eq!(down.send(()), CoroutineState::Yielded(-10 * i));
    }
}

/// The `Debug` form shows the lifecycle, and the crate docs' `Lifecycle` order holds:
/// `Created` → `Suspended` → `Closed`.
#[test]
fn lifecycle_goes_created_suspended_closed() {
    let mut g: Coroutine<(), (), ()> = Coroutine::new(|co, ()| co.yield_(()));
    assert_eq!(g.state(), Lifecycle::Created);
    assert!(format!("{g:?}").contains("Created"));
    let _ = g.send(());
    assert_eq!(g.state(), Lifecycle::Suspended);
    assert!(format!("{g:?}").contains("Suspended"));
    let _ = g.send(());
    assert_eq!(g.state(), Lifecycle::Closed);
    assert!(format!("{g:?}").contains("Closed"));
}
