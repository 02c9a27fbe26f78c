//! Stackful coroutines with Python's generator protocol: `send`, `throw`, `close`.
//!
//! Python: PEP 342 (`x = yield v`, `g.send(x)`, `g.throw(e)`, `g.close()`) and PEP 380
//! (`yield from`). Unlike Python, the first `send` carries a real value: the body's `first`.
//!
//! ```
//! use yieldpoint::{Coroutine, CoroutineState};
//!
//! let mut g = Coroutine::new(|co, first: u32| co.yield_(first * 10) + 1);
//! assert_eq!(g.send(1), CoroutineState::Yielded(10));
//! assert_eq!(g.send(5), CoroutineState::Complete(6));
//! ```
//!
//! # The model
//!
//! A [`Coroutine<S, Y, R, E>`] owns a stack (from the [`stack`] pool) and a
//! body. `S` is what [`send`](Coroutine::send) passes in, `Y` what the body yields, `R` what
//! it returns, `E` what [`throw`](Coroutine::throw) delivers. The body runs on its own stack
//! and receives a [`Yielder`]; any plain function it calls may take `&Yielder` and yield
//! too — the thing Python needed `yield from` for.
//!
//! Its [`Lifecycle`] follows `inspect.getgeneratorstate`: `Created` until the first
//! `send`, `Suspended` at a yield point, `Closed` once the body returned, panicked, let a
//! thrown error escape, or was closed.
//!
//! # Unwinding: throw, close and `catch_unwind`
//!
//! Both an uncaught [`throw`](Coroutine::throw) and [`close`](Coroutine::close) unwind the
//! coroutine's stack with a private panic payload, so destructors run like Python's
//! `finally`. The payloads are raised with [`std::panic::resume_unwind`]: no panic hook
//! runs and nothing is printed.
//!
//! A body that wraps a yield in [`std::panic::catch_unwind`] can catch such a payload
//! (corosensei issue #57). yieldpoint does not let that swallow the throw or the close:
//!
//! - after a caught close payload, the next yield point raises it again, and a body that
//!   returns instead has its return value discarded: `close` still finishes. A body that
//!   catches that second close too and reaches a yield point again ignores the close:
//!   `close` gives up on it and panics "coroutine ignored close" (Python's `RuntimeError:
//!   generator ignored GeneratorExit`; see [`Coroutine::close`]);
//! - after a caught throw payload, the next yield raises it again, and a body that returns
//!   instead makes `throw` return `Err(e)` with the original error: the error is never lost.
//!
//! # No yield while unwinding
//!
//! A yield point reached while the coroutine's own stack unwinds from a panic — a
//! [`yield_`](Yielder::yield_) inside a `Drop` that runs during a panic, an uncaught
//! throw or a close — cannot suspend: the resumer would get a value in the middle of a
//! panic, and the thread would stay "panicking" (`std::thread::panicking()`, poisoned
//! mutexes) for all the code it runs meanwhile. A plain coroutine has nothing to return
//! from such a yield instead, so it stops the process: it prints "a coroutine yielded
//! while its stack was unwinding" with the coroutine's name on stderr and aborts. Never
//! yield from `Drop`; do the waiting before the panic, or in the body after
//! `catch_unwind` has caught it.
//!
//! A coroutine that is *resumed* by code that is itself unwinding (a `Drop` that drives a
//! [`Generator`](crate::Generator) during a panic) yields normally: only a panic that
//! started on the coroutine's stack since it was resumed counts. While its resumer
//! unwinds, a coroutine cannot tell that panic from one of its own, so a `Drop` of its
//! own that yields then is not caught by this check (and during a close it ends in Rust's
//! usual abort for a panic inside a destructor during cleanup).
//!
//! Book: Part II, "Coroutines: send, throw, close"; Part III, "Delegation: yield from".

mod builder;
mod error;
mod yield_from;
mod yielder;

pub use builder::Builder;
pub use error::{Exception, SendError};
pub use yielder::Yielder;

/// yieldpoint's thread rule, named in compile errors: **a coroutine stays on the thread that
/// created it**. A [`Coroutine`] or [`Generator`](crate::Generator) is neither `Send` nor
/// `Sync`, so moving one into `std::thread::spawn`, a work-queue task
/// ([`WorkQueue::spawn`](crate::sched::WorkQueue::spawn), [`spawn`](crate::spawn())) or
/// anything else that needs `Send` fails with "`(dyn StaysOnItsThread + 'static)` cannot be
/// sent between threads safely".
///
/// Why: a suspended coroutine's stack holds the body's live frames, which may hold
/// thread-locals' addresses and non-`Send` values (corosensei's `# Send` section explains
/// it); moving the stack to another thread would move them too.
///
/// What to do instead: create the coroutine inside the task (or thread) that drives it,
/// and send what it needs to make it (the data, not the coroutine); or keep the tasks that
/// share it on one thread ([`spawn_local`](crate::spawn_local), a
/// [`RoundRobin`](crate::sched::RoundRobin)).
///
/// Only the type `dyn StaysOnItsThread` is used (as a marker inside `Coroutine`); the trait
/// has no methods, and implementing it does nothing.
///
/// ```
/// use yieldpoint::sched::WorkQueue;
/// use yieldpoint::Generator;
///
/// let rt = WorkQueue::builder().workers(2).build();
/// // Made inside the task: it never leaves the worker that runs it.
/// let sum = rt.spawn(|| Generator::new(|co| co.yield_from_iter(1..=3)).sum::<i32>());
/// assert_eq!(sum.join().unwrap(), 6);
/// ```
///
/// ```compile_fail
/// use yieldpoint::Generator;
///
/// let numbers = Generator::new(|co| co.yield_from_iter(0..3));
/// std::thread::spawn(move || numbers.count()); // error: ... StaysOnItsThread ...
/// ```
pub trait StaysOnItsThread {}
pub(crate) use yielder::{is_close_payload, is_throw_payload};

use std::fmt;
use std::io::Write;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};

use crate::stack::{self, PooledStack};

/// What the coroutine's stack receives on each resume.
pub(crate) enum Input<S, E> {
    /// `send(s)`: the yield point returns `s`.
    Send(S),
    /// `throw(e)`: the yield point sees `e`.
    Throw(E),
    /// `close()`: the yield point raises the close; before the first send, the body is
    /// dropped without running.
    Close,
}

/// How the body ended, as seen at the root of the coroutine's stack.
pub(crate) enum Outcome<R, E> {
    /// The body returned `R` (Python: `StopIteration(value)`).
    Returned(R),
    /// A thrown error propagated out of the body.
    Thrown(E),
    /// The close unwound the body, or the body was dropped before it started.
    Closed,
}

type Inner<S, Y, R, E> = corosensei::Coroutine<Input<S, E>, Y, Outcome<R, E>, PooledStack>;

/// The result of resuming a coroutine: it yielded again, or it returned.
///
/// Python: a value from `g.send(x)`, or `StopIteration(value)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "a coroutine's yield or return value is its answer; ignoring it loses it"]
pub enum CoroutineState<Y, R> {
    /// The body reached a yield point with this value (`yield v`).
    Yielded(Y),
    /// The body returned this value (`return v`, raised as `StopIteration(v)` in Python).
    Complete(R),
}

impl<Y, R> CoroutineState<Y, R> {
    /// Returns the yielded value, or `None` if the coroutine completed.
    pub fn yielded(self) -> Option<Y> {
        match self {
            CoroutineState::Yielded(y) => Some(y),
            CoroutineState::Complete(_) => None,
        }
    }

    /// Returns the return value, or `None` if the coroutine yielded.
    pub fn complete(self) -> Option<R> {
        match self {
            CoroutineState::Yielded(_) => None,
            CoroutineState::Complete(r) => Some(r),
        }
    }
}

/// Where a coroutine is in its life, as seen from outside.
///
/// Python: `inspect.getgeneratorstate(g)` (`GEN_CREATED`, `GEN_SUSPENDED`, `GEN_CLOSED`).
/// Python's `GEN_RUNNING` cannot be observed here: while the body runs, the coroutine is
/// mutably borrowed by the `send` that runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lifecycle {
    /// Not sent anything yet: the body has not started.
    Created,
    /// Stopped at a yield point, waiting for `send`, `throw` or `close`.
    Suspended,
    /// Finished: returned, panicked, let a thrown error escape, or closed.
    Closed,
}

/// A stackful coroutine: a body on its own stack that can be sent values, thrown errors
/// at, and closed.
///
/// - `S`: the value each [`send`](Self::send) passes in; the first one is the body's
///   `first` argument, later ones are returned by [`Yielder::yield_`].
/// - `Y`: the value each yield passes out.
/// - `R`: the body's return value.
/// - `E`: the error [`throw`](Self::throw) delivers; defaults to [`Exception`], a boxed
///   error, like Python's `throw` taking any exception.
///
/// Python: a generator object used as a coroutine (PEP 342), with `yield from` (PEP 380).
///
/// # Examples
///
/// A running averager (PEP 342's classic), with no priming `next()`: the first value is
/// passed as `first`.
///
/// ```
/// use yieldpoint::{Coroutine, CoroutineState};
///
/// let mut averager = Coroutine::new(|co, first: f64| {
///     let (mut total, mut count) = (first, 1.0);
///     loop {
///         total += co.yield_(total / count);
///         count += 1.0;
///     }
/// });
/// # let _: &Coroutine<f64, f64, ()> = &averager;
/// assert_eq!(averager.send(10.0), CoroutineState::Yielded(10.0));
/// assert_eq!(averager.send(20.0), CoroutineState::Yielded(15.0));
/// assert_eq!(averager.send(30.0), CoroutineState::Yielded(20.0));
/// ```
///
/// # Dropping
///
/// Dropping a suspended coroutine closes it: its stack unwinds and destructors run, as
/// with [`close`](Self::close), with the same rules. The stack then returns to the
/// per-thread pool, also when the close panics (the panic then propagates from `drop`).
/// A body that ignores the close makes `drop` panic "coroutine ignored close", unless the
/// thread is already panicking: a second panic would abort the process, so `drop` only
/// prints the message on stderr then. The stack of such a body is leaked, never reused.
///
/// # Send
///
/// A `Coroutine` is neither `Send` nor `Sync`: its suspended stack may hold thread-locals
/// and non-`Send` values (corosensei's `# Send` section explains why). Create it on the
/// thread that runs it.
///
/// ```compile_fail
/// fn assert_send<T: Send>(_: T) {}
/// assert_send(yieldpoint::Coroutine::new(|_co, x: u32| x));
/// ```
pub struct Coroutine<S, Y, R, E = Exception> {
    /// Makes the coroutine `!Send` and `!Sync` under a name that says why: the compiler's
    /// "cannot be sent between threads safely" names the first such field it finds, so
    /// this one comes first (corosensei's own marker is a bare `*mut ()`).
    _stays_on_its_thread: PhantomData<dyn StaysOnItsThread>,
    /// Always initialised; `ManuallyDrop` so `Drop` can take it out and pool its stack.
    inner: ManuallyDrop<Inner<S, Y, R, E>>,
    /// The body ignored a close and was given up on while suspended: `inner` was marked
    /// finished without unwinding, so its stack still holds live frames and must never be
    /// reused (see [`Coroutine::give_up`]).
    abandoned: bool,
    /// Slot in the stack-overflow registry; removed on drop.
    guard: stack::GuardRegistration,
    name: Option<Box<str>>,
}

impl<S: 'static, Y: 'static, R: 'static> Coroutine<S, Y, R> {
    /// Creates a coroutine whose body will start on the first [`send`](Self::send).
    ///
    /// The body gets a [`&Yielder`](Yielder) and the first value sent. Thrown errors are
    /// [`Exception`]s; use [`Coroutine::typed`] to choose another error type and
    /// [`Builder`] for a name or a stack size.
    ///
    /// Python: calling a generator function (`g = gen()`): nothing runs yet.
    ///
    /// # Type inference
    ///
    /// `S` comes from the closure's second argument (annotate it, or let a later `send`
    /// fix it), `R` from the body's value, `Y` from what the body yields: its
    /// `co.yield_(v)` calls, or the `&Yielder<S, Y>` of a function it passes `co` to. A
    /// body that never yields leaves `Y` open (error E0282, "type annotations needed for
    /// `Coroutine<u32, _, u32>`"): Rust has no fallback to a default type parameter, so
    /// name it with a turbofish, `Coroutine::<_, (), _>::new`, leaving the rest to
    /// inference:
    ///
    /// ```
    /// use yieldpoint::{Coroutine, CoroutineState};
    ///
    /// let mut double = Coroutine::<_, (), _>::new(|_co, x: u32| x * 2); // never yields
    /// assert_eq!(double.send(21), CoroutineState::Complete(42));
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if no stack can be allocated (a size too large, out of memory or
    /// `vm.max_map_count`);
    /// [`Builder::build`] returns that as an error instead.
    #[track_caller]
    pub fn new<F>(body: F) -> Self
    where
        F: FnOnce(&Yielder<S, Y>, S) -> R + 'static,
    {
        Self::typed(body)
    }
}

impl<S: 'static, Y: 'static, R: 'static, E: 'static> Coroutine<S, Y, R, E> {
    /// Like [`Coroutine::new`], with any error type `E` for [`throw`](Self::throw).
    ///
    /// ```
    /// use yieldpoint::{Coroutine, CoroutineState};
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Reset;
    ///
    /// let mut counter = Coroutine::typed(|co, _first: ()| {
    ///     let mut n = 0;
    ///     loop {
    ///         n = match co.try_yield(n) {
    ///             Ok(()) => n + 1,
    ///             Err(Reset) => 0,
    ///         };
    ///     }
    /// });
    /// # let _: &Coroutine<(), u32, (), Reset> = &counter;
    /// assert_eq!(counter.send(()), CoroutineState::Yielded(0));
    /// assert_eq!(counter.send(()), CoroutineState::Yielded(1));
    /// assert_eq!(counter.throw(Reset), Ok(CoroutineState::Yielded(0)));
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if no stack can be allocated; see [`Builder::build`].
    #[track_caller]
    pub fn typed<F>(body: F) -> Self
    where
        F: FnOnce(&Yielder<S, Y, E>, S) -> R + 'static,
    {
        match Builder::new().build_typed(body) {
            Ok(co) => co,
            Err(err) => panic!("{err}"),
        }
    }

    /// Wraps `body` so that it runs on `stack` with yieldpoint's throw/close rules; an
    /// overflow of `stack` is reported with `name` (see `stack/overflow.rs`).
    pub(crate) fn with_stack<F>(stack: PooledStack, name: Option<Box<str>>, body: F) -> Self
    where
        F: FnOnce(&Yielder<S, Y, E>, S) -> R + 'static,
    {
        let guard = stack::GuardRegistration::new(&stack, name.as_deref());
        Self::with_guard(stack, guard, name, body)
    }

    /// [`with_stack`](Self::with_stack) without registering `stack` for the overflow
    /// report: for a caller that makes the fault handler find the stack while it runs
    /// (a green thread's, through `stack::set_running_stack_lookup`), and that has called
    /// `stack::prepare_overflow_report` on every thread the coroutine runs on.
    pub(crate) fn with_stack_unregistered<F>(
        stack: PooledStack,
        name: Option<Box<str>>,
        body: F,
    ) -> Self
    where
        F: FnOnce(&Yielder<S, Y, E>, S) -> R + 'static,
    {
        Self::with_guard(stack, stack::GuardRegistration::none(), name, body)
    }

    /// The coroutine of `body` on `stack`, whose overflow registration is `guard`.
    fn with_guard<F>(
        stack: PooledStack,
        guard: stack::GuardRegistration,
        name: Option<Box<str>>,
        body: F,
    ) -> Self
    where
        F: FnOnce(&Yielder<S, Y, E>, S) -> R + 'static,
    {
        // The box's contents stay put while the coroutine lives (see `Yielder::name`).
        let name_ptr = name.as_deref().map(|name| name as *const str);
        let inner = corosensei::Coroutine::with_stack(stack, move |raw, input| match input {
            Input::Send(first) => yielder::run_body(raw, first, name_ptr, body),
            // Closed (or thrown at, which closes) before the first send: the body is
            // dropped here, on the coroutine's stack, inside corosensei's root
            // `catch_unwind`. If a capture's `Drop` panics, corosensei still marks the
            // coroutine finished and hands the panic to `close`'s caller. Its own
            // `force_unwind` would drop the body in place and mark it finished only after
            // that drop returned: a panicking capture left it "not started", with its
            // captures dropped, for a later send or drop to use and free again (issue 10).
            Input::Throw(_) | Input::Close => {
                drop(body);
                Outcome::Closed
            }
        });
        Coroutine {
            _stays_on_its_thread: PhantomData,
            inner: ManuallyDrop::new(inner),
            abandoned: false,
            guard,
            name,
        }
    }
}

impl<S, Y, R, E> Coroutine<S, Y, R, E> {
    /// Sends `value` in and runs the body to its next yield point or its end.
    ///
    /// The first `send` starts the body with `value` as its `first` argument; each later
    /// one becomes the return value of the [`Yielder::yield_`] the body is suspended at.
    ///
    /// Python: `g.send(value)` (PEP 342), where the first send must be `None`; here it
    /// carries a real value.
    ///
    /// # Panics
    ///
    /// - If the coroutine is [`Closed`](Lifecycle::Closed) (Python raises `StopIteration`
    ///   again); [`try_send`](Self::try_send) returns an error instead.
    /// - If the body panics: the panic propagates to this caller with its original
    ///   payload, and the coroutine is `Closed`.
    #[track_caller]
    #[inline]
    pub fn send(&mut self, value: S) -> CoroutineState<Y, R> {
        match self.try_send(value) {
            Ok(state) => state,
            Err(_) => self.finished_panic(),
        }
    }

    /// The panic of [`send`](Self::send) on a finished coroutine, out of line so that
    /// `send` itself stays small enough to inline into its caller's loop.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn finished_panic(&self) -> ! {
        panic!(
            "cannot send to a finished coroutine{}; check is_finished() or create a new one",
            self.describe()
        )
    }

    /// Like [`send`](Self::send), but a finished coroutine hands `value` back in an error
    /// instead of panicking.
    ///
    /// # Errors
    ///
    /// [`SendError::Finished`] if the coroutine is [`Closed`](Lifecycle::Closed); it holds
    /// `value`.
    ///
    /// # Panics
    ///
    /// If the body panics, the panic propagates to this caller.
    #[inline]
    pub fn try_send(&mut self, value: S) -> Result<CoroutineState<Y, R>, SendError<S>> {
        if self.inner.done() {
            return Err(SendError::Finished(value));
        }
        Ok(match self.inner.resume(Input::Send(value)) {
            corosensei::CoroutineResult::Yield(y) => CoroutineState::Yielded(y),
            corosensei::CoroutineResult::Return(Outcome::Returned(r)) => {
                CoroutineState::Complete(r)
            }
            // Only `Yielder::raise` called during a send gets here (a pending throw is
            // re-raised at the next yield, inside the `throw` that caused it).
            corosensei::CoroutineResult::Return(Outcome::Thrown(_)) => raised_during_send(),
            corosensei::CoroutineResult::Return(Outcome::Closed) => closed_outside_close(),
        })
    }

    /// Raises `error` at the yield point the coroutine is suspended at.
    ///
    /// - Suspended at [`Yielder::try_yield`]: the body sees `Err(error)` and may go on;
    ///   `throw` returns `Ok` with the next yield or the return value.
    /// - Suspended at [`Yielder::yield_`]: the error propagates. The stack unwinds
    ///   (destructors run, like `finally`), the coroutine is `Closed`, and `throw` returns
    ///   `Err(error)`.
    /// - [`Created`](Lifecycle::Created): the body never runs; it is dropped as by
    ///   [`close`](Self::close), the coroutine is `Closed`, and `throw` returns
    ///   `Err(error)` (Python raises the exception at once).
    /// - [`Closed`](Lifecycle::Closed): `Err(error)`.
    ///
    /// Python: `g.throw(exc)` (PEP 342).
    ///
    /// # Errors
    ///
    /// Returns `Err(error)` whenever the error was not handled by the body, as above.
    ///
    /// # Panics
    ///
    /// If the body panics while handling the error, the panic propagates to this caller.
    /// On a `Created` coroutine, as [`close`](Self::close): a panic from dropping the body
    /// propagates (the error is dropped).
    pub fn throw(&mut self, error: E) -> Result<CoroutineState<Y, R>, E> {
        if !self.inner.started() {
            // Drops the unstarted body without running it.
            self.close();
            return Err(error);
        }
        if self.inner.done() {
            return Err(error);
        }
        match self.inner.resume(Input::Throw(error)) {
            corosensei::CoroutineResult::Yield(y) => Ok(CoroutineState::Yielded(y)),
            corosensei::CoroutineResult::Return(Outcome::Returned(r)) => {
                Ok(CoroutineState::Complete(r))
            }
            corosensei::CoroutineResult::Return(Outcome::Thrown(e)) => Err(e),
            corosensei::CoroutineResult::Return(Outcome::Closed) => closed_outside_close(),
        }
    }

    /// Closes the coroutine: a suspended body unwinds from its yield point, running its
    /// destructors, and the coroutine becomes [`Closed`](Lifecycle::Closed).
    ///
    /// A `Created` coroutine's body is dropped without running (on the coroutine's own
    /// stack); a `Closed` one is left alone. Dropping a coroutine closes it.
    ///
    /// Python: `g.close()`, which raises `GeneratorExit` at the yield (PEP 342):
    ///
    /// | the body, once the close is raised at its yield point | Python | yieldpoint |
    /// |---|---|---|
    /// | lets it unwind (destructors run) | `close()` returns | `close` returns |
    /// | catches it ([`catch_unwind`](std::panic::catch_unwind)) and returns | the value is discarded | the value is discarded |
    /// | catches it and panics | the exception propagates | the panic propagates |
    /// | catches it and yields | `RuntimeError("generator ignored GeneratorExit")` | that yield is refused: the close is raised again there |
    /// | catches that one too and yields again | — | `close` panics "coroutine ignored close" |
    ///
    /// What we vary, and why: Python's refused yield ends the generator at once, because
    /// raising `RuntimeError` in the caller leaves the suspended frame to the garbage
    /// collector. A Rust stack must be unwound by running it, so the first refused yield
    /// gives the body a second chance to unwind (its destructors run: the usual case of a
    /// `catch_unwind` that was not meant for the close). A body that ignores that one too
    /// would loop forever if resumed again, so `close` stops resuming it: the coroutine is
    /// `Closed`, its stack is never resumed again, and the stack is leaked with the values
    /// on it (their destructors never run; the memory stays mapped, as `Pin` requires),
    /// then `close` panics with a message that starts with "coroutine ignored close" and
    /// names the coroutine. Never a hang, never a spin.
    ///
    /// # Panics
    ///
    /// - If the body catches the close and then panics, or if dropping a `Created` body
    ///   panics (a capture's `Drop`): that panic propagates here, and the coroutine is
    ///   `Closed` (its captures were dropped once).
    /// - "coroutine ignored close ...", as above.
    ///
    /// A destructor that panics *while* the stack unwinds is a panic during unwinding:
    /// as anywhere in Rust, the process aborts ("panic in a destructor during cleanup").
    /// A destructor that *yields* while it unwinds stops the process too (see the module
    /// doc, "No yield while unwinding").
    pub fn close(&mut self) {
        if !self.inner.done() {
            self.finish_by_close(false);
        }
    }

    /// Resumes the body with a close and waits for it to finish; a body that yields
    /// instead (it caught the close twice) is given up on.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn finish_by_close(&mut self, dropping: bool) {
        // A panic from the body (or from dropping an unstarted body) propagates from here;
        // corosensei has marked the coroutine finished before it re-raises it.
        match self.inner.resume(Input::Close) {
            // Returned after catching the close: the value is discarded, as Python
            // discards a generator's return value in `close()`. A thrown error the body
            // raised while closing has no `throw` to go to: dropped too.
            corosensei::CoroutineResult::Return(_) => {}
            corosensei::CoroutineResult::Yield(value) => self.give_up(value, dropping),
        }
    }

    /// The body caught the close, had its next yield refused, caught that too and yielded
    /// again: it ignores the close. Python raises `RuntimeError("generator ignored
    /// GeneratorExit")`; resuming it again could only loop, so the coroutine is marked
    /// finished where it stands and its stack is never resumed again.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn give_up(&mut self, yielded: Y, dropping: bool) {
        self.abandoned = true;
        // SAFETY: `force_reset` skips the destructors of the frames on the stack, which
        // is sound only if that memory is never reused or unmapped while they would still
        // need it. `abandoned` makes `Drop` leak the stack instead of pooling it, so the
        // frames' values are leaked, exactly like `mem::forget` (and pinned values on it
        // keep their memory forever, as `Pin` requires). The body is `'static`, and a
        // `Yielder` cannot leave it, so nothing outside the stack borrows from it.
        unsafe { self.inner.force_reset() };
        drop(yielded);
        let message = format!(
            "coroutine ignored close: {} caught the close (catch_unwind around a yield) and \
             yielded again after that yield was refused; it is closed now and its stack is \
             leaked, never resumed. Let the close unwind the body, or return from the body \
             once it has caught the close (Python: RuntimeError: generator ignored \
             GeneratorExit)",
            self.who()
        );
        if dropping && std::thread::panicking() {
            // A second panic would abort the process; report it instead.
            let _ = writeln!(std::io::stderr(), "{message}");
        } else {
            panic!("{message}");
        }
    }

    /// Where the coroutine is in its life.
    pub fn state(&self) -> Lifecycle {
        if self.inner.done() {
            Lifecycle::Closed
        } else if self.inner.started() {
            Lifecycle::Suspended
        } else {
            Lifecycle::Created
        }
    }

    /// Whether the body has started (the first `send` happened, or it was closed).
    pub fn is_started(&self) -> bool {
        self.inner.started()
    }

    /// Whether the coroutine is [`Closed`](Lifecycle::Closed): further sends fail.
    pub fn is_finished(&self) -> bool {
        self.inner.done()
    }

    /// The name given with [`Builder::name`], if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn who(&self) -> String {
        who(self.name.as_deref())
    }

    fn describe(&self) -> String {
        match &self.name {
            Some(name) => format!(" \"{name}\""),
            None => String::new(),
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn raised_during_send() -> ! {
    panic!(
        "the coroutine body called Yielder::raise while handling send(); raise is for errors \
         caught from throw() — to fail on its own, a body should return a Result"
    )
}

/// A coroutine as the subject of a sentence: `coroutine "name"` or `an unnamed coroutine`.
fn who(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("coroutine \"{name}\""),
        None => String::from("an unnamed coroutine"),
    }
}

#[cold]
#[inline(never)]
fn closed_outside_close() -> ! {
    unreachable!("a coroutine body ends as closed only inside close()")
}

impl<S, Y, R, E> Drop for Coroutine<S, Y, R, E> {
    /// Closes the coroutine as [`close`](Coroutine::close) does (same rules, see "Dropping"
    /// on [`Coroutine`]), then gives its stack back to the pool, or leaks it if the body
    /// ignored the close. "coroutine ignored close" is only printed on stderr, not raised,
    /// if the thread is already panicking.
    fn drop(&mut self) {
        // The stack and the guard registration are released by this guard even if the
        // close panics (a body that catches the close and panics, a panicking capture of
        // an unstarted body); otherwise each such drop leaked both (issue 10, item 13).
        let this = ReleaseStack(self);
        // Unwind first so destructors run while the stack is still mapped.
        if !this.0.inner.done() {
            this.0.finish_by_close(true);
        }
    }
}

/// Releases a dropped coroutine's stack and guard registration when it goes out of scope,
/// also while a panic from the close unwinds through `Coroutine::drop`.
struct ReleaseStack<'a, S, Y, R, E>(&'a mut Coroutine<S, Y, R, E>);

impl<S, Y, R, E> Drop for ReleaseStack<'_, S, Y, R, E> {
    fn drop(&mut self) {
        let co = &mut *self.0;
        // Nothing runs on the stack any more, whether it is pooled or leaked below.
        co.guard.unregister();
        // SAFETY: `inner` is initialised from construction until here; this guard exists
        // only inside `Coroutine::drop`, which runs once, and `inner` is not used after it.
        let inner = unsafe { ManuallyDrop::take(&mut co.inner) };
        if inner.done() && !co.abandoned {
            stack::release(inner.into_stack());
        } else {
            // Live frames remain on this stack (the body ignored its close, or was never
            // finished): reusing the memory under them would break `Pin`'s drop guarantee
            // and hand their memory to another coroutine, and resuming them cannot finish
            // them. Leak the stack deliberately; corosensei's own `Drop` would try to
            // unwind it again.
            mem::forget(inner);
        }
    }
}

impl<S, Y, R, E> fmt::Debug for Coroutine<S, Y, R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coroutine")
            .field("name", &self.name)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}
