//! `yield_from` and `yield_from_iter`: delegation to a subcoroutine (PEP 380), with
//! `send`, `throw` and `close` forwarded, and deep recursive delegation.

mod support;

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use support::drop_counter::{DropCounter, DropLog};
use yieldpoint::{Coroutine, CoroutineState, Generator, Lifecycle, Yielder};

/// The error thrown in these tests.
#[derive(Debug, PartialEq, Eq)]
struct Cancel(u32);

/// A subcoroutine that adds up what it is sent, yielding the running total, and returns
/// the total when sent 0. Python: `def adder(total): while (n := yield total): total += n;
/// return total`.
fn adder() -> Coroutine<i32, i32, i32, Cancel> {
    Coroutine::typed(|co, mut total| loop {
        match co.yield_(total) {
            0 => return total,
            n => total += n,
        }
    })
}

/// Python: `result = yield from sub` — the delegation starts `sub` with `first`, yields out
/// what `sub` yields, forwards every `send`, and returns `sub`'s return value.
#[test]
fn yield_from_forwards_sends_and_returns_sub_value() {
    let mut outer = Coroutine::typed(|co, first: i32| {
        let before = co.yield_(-1);
        let subtotal = co.yield_from(adder(), first + before);
        co.yield_(subtotal * 100);
        "outer done"
    });
    assert_eq!(outer.send(1), CoroutineState::Yielded(-1));
    assert_eq!(
        outer.send(2),
        CoroutineState::Yielded(3),
        "sub started with 1 + 2"
    );
    assert_eq!(outer.send(10), CoroutineState::Yielded(13));
    assert_eq!(outer.send(0), CoroutineState::Yielded(1300));
    assert_eq!(outer.send(0), CoroutineState::Complete("outer done"));
}

/// Python: `yield from sub` where `sub` returns at once: no yield happens.
#[test]
fn yield_from_sub_that_returns_immediately_yields_nothing() {
    let mut outer = Coroutine::typed(|co: &Yielder<u8, u8, Cancel>, first: u8| {
        let sub = Coroutine::typed(|_co: &Yielder<u8, u8, Cancel>, first: u8| first * 2);
        co.yield_from(sub, first) + 1
    });
    assert_eq!(outer.send(20), CoroutineState::Complete(41));
}

/// Python: `g.throw(e)` during `yield from` is forwarded to `sub.throw`; `sub` catches it
/// at `try_yield` and goes on.
#[test]
fn throw_forwarded_to_sub_caught_by_try_yield() {
    let mut outer = Coroutine::typed(|co, ()| {
        let sub = Coroutine::typed(|co: &Yielder<(), String, Cancel>, ()| {
            let mut caught = Vec::new();
            for _ in 0..2 {
                if let Err(Cancel(n)) = co.try_yield(format!("caught {caught:?}")) {
                    caught.push(n);
                }
            }
            caught
        });
        let caught = co.yield_from(sub, ());
        co.yield_(format!("sub returned {caught:?}"));
    });
    assert_eq!(
        outer.send(()),
        CoroutineState::Yielded("caught []".to_owned())
    );
    assert_eq!(
        outer.throw(Cancel(5)),
        Ok(CoroutineState::Yielded("caught [5]".to_owned()))
    );
    assert_eq!(
        outer.throw(Cancel(6)),
        Ok(CoroutineState::Yielded("sub returned [5, 6]".to_owned()))
    );
}

/// Python: a throw forwarded to `sub` and not caught there propagates to the outer
/// generator as at `yield`: outer's `throw` returns `Err`, both stacks unwind.
#[test]
fn throw_uncaught_in_sub_propagates_to_outer() {
    let log = DropLog::new();
    let body_log = log.clone();
    let outer_resumed = Rc::new(Cell::new(false));
    let resumed_in_body = Rc::clone(&outer_resumed);
    let mut outer = Coroutine::typed(move |co: &Yielder<i32, i32, Cancel>, first| {
        let _outer_finally = body_log.entry("outer");
        let sub_log = body_log.clone();
        let sub = Coroutine::typed(move |co: &Yielder<i32, i32, Cancel>, first| {
            let _sub_finally = sub_log.entry("sub");
            co.yield_(first);
            co.yield_(first + 1)
        });
        co.yield_from(sub, first);
        resumed_in_body.set(true);
        0
    });
    assert_eq!(outer.send(7), CoroutineState::Yielded(7));
    assert_eq!(outer.throw(Cancel(1)), Err(Cancel(1)));
    assert_eq!(log.labels(), ["sub", "outer"]);
    assert!(!outer_resumed.get());
    assert_eq!(outer.state(), Lifecycle::Closed);
}

/// Python: `try: yield from sub except E` — `try_yield_from` hands the error `sub` let
/// through to the outer body, which goes on.
#[test]
fn try_yield_from_returns_err_to_outer_body() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut outer = Coroutine::typed(move |co: &Yielder<i32, i32, Cancel>, first| {
        let sub_drops = body_drops.clone();
        let sub = Coroutine::typed(move |co: &Yielder<i32, i32, Cancel>, first| {
            let _sub_finally = sub_drops.token();
            co.yield_(first)
        });
        let outcome = co.try_yield_from(sub, first);
        assert_eq!(body_drops.dropped(), 1, "sub unwound before Err arrived");
        match outcome {
            Ok(value) => value,
            Err(Cancel(n)) => co.yield_(-(n as i32)) * 2,
        }
    });
    assert_eq!(outer.send(3), CoroutineState::Yielded(3));
    assert_eq!(outer.throw(Cancel(4)), Ok(CoroutineState::Yielded(-4)));
    assert_eq!(outer.send(21), CoroutineState::Complete(42));
    assert_eq!(drops.dropped(), 1);
}

/// Python: `g.close()` during `yield from` calls `sub.close()` first: `sub`'s destructors
/// run, then the outer's.
#[test]
fn close_outer_inside_yield_from_closes_sub() {
    let log = DropLog::new();
    let body_log = log.clone();
    let mut outer = Coroutine::typed(move |co: &Yielder<(), u32, Cancel>, ()| {
        let _outer_finally = body_log.entry("outer");
        let sub_log = body_log.clone();
        let sub = Coroutine::typed(move |co: &Yielder<(), u32, Cancel>, ()| {
            let _sub_finally = sub_log.entry("sub");
            let mut n = 0;
            loop {
                co.yield_(n);
                n += 1;
            }
        });
        co.yield_from(sub, ())
    });
    assert_eq!(outer.send(()), CoroutineState::Yielded(0));
    assert_eq!(outer.send(()), CoroutineState::Yielded(1));
    outer.close();
    assert_eq!(log.labels(), ["sub", "outer"]);
    assert_eq!(outer.state(), Lifecycle::Closed);
}

/// Dropping the outer coroutine during `yield from` closes `sub` the same way.
#[test]
fn drop_outer_inside_yield_from_closes_sub() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut outer = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        let _outer_finally = body_drops.token();
        let sub_drops = body_drops.clone();
        let sub = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
            let _sub_finally = sub_drops.token();
            co.yield_(());
        });
        co.yield_from(sub, ());
        co.yield_(());
    });
    let _ = outer.send(());
    drop(outer);
    assert_eq!(drops.dropped(), 2);
}

/// A panic in `sub` passes through the outer coroutine to its resumer; both are closed and
/// both stacks unwound.
#[test]
fn panic_in_sub_reaches_outer_resumer() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut outer = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        let _outer_finally = body_drops.token();
        let sub_drops = body_drops.clone();
        let sub = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
            let _sub_finally = sub_drops.token();
            co.yield_(());
            panic::panic_any(17_u64);
        });
        co.yield_from(sub, ())
    });
    let _ = outer.send(());
    let payload = panic::catch_unwind(AssertUnwindSafe(|| outer.send(()))).unwrap_err();
    assert_eq!(payload.downcast_ref::<u64>(), Some(&17));
    assert_eq!(drops.dropped(), 2);
    assert_eq!(outer.state(), Lifecycle::Closed);
}

/// `yield_from` with a finished `sub` is misuse: it panics with a message saying so, and
/// that panic reaches the outer resumer.
#[test]
fn yield_from_finished_sub_panics_with_clear_message() {
    let mut outer = Coroutine::new(|co: &Yielder<(), ()>, ()| {
        let mut sub = Coroutine::new(|_co: &Yielder<(), ()>, ()| 1);
        assert_eq!(sub.send(()), CoroutineState::Complete(1));
        co.yield_from(sub, ())
    });
    let payload = panic::catch_unwind(AssertUnwindSafe(|| outer.send(()))).unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("yield_from needs a coroutine that has not finished"),
        "{message}"
    );
}

/// Python: `yield from iterable` — `yield_from_iter` yields each item in order.
#[test]
fn yield_from_iter_yields_each_item() {
    let g = Generator::new(|co| {
        co.yield_from_iter([1, 2]);
        co.yield_from_iter(Vec::<i32>::new());
        co.yield_from_iter((3..6).map(|n| n * 10));
        "end"
    });
    let mut g = g;
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [1, 2, 30, 40, 50]);
    assert_eq!(g.return_value(), Some(&"end"));
}

/// Python: `g.throw(e)` during `yield from iterable` propagates from the current item.
#[test]
fn throw_during_yield_from_iter_propagates() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut g = Generator::new(move |co| {
        let _finally = body_drops.token();
        co.yield_from_iter(0..100);
    });
    assert_eq!(g.next(), Some(0));
    assert_eq!(g.next(), Some(1));
    assert!(g.throw("stop".into()).is_err());
    assert_eq!(drops.dropped(), 1);
    assert_eq!(g.next(), None);
}

/// A tree whose nodes each hold a value; flattened pre-order.
struct Tree {
    value: u32,
    children: Vec<Tree>,
}

/// A comb of the given depth: each level has a leaf and one deeper subtree, so the
/// deepest leaf sits `depth` levels down.
fn comb(depth: u32) -> Tree {
    let mut tree = Tree {
        value: depth * 2,
        children: Vec::new(),
    };
    for level in (0..depth).rev() {
        let leaf = Tree {
            value: level * 2 + 1,
            children: Vec::new(),
        };
        tree = Tree {
            value: level * 2,
            children: vec![leaf, tree],
        };
    }
    tree
}

/// Pre-order values of `tree`, computed without coroutines (the expected answer).
fn preorder(tree: &Tree) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        out.push(node.value);
        stack.extend(node.children.iter().rev());
    }
    out
}

/// A generator that yields `tree` pre-order by recursive `yield from`, one generator per
/// node, and returns how many nodes it yielded.
fn flatten(tree: Tree) -> Generator<u32, usize> {
    Generator::new(move |co| {
        co.yield_(tree.value);
        let mut count = 1;
        for child in tree.children {
            count += co.yield_from(flatten(child).into_coroutine(), ());
        }
        count
    })
}

/// Python: recursive `yield from` (PEP 380's tree-walking motivation), 1,000 levels deep:
/// 1,000 nested coroutines, each value passing up through every level above it.
#[test]
fn recursive_yield_from_flattens_tree_of_depth_1000() {
    const DEPTH: u32 = 1_000;
    let tree = comb(DEPTH);
    let expected = preorder(&tree);
    assert_eq!(expected.len(), 2 * DEPTH as usize + 1);

    let mut g = flatten(tree);
    let values: Vec<u32> = g.by_ref().collect();
    assert_eq!(values, expected);
    assert_eq!(g.return_value(), Some(&expected.len()));
}

/// corosensei issue #57 through `yield_from`: the body catches a throw's unwinding with
/// `catch_unwind` and then delegates. The swallowed throw must be raised again before the
/// delegation yields anything, so `throw` returns `Err(e)` rather than a value from `sub`.
#[test]
fn throw_caught_by_catch_unwind_then_yield_from_still_returns_err() {
    let sub_started = Rc::new(Cell::new(false));
    let started_in_body = Rc::clone(&sub_started);
    let mut outer = Coroutine::typed(move |co: &Yielder<(), &'static str, Cancel>, ()| {
        let _ = panic::catch_unwind(AssertUnwindSafe(|| co.yield_("before")));
        let sub = Coroutine::typed(move |co: &Yielder<(), &'static str, Cancel>, ()| {
            started_in_body.set(true);
            co.yield_("from sub");
        });
        co.yield_from(sub, ());
    });
    assert_eq!(outer.send(()), CoroutineState::Yielded("before"));
    assert_eq!(outer.throw(Cancel(57)), Err(Cancel(57)));
    assert_eq!(outer.state(), Lifecycle::Closed);
    assert!(!sub_started.get(), "the delegation never ran");
}
