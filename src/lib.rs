//! Stackful coroutines with Python's generator protocol, and green threads.
//!
//! yieldpoint rebuilds Python's coroutine history in Rust: generators (PEP 255),
//! `send`/`throw`/`close` (PEP 342) and `yield from` (PEP 380), on coroutines that each own
//! a stack (switched by [`corosensei`]). Because the stack is their own, any function a
//! coroutine calls can yield through the [`Yielder`] it was lent.
//!
//! | Python | yieldpoint |
//! |---|---|
//! | `def gen(): yield v` | [`Generator::new`]`(\|co\| { co.yield_(v); })` |
//! | `x = yield v` | `let x = co.yield_(v);` ([`Yielder::yield_`]) |
//! | `g.send(x)` | [`Coroutine::send`] → [`CoroutineState`] |
//! | `StopIteration(value)` | [`CoroutineState::Complete`] |
//! | `g.throw(e)` / `except E` | [`Coroutine::throw`] / [`Yielder::try_yield`] |
//! | `g.close()` / `finally` | [`Coroutine::close`] / `Drop` |
//! | `yield from sub` | [`Yielder::yield_from`] |
//!
//! ```
//! use yieldpoint::{Coroutine, CoroutineState};
//!
//! // Python: def echo(): x = yield; while True: x = yield x * 2
//! let mut doubler = Coroutine::new(|co, mut x: i32| loop {
//!     x = co.yield_(x * 2);
//! });
//! # let _: &Coroutine<i32, i32, ()> = &doubler;
//! assert_eq!(doubler.send(1), CoroutineState::Yielded(2));
//! assert_eq!(doubler.send(21), CoroutineState::Yielded(42));
//! ```
//!
//! The workbook (`mdbook serve book`) walks the same history chapter by chapter.

#![warn(
    missing_docs,
    missing_debug_implementations,
    clippy::undocumented_unsafe_blocks
)]

pub mod blocking;
pub mod coroutine;
pub mod future;
pub mod generator;
pub mod io;
mod loom;
pub mod net;
mod reactor;
pub mod sched;
pub mod stack;
pub mod sync;
pub mod task;
pub mod time;

pub use blocking::spawn_blocking;
pub use coroutine::{Coroutine, CoroutineState, Exception, Lifecycle, Yielder};
pub use future::AsyncGenerator;
pub use generator::Generator;
pub use sched::RoundRobin;
pub use task::{current, maybe_yield, spawn, spawn_local, yield_now, JoinError, JoinHandle};
pub use time::{sleep, sleep_until, timeout};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
