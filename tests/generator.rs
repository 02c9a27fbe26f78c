//! `Generator`: a coroutine seen as an `Iterator` (PEP 255), its return value, and its
//! `throw`/`close`.

mod support;

use std::cell::Cell;
use std::iter::FusedIterator;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use support::drop_counter::DropCounter;
use yieldpoint::coroutine::Builder;
use yieldpoint::{Generator, Lifecycle, Yielder};

/// `def naturals(): n = 0; while True: yield n; n += 1` — an infinite generator.
fn naturals() -> Generator<u64, ()> {
    Generator::new(|co| {
        let mut n = 0;
        loop {
            co.yield_(n);
            n += 1;
        }
    })
}

/// Python: generator as iterator — `Generator<Y, R>` implements `Iterator<Item = Y>`, and
/// its return value stays readable after the end.
#[test]
fn generator_is_iterator_with_return_value_after_end() {
    let mut g = Generator::new(|co| {
        co.yield_("a");
        co.yield_("b");
        2_usize
    });
    assert_eq!(g.return_value(), None);
    assert_eq!(g.next(), Some("a"));
    assert_eq!(g.return_value(), None, "not exhausted yet");
    assert_eq!(g.next(), Some("b"));
    assert_eq!(g.next(), None);
    assert_eq!(g.return_value(), Some(&2));
    assert_eq!(g.return_value(), Some(&2), "reading it does not take it");
    assert_eq!(g.state(), Lifecycle::Closed);
    assert_eq!(g.into_return_value(), Some(2));
}

/// Iterator adapters work on generators, including infinite ones cut by `take`.
#[test]
fn iterator_adapters_map_filter_zip_take_sum() {
    let even_squares: Vec<u64> = naturals()
        .filter(|n| n % 2 == 0)
        .map(|n| n * n)
        .take(4)
        .collect();
    assert_eq!(even_squares, [0, 4, 16, 36]);

    let letters = Generator::new(|co| co.yield_from_iter("xyz".chars()));
    let pairs: Vec<(u64, char)> = naturals().zip(letters).collect();
    assert_eq!(pairs, [(0, 'x'), (1, 'y'), (2, 'z')]);

    let sum: u64 = naturals().take(101).sum();
    assert_eq!(sum, 5050);
}

/// `FusedIterator`: after `None`, `next` keeps returning `None` and never re-runs the
/// body.
#[test]
fn exhausted_generator_stays_exhausted() {
    fn assert_fused<I: FusedIterator>(_: &I) {}
    let runs = Rc::new(Cell::new(0));
    let runs_in_body = Rc::clone(&runs);
    let mut g = Generator::new(move |co| {
        runs_in_body.set(runs_in_body.get() + 1);
        co.yield_(1);
    });
    assert_fused(&g);
    assert_eq!(g.next(), Some(1));
    for _ in 0..5 {
        assert_eq!(g.next(), None);
    }
    assert_eq!(runs.get(), 1);
    assert_eq!(g.return_value(), Some(&()));
}

/// Python: `gen.throw(e)` caught by the generator yields the next item.
#[test]
fn throw_caught_by_generator_returns_next_item() {
    let mut g = Generator::new(|co: &Yielder<(), i32>| {
        let mut value = 0;
        loop {
            match co.try_yield(value) {
                Ok(()) => value += 1,
                Err(_) => value = -100,
            }
        }
    });
    assert_eq!(g.next(), Some(0));
    assert_eq!(g.next(), Some(1));
    assert_eq!(g.throw("reset".into()).unwrap(), Some(-100));
    assert_eq!(g.next(), Some(-99));
}

/// Python: `gen.throw(e)` caught, then the generator returns: `Ok(None)`, and the return
/// value is kept.
#[test]
fn throw_caught_then_return_gives_none_and_keeps_value() {
    let mut g = Generator::new(|co: &Yielder<(), ()>| match co.try_yield(()) {
        Ok(()) => String::from("finished normally"),
        Err(e) => format!("stopped by {e}"),
    });
    assert_eq!(g.next(), Some(()));
    assert_eq!(g.throw("signal".into()).unwrap(), None);
    assert_eq!(
        g.return_value().map(String::as_str),
        Some("stopped by signal")
    );
    assert_eq!(g.next(), None);
}

/// Python: `gen.throw(e)` uncaught: the error comes back, destructors run, iteration is
/// over and there is no return value.
#[test]
fn throw_uncaught_ends_generator_without_return_value() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut g = Generator::new(move |co| {
        let _finally = body_drops.token();
        co.yield_(1);
        co.yield_(2);
        "unreached"
    });
    assert_eq!(g.next(), Some(1));
    let err = g.throw("halt".into()).unwrap_err();
    assert_eq!(err.to_string(), "halt");
    assert_eq!(drops.dropped(), 1);
    assert_eq!(g.next(), None);
    assert_eq!(g.return_value(), None);
}

/// Python: `gen.close()`: destructors run, then iteration is over with no return value.
#[test]
fn close_ends_generator_and_runs_destructors() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut g = Generator::new(move |co| {
        let _finally = body_drops.token();
        co.yield_from_iter(0..10);
        10
    });
    assert_eq!(g.by_ref().take(3).collect::<Vec<_>>(), [0, 1, 2]);
    g.close();
    assert_eq!(drops.dropped(), 1);
    assert_eq!(g.state(), Lifecycle::Closed);
    assert_eq!(g.next(), None);
    assert_eq!(g.return_value(), None);
}

/// Python: `yield from iterable` in a generator.
#[test]
fn yield_from_iter_in_generator() {
    let g = Generator::new(|co| {
        co.yield_from_iter(["one", "two"]);
        co.yield_("three");
        co.yield_from_iter(std::iter::once("four"));
    });
    assert_eq!(g.collect::<Vec<_>>(), ["one", "two", "three", "four"]);
}

/// A panic in a generator's body reaches `next`'s caller; the generator is over after.
#[test]
fn panic_in_generator_reaches_next_caller() {
    let mut g = Generator::new(|co| {
        co.yield_(1);
        panic!("generator failed");
    });
    assert_eq!(g.next(), Some(1));
    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.next())).unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>().copied(),
        Some("generator failed")
    );
    assert_eq!(g.next(), None);
    assert_eq!(g.return_value(), None);
}

/// `Builder::generator` names the generator.
#[test]
fn builder_generator_has_name() {
    let g = Builder::new()
        .name("lines")
        .generator(|co| co.yield_from_iter(["a", "b"]))
        .unwrap();
    assert_eq!(g.name(), Some("lines"));
    assert!(format!("{g:?}").contains("\"lines\""));
    assert_eq!(g.count(), 2);
}

/// `into_coroutine` on an exhausted generator would lose its return value: it panics and
/// says so.
#[test]
fn into_coroutine_after_exhaustion_panics() {
    let mut g = Generator::new(|co| {
        co.yield_(());
        5
    });
    assert_eq!(g.by_ref().count(), 1);
    let payload = panic::catch_unwind(AssertUnwindSafe(|| g.into_coroutine())).unwrap_err();
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .unwrap()
        });
    assert!(text.contains("into_return_value"), "{text}");
}

/// Dropping a generator part-way through runs its destructors; dropping an unstarted one
/// drops its captures once.
#[test]
fn drop_generator_midway_or_unstarted() {
    let drops = DropCounter::new();
    let body_drops = drops.clone();
    let mut midway = Generator::new(move |co| {
        let _finally = body_drops.token();
        co.yield_from_iter(0..3);
    });
    assert_eq!(midway.next(), Some(0));
    drop(midway);
    assert_eq!(drops.dropped(), 1);

    let captured = drops.token();
    let unstarted = Generator::new(move |co| {
        let _keep = &captured;
        co.yield_(());
    });
    drop(unstarted);
    assert_eq!(drops.dropped(), 2);
}
