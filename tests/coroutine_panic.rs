//! A panic in a coroutine body reaches the caller of `send` or `throw` with its payload;
//! the coroutine is closed afterwards and its stack unwound (DESIGN.md, "Reliability").

mod support;

use std::panic::{self, AssertUnwindSafe};

use support::drop_counter::DropCounter;
use yieldpoint::coroutine::{Builder, SendError};
use yieldpoint::{Coroutine, CoroutineState, Lifecycle, Yielder};

/// A payload type that is neither `&str` nor `String`, to show the payload is passed on
/// as is.
#[derive(Debug, PartialEq)]
struct Boom {
    code: i32,
}

/// Returns the message of a panic payload raised by `panic!("...")`.
fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .expect("a panic!() payload is a String or a &str")
}

/// A panic in the body reaches the caller of `send` with its original payload; the
/// coroutine is closed, `send` then panics about a finished coroutine, and `try_send`
/// hands the value back.
#[test]
fn panic_in_body_reaches_send_caller_with_payload() {
    let mut g = Coroutine::new(|co: &Yielder<String, u32>, _first: String| {
        co.yield_(1);
        panic::panic_any(Boom { code: 42 });
    });
    assert_eq!(g.send("a".into()), CoroutineState::Yielded(1));

    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.send("b".into()))).unwrap_err();
    assert_eq!(payload.downcast_ref::<Boom>(), Some(&Boom { code: 42 }));
    assert_eq!(g.state(), Lifecycle::Closed);
    assert!(g.is_finished());

    let after = panic::catch_unwind(AssertUnwindSafe(|| g.send("c".into()))).unwrap_err();
    assert!(
        message(&*after).contains("finished coroutine"),
        "{}",
        message(&*after)
    );
    match g.try_send("d".into()) {
        Err(SendError::Finished(value)) => assert_eq!(value, "d"),
        Ok(state) => panic!("a panicked coroutine must not run again: {state:?}"),
    }
}

/// A `panic!("...")` message arrives unchanged, from the very first `send`.
#[test]
fn panic_message_on_first_send_is_preserved() {
    let mut g: Coroutine<u8, (), ()> = Coroutine::new(|_co, n| panic!("bad input {n}"));
    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.send(7))).unwrap_err();
    assert_eq!(message(&*payload), "bad input 7");
    assert_eq!(g.state(), Lifecycle::Closed);
}

/// A panic while the body handles a thrown error reaches the caller of `throw`.
#[test]
fn panic_while_handling_throw_reaches_throw_caller() {
    let mut g = Coroutine::new(|co: &Yielder<(), ()>, ()| {
        if let Err(e) = co.try_yield(()) {
            panic!("could not handle: {e}");
        }
    });
    let _ = g.send(());
    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.throw("overload".into()))).unwrap_err();
    assert_eq!(message(&*payload), "could not handle: overload");
    assert_eq!(g.state(), Lifecycle::Closed);
}

/// A body panic unwinds the coroutine's stack: every destructor on it runs exactly once,
/// and dropping the coroutine afterwards runs none again.
#[test]
fn panic_in_body_runs_destructors_once() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut g = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        let _a = body_drops.token();
        co.yield_(());
        let _b = body_drops.token();
        panic!("boom");
    });
    let _ = g.send(());
    assert!(panic::catch_unwind(AssertUnwindSafe(|| g.send(()))).is_err());
    assert_eq!(drops.dropped(), 2);
    drop(g);
    assert_eq!(drops.dropped(), 2);
}

/// After one coroutine panics, other coroutines on the same thread keep running, and new
/// ones can be created (its stack went back to the pool in a usable state).
#[test]
fn panic_leaves_other_coroutines_running() {
    let mut survivor = Coroutine::new(|co: &Yielder<u32, u32>, mut n: u32| loop {
        n = co.yield_(n + 1);
    });
    assert_eq!(survivor.send(1), CoroutineState::Yielded(2));
    for round in 0..10 {
        let mut victim: Coroutine<(), (), ()> = Coroutine::new(|_co, ()| panic!("victim"));
        assert!(panic::catch_unwind(AssertUnwindSafe(|| victim.send(()))).is_err());
        drop(victim);
        assert_eq!(survivor.send(round), CoroutineState::Yielded(round + 1));
    }
    let mut fresh = Coroutine::new(|co: &Yielder<(), u8>, ()| co.yield_(9));
    assert_eq!(fresh.send(()), CoroutineState::Yielded(9));
}

/// The finished-coroutine panic names a coroutine built with a name.
#[test]
fn send_after_panic_message_names_the_coroutine() {
    let mut g: Coroutine<(), (), ()> = Builder::new()
        .name("parser-7")
        .build(|_co, ()| panic!("inner failure"))
        .unwrap();
    assert!(panic::catch_unwind(AssertUnwindSafe(|| g.send(()))).is_err());
    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.send(()))).unwrap_err();
    let text = message(&*payload);
    assert!(text.contains("finished coroutine"), "{text}");
    assert!(text.contains("\"parser-7\""), "{text}");
}

/// A panic inside a plain function called by the body, several frames down, still
/// reaches the resumer and unwinds every frame.
#[test]
fn panic_in_nested_function_unwinds_every_frame() {
    /// Recurses `depth` frames holding a token each, yields, then panics at the bottom.
    fn descend(co: &Yielder<(), ()>, drops: &DropCounter, depth: u32) {
        let _frame = drops.token();
        if depth == 0 {
            co.yield_(());
            panic::panic_any(depth);
        }
        descend(co, drops, depth - 1);
    }
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut g = Coroutine::new(move |co, ()| descend(co, &body_drops, 19));
    let _ = g.send(());
    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.send(()))).unwrap_err();
    assert_eq!(payload.downcast_ref::<u32>(), Some(&0));
    assert_eq!(drops.dropped(), 20);
}

/// Nested unwinding from a user panic: the outer body panics while holding a suspended
/// inner coroutine, so the inner's stack unwinds while the outer's panic is in flight.
/// Both sets of destructors run, the payload reaches the resumer, nothing aborts.
#[test]
fn panic_in_outer_holding_suspended_inner_unwinds_both() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut outer = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        let _outer_finally = body_drops.token();
        let inner_drops = body_drops.clone();
        let mut inner = Coroutine::new(move |inner_co: &Yielder<(), ()>, ()| {
            let _inner_finally = inner_drops.token();
            inner_co.yield_(());
        });
        let _ = inner.send(());
        co.yield_(());
        panic::panic_any(Boom { code: 2 });
    });
    let _ = outer.send(());
    let payload = panic::catch_unwind(AssertUnwindSafe(|| outer.send(()))).unwrap_err();
    assert_eq!(payload.downcast_ref::<Boom>(), Some(&Boom { code: 2 }));
    assert_eq!(drops.dropped(), 2);
}

/// A suspended coroutine owned by ordinary code that panics is dropped during that
/// unwinding: its stack unwinds too, and the original payload survives.
#[test]
fn suspended_coroutine_dropped_while_caller_panics_unwinds() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let payload = panic::catch_unwind(AssertUnwindSafe(move || {
        let mut co = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
            let _finally = body_drops.token();
            co.yield_(());
        });
        let _ = co.send(());
        panic::panic_any(Boom { code: 3 });
    }))
    .unwrap_err();
    assert_eq!(payload.downcast_ref::<Boom>(), Some(&Boom { code: 3 }));
    assert_eq!(drops.dropped(), 1);
}
