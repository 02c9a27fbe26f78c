//! Python's generator history in yieldpoint: PEP 255 → PEP 342 → PEP 380.
//!
//! - PEP 255 (Python 2.2, 2001): generators, `yield` as a statement — `countdown`.
//! - PEP 342 (Python 2.5, 2006): `send`, `throw`, `close`, `yield` as an expression — a
//!   running averager driven by `send`, reset by `throw`, and a `close` whose cleanup runs.
//! - PEP 380 (Python 3.3, 2012): `yield from`, with the subgenerator's return value —
//!   an invoice adding up subtotals.
//! - And what stackful coroutines change: a plain nested function yields through
//!   `&Yielder`, no `yield from` needed.
//!
//! Run with `cargo run --example generator_history`; `tests/examples.rs` checks its output.
//! The book includes each step by its `ANCHOR` name.

use yieldpoint::{Coroutine, CoroutineState, Generator, Yielder};

// ANCHOR: countdown
/// PEP 255: a generator is a function that yields a series of values, lazily.
///
/// ```python
/// def countdown(n):
///     while n > 0:
///         yield n
///         n -= 1
/// ```
fn countdown(mut n: u32) -> Generator<u32> {
    Generator::new(move |co| {
        while n > 0 {
            co.yield_(n);
            n -= 1;
        }
    })
}
// ANCHOR_END: countdown

// ANCHOR: averager
/// PEP 342: `yield` becomes an expression, and `send` feeds it a value. No priming
/// `next()` is needed: the first value sent is the body's `first` argument.
///
/// ```python
/// def averager():
///     total, count = 0.0, 0
///     value = yield
///     while True:
///         total += value; count += 1
///         value = yield total / count
/// ```
fn averager() -> Coroutine<f64, f64, ()> {
    Coroutine::new(|co, first: f64| {
        let (mut total, mut count) = (0.0, 0.0);
        let mut value = first;
        loop {
            total += value;
            count += 1.0;
            value = co.yield_(total / count);
        }
    })
}
// ANCHOR_END: averager

// ANCHOR: reset_with_throw
/// The error thrown in to reset the averager (Python: `class Reset(Exception)`).
#[derive(Debug)]
struct Reset;

/// PEP 342: `throw` raises an exception at the paused `yield`; `try_yield` is the
/// `try: ... except Reset:` around it.
///
/// ```python
/// def resettable_averager():
///     total, count = 0.0, 0
///     value = yield
///     while True:
///         total += value; count += 1
///         try:
///             value = yield total / count
///         except Reset:
///             total, count = 0.0, 0
///             value = yield 0.0
/// ```
fn resettable_averager() -> Coroutine<f64, f64, (), Reset> {
    Coroutine::typed(|co, first: f64| {
        let (mut total, mut count) = (0.0, 0.0);
        let mut value = first;
        loop {
            total += value;
            count += 1.0;
            value = match co.try_yield(total / count) {
                Ok(value) => value,
                Err(Reset) => {
                    (total, count) = (0.0, 0.0);
                    co.yield_(0.0)
                }
            };
        }
    })
}
// ANCHOR_END: reset_with_throw

// ANCHOR: close_cleanup
/// Prints when dropped: the Rust spelling of a `finally:` block.
struct Cleanup(&'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("cleanup: {} closed", self.0);
    }
}

/// PEP 342: `close` raises `GeneratorExit` at the paused `yield`, so `finally` runs. Here
/// the coroutine's stack unwinds and `Cleanup`'s destructor runs.
///
/// ```python
/// def ticker():
///     try:
///         n = 0
///         while True:
///             yield n
///             n += 1
///     finally:
///         print("cleanup: ticker closed")
/// ```
fn ticker() -> Generator<u32> {
    Generator::new(|co| {
        let _cleanup = Cleanup("ticker");
        let mut n = 0;
        loop {
            co.yield_(n);
            n += 1;
        }
    })
}
// ANCHOR_END: close_cleanup

// ANCHOR: subtotal_yield_from
/// Adds up the amounts sent to it, yielding the running total; `None` ends the group and
/// returns its subtotal (Python: `return total`, delivered as `StopIteration(total)`).
///
/// ```python
/// def subtotal(amount):
///     total = 0
///     while amount is not None:
///         total += amount
///         amount = yield total
///     return total
/// ```
fn subtotal() -> Coroutine<Option<u32>, u32, u32> {
    Coroutine::new(|co, mut amount: Option<u32>| {
        let mut total = 0;
        while let Some(x) = amount {
            total += x;
            amount = co.yield_(total);
        }
        total
    })
}

/// PEP 380: `yield from` delegates to a subgenerator (sends go straight to it) and
/// evaluates to its return value.
///
/// ```python
/// def invoice(amount):
///     food = yield from subtotal(amount)
///     amount = yield food
///     drinks = yield from subtotal(amount)
///     return food + drinks
/// ```
fn invoice() -> Coroutine<Option<u32>, u32, u32> {
    Coroutine::new(|co, first: Option<u32>| {
        let food = co.yield_from(subtotal(), first);
        let next = co.yield_(food);
        let drinks = co.yield_from(subtotal(), next);
        food + drinks
    })
}
// ANCHOR_END: subtotal_yield_from

// ANCHOR: nested_yield
/// A plain function, not a generator, that yields on its caller's behalf. Python cannot
/// do this: a `yield` inside `shout` would make `shout` itself a generator, which is why
/// the caller needed `yield from shout(word)`. A stackful coroutine suspends the whole
/// call chain, so passing `&Yielder` is enough.
fn shout(co: &Yielder<(), String>, word: &str) {
    co.yield_(word.to_uppercase());
    co.yield_("!".to_owned());
}

/// ```python
/// def slogan():
///     for word in ["yield", "from"]:
///         yield from shout(word)
/// ```
fn slogan() -> Generator<String> {
    Generator::new(|co| {
        for word in ["yield", "from"] {
            shout(co, word);
        }
    })
}
// ANCHOR_END: nested_yield

fn main() {
    // PEP 255: a generator is an iterator.
    let numbers: Vec<String> = countdown(3).map(|n| n.to_string()).collect();
    println!("countdown: {}", numbers.join(" "));

    // PEP 342: send.
    let mut avg = averager();
    for value in [10.0, 20.0, 60.0] {
        if let CoroutineState::Yielded(average) = avg.send(value) {
            println!("averager: sent {value}, average {average}");
        }
    }

    // PEP 342: throw, caught inside.
    let mut avg = resettable_averager();
    let _ = avg.send(10.0);
    let _ = avg.send(30.0);
    let after_reset = avg.throw(Reset).expect("the averager catches Reset");
    assert_eq!(after_reset, CoroutineState::Yielded(0.0));
    if let CoroutineState::Yielded(average) = avg.send(7.0) {
        println!("reset_with_throw: average after reset and 7: {average}");
    }

    // PEP 342: close runs the cleanup.
    let mut ticks = ticker();
    let first: Vec<u32> = ticks.by_ref().take(3).collect();
    println!("ticker: {first:?}");
    ticks.close();
    println!("ticker closed: {:?}", ticks.state());

    // PEP 380: yield from, and the subgenerator's return value.
    let mut bill = invoice();
    for amount in [Some(4), Some(6), None, Some(3), None] {
        match bill.send(amount) {
            CoroutineState::Yielded(total) => println!("invoice: sent {amount:?}, got {total}"),
            CoroutineState::Complete(total) => println!("invoice: total {total}"),
        }
    }

    // Stackful: a nested plain function yields.
    let words: Vec<String> = slogan().collect();
    println!("slogan: {}", words.join(" "));
}
