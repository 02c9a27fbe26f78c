//! The body's side of a coroutine: `yield_` and `try_yield`.

use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use super::{Exception, Input, Outcome};

type RawYielder<S, Y, E> = corosensei::Yielder<Input<S, E>, Y>;

/// The private panic payload that carries a thrown error up the coroutine's stack.
/// The error itself waits in [`Yielder::pending`], so `E` need not be `Send`.
struct ThrowUnwind;

/// The handle a coroutine body uses to yield; it only exists inside the body.
///
/// - `S`: what the body receives from each `send` (returned by [`yield_`](Self::yield_)).
/// - `Y`: what the body yields.
/// - `E`: what [`Coroutine::throw`](super::Coroutine::throw) delivers.
///
/// The body gets `&Yielder` and can lend it to plain functions, which may then yield on
/// the coroutine's behalf: because the coroutine has its own stack, a nested call can
/// suspend the whole chain (Python's generators could not, hence PEP 380).
///
/// ```
/// use yieldpoint::{Generator, Yielder};
///
/// fn emit_twice(co: &Yielder<(), u32>, v: u32) {
///     co.yield_(v);
///     co.yield_(v);
/// }
///
/// let g = Generator::new(|co| {
///     emit_twice(co, 1);
///     emit_twice(co, 2);
/// });
/// assert_eq!(g.collect::<Vec<_>>(), [1, 1, 2, 2]);
/// ```
///
/// A `Yielder` cannot leave its body: it is only ever lent for the body's lifetime, and
/// it is neither `Send` nor `Sync`.
///
/// ```compile_fail
/// use yieldpoint::{Coroutine, Yielder};
/// let mut escaped: Option<&Yielder<(), ()>> = None;
/// let _co = Coroutine::new(|co, ()| { escaped = Some(co); });
/// ```
pub struct Yielder<S, Y, E = Exception> {
    /// The corosensei yielder on this coroutine's stack.
    ///
    /// Invariant: a `Yielder` is only created by [`run_body`], on the coroutine's own
    /// stack, and only lent to the body by reference for the duration of that call; the
    /// corosensei yielder outlives it.
    raw: *const RawYielder<S, Y, E>,
    /// A thrown error on its way up the stack (set between `throw` and the body's root).
    pending: Cell<Option<E>>,
}

/// Whether `payload` is the unwind that carries a thrown error up a coroutine's stack
/// (which that coroutine's root turns into `throw`'s `Err`).
pub(crate) fn is_throw_payload(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.is::<ThrowUnwind>()
}

/// Runs a coroutine body at the root of its stack, turning an uncaught throw into
/// [`Outcome::Thrown`]. Any other panic (the close payload, a user panic) continues to
/// corosensei's root, which hands it to the resumer.
pub(super) fn run_body<S, Y, R, E>(
    raw: &RawYielder<S, Y, E>,
    first: S,
    body: impl FnOnce(&Yielder<S, Y, E>, S) -> R,
) -> Outcome<R, E> {
    let yielder = Yielder {
        raw,
        pending: Cell::new(None),
    };
    let result = panic::catch_unwind(AssertUnwindSafe(|| body(&yielder, first)));
    match (result, yielder.pending.take()) {
        // A pending error the body swallowed with `catch_unwind` still wins: it is what
        // `throw` must hand back.
        (Ok(_), Some(error)) => Outcome::Thrown(error),
        (Ok(value), None) => Outcome::Returned(value),
        (Err(payload), Some(error)) if payload.is::<ThrowUnwind>() => Outcome::Thrown(error),
        (Err(payload), _) => panic::resume_unwind(payload),
    }
}

impl<S, Y, E> Yielder<S, Y, E> {
    /// Yields `value` to the resumer and returns the next value sent.
    ///
    /// Python: `x = yield value` (PEP 342).
    ///
    /// # Throw and close
    ///
    /// If the resumer [`throw`](super::Coroutine::throw)s instead of sending, the error
    /// propagates from here: the stack unwinds (destructors run) and `throw` returns
    /// `Err(error)`. Use [`try_yield`](Self::try_yield) to catch it. If the resumer closes
    /// the coroutine, this call unwinds the same way and never returns.
    pub fn yield_(&self, value: Y) -> S {
        match self.try_yield(value) {
            Ok(sent) => sent,
            Err(error) => self.raise(error),
        }
    }

    /// Yields `value` and returns the next value sent, or the error thrown in.
    ///
    /// Python: `try: x = yield value` / `except E as e:` (PEP 342).
    ///
    /// # Errors
    ///
    /// `Err(e)` when the resumer called [`throw(e)`](super::Coroutine::throw); the body may
    /// handle it and go on, or return it.
    #[inline]
    pub fn try_yield(&self, value: Y) -> Result<S, E> {
        self.reraise_swallowed();
        match self.raw().suspend(value) {
            Input::Send(sent) => Ok(sent),
            Input::Throw(error) => Err(error),
        }
    }

    /// Lets `error` propagate out of the body as an uncaught throw: the stack unwinds
    /// (destructors run) and the [`throw`](super::Coroutine::throw) being handled returns
    /// `Err(error)`. Use it after [`try_yield`](Self::try_yield) caught an error this body
    /// does not handle, or handles only in part.
    ///
    /// Python: a bare `raise` inside `except E:` around a `yield`.
    ///
    /// ```
    /// use yieldpoint::{Coroutine, CoroutineState, Exception};
    ///
    /// let mut g = Coroutine::new(|co, ()| loop {
    ///     match co.try_yield(1) {
    ///         Ok(()) => {}
    ///         Err(e) if e.to_string() == "skip" => {}
    ///         Err(e) => co.raise(e), // not ours: let it out
    ///     }
    /// });
    /// # let _: &Coroutine<(), i32, ()> = &g;
    /// assert_eq!(g.send(()), CoroutineState::Yielded(1));
    /// assert_eq!(g.throw(Exception::from("skip")).unwrap(), CoroutineState::Yielded(1));
    /// assert_eq!(g.throw(Exception::from("fatal")).unwrap_err().to_string(), "fatal");
    /// assert!(g.is_finished());
    /// ```
    ///
    /// # Panics
    ///
    /// It is for errors that came from a `throw`. Raised while the body handles a `send`,
    /// the stack still unwinds, but `send` has no error to return, so `send` panics saying
    /// so; a body that fails on its own should return a `Result` as its `R`.
    pub fn raise(&self, error: E) -> ! {
        self.pending.set(Some(error));
        panic::resume_unwind(Box::new(ThrowUnwind))
    }

    /// If a body caught the throw payload with `catch_unwind` and went on to yield,
    /// the throw has not been handled: raise it again.
    #[inline]
    pub(super) fn reraise_swallowed(&self) {
        if let Some(error) = self.pending.take() {
            self.raise_swallowed(error);
        }
    }

    #[cold]
    #[inline(never)]
    fn raise_swallowed(&self, error: E) -> ! {
        self.raise(error)
    }

    #[inline]
    pub(super) fn raw(&self) -> &RawYielder<S, Y, E> {
        // SAFETY: see the invariant on `raw`: this `Yielder` was built by `run_body` from a
        // live reference, and `&self` cannot outlive the body call it was lent to.
        unsafe { &*self.raw }
    }
}

impl<S, Y, E> fmt::Debug for Yielder<S, Y, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yielder").finish_non_exhaustive()
    }
}
