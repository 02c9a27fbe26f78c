//! The body's side of a coroutine: `yield_` and `try_yield`.

use std::cell::Cell;
use std::fmt;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};

use super::{Exception, Input, Outcome};

type RawYielder<S, Y, E> = corosensei::Yielder<Input<S, E>, Y>;

/// The private panic payload that carries a thrown error up the coroutine's stack.
/// The error itself waits in [`Yielder::pending`], so `E` need not be `Send`.
struct ThrowUnwind;

/// The private panic payload that unwinds a coroutine's stack when it is closed (Python's
/// `GeneratorExit`); the root of the stack turns it into [`Outcome::Closed`].
struct CloseUnwind;

/// [`Yielder::flags`]: a thrown error waits in [`Yielder::pending`].
const THROW_PENDING: u8 = 1;
/// [`Yielder::flags`]: the coroutine is being closed (the close was raised here).
const CLOSING: u8 = 2;
/// [`Yielder::flags`]: the body caught the close and reached a yield point once already;
/// that yield was refused by raising the close again.
const CLOSE_REFUSED: u8 = 4;
/// [`Yielder::flags`]: the thread was unwinding from a panic when this coroutine was last
/// resumed, so `std::thread::panicking()` on this stack may be the resumer's panic, not one
/// of this stack's.
const RESUMED_PANICKING: u8 = 8;

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
    /// `THROW_PENDING`, `CLOSING`, `CLOSE_REFUSED`, `RESUMED_PANICKING`: any bit set sends
    /// the next yield point to its cold path, so the fast path tests one byte.
    flags: Cell<u8>,
    /// The coroutine's name, for the message of a yield refused during unwinding.
    ///
    /// Invariant: it points into the `Box<str>` the [`Coroutine`](super::Coroutine) owns,
    /// which neither moves nor changes while the coroutine lives, and the body only runs
    /// inside a resume of that coroutine.
    name: Option<*const str>,
}

/// Whether `payload` is the unwind that carries a thrown error up a coroutine's stack
/// (which that coroutine's root turns into `throw`'s `Err`).
pub(crate) fn is_throw_payload(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.is::<ThrowUnwind>()
}

/// Whether `payload` is the unwind that closes a coroutine (which that coroutine's root
/// turns into the end of `close`): a task body that catches its own panics must let it
/// go on, as it does a throw payload.
pub(crate) fn is_close_payload(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.is::<CloseUnwind>()
}

/// Runs a coroutine body at the root of its stack, turning an uncaught throw into
/// [`Outcome::Thrown`] and the close payload into [`Outcome::Closed`]. Any other panic (a
/// user panic) continues to corosensei's root, which hands it to the resumer. Inlined
/// into the coroutine's entry function, its one caller.
#[inline]
pub(super) fn run_body<S, Y, R, E>(
    raw: &RawYielder<S, Y, E>,
    first: S,
    name: Option<*const str>,
    body: impl FnOnce(&Yielder<S, Y, E>, S) -> R,
) -> Outcome<R, E> {
    let yielder = Yielder {
        raw,
        pending: Cell::new(None),
        flags: Cell::new(0),
        name,
    };
    yielder.note_resume();
    let result = panic::catch_unwind(AssertUnwindSafe(|| body(&yielder, first)));
    let closing = yielder.flags.get() & CLOSING != 0;
    match (result, yielder.pending.take()) {
        // A pending error the body swallowed with `catch_unwind` still wins: it is what
        // `throw` must hand back.
        (Ok(_), Some(error)) => Outcome::Thrown(error),
        // While closing, `close` discards the value (Python discards it too).
        (Ok(value), None) => Outcome::Returned(value),
        (Err(payload), Some(error)) if payload.is::<ThrowUnwind>() => Outcome::Thrown(error),
        // Only a close raised on this stack ends it as closed; a close payload smuggled
        // out of another coroutine's close is an ordinary panic here.
        (Err(payload), _) if closing && payload.is::<CloseUnwind>() => Outcome::Closed,
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
    #[inline]
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
    #[inline(always)]
    pub fn try_yield(&self, value: Y) -> Result<S, E> {
        let input = self.suspend(value);
        self.sent_or_thrown(input)
    }

    /// [`try_yield`](Self::try_yield) for a caller that has just made sure that this stack
    /// is not unwinding ([`is_unwinding`](Self::is_unwinding) is `false`), as the
    /// scheduler's park and yield do: then, if the thread panics, it is the resumer that
    /// unwinds, which [`note_resume`](Self::note_resume) recorded in the flags, so the flags
    /// alone say whether the checks of a yield point must run, without asking
    /// `std::thread::panicking()` a second time.
    #[inline(always)]
    pub(crate) fn try_yield_not_unwinding(&self, value: Y) -> Result<S, E> {
        debug_assert!(!self.is_unwinding(), "the caller checks is_unwinding first");
        let input = self.suspend_checking_if(self.flags.get() != 0, value);
        self.sent_or_thrown(input)
    }

    #[inline(always)]
    fn sent_or_thrown(&self, input: Input<S, E>) -> Result<S, E> {
        match input {
            Input::Send(sent) => Ok(sent),
            Input::Throw(error) => Err(error),
            Input::Close => self.raise_close(),
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
        self.flags.set(self.flags.get() | THROW_PENDING);
        panic::resume_unwind(Box::new(ThrowUnwind))
    }

    /// A yield point: suspends with `value` and returns what the coroutine is resumed
    /// with (a `Close` is left to the caller, which raises it).
    ///
    /// The fast path tests one byte and `std::thread::panicking()` (a relaxed atomic load
    /// while no thread panics); everything else is in [`check_yield_point`].
    ///
    /// [`check_yield_point`]: Self::check_yield_point
    #[inline(always)]
    pub(super) fn suspend(&self, value: Y) -> Input<S, E> {
        self.suspend_checking_if(self.flags.get() != 0 || std::thread::panicking(), value)
    }

    /// Suspends with `value`, after the checks of a yield point if `check`.
    #[inline(always)]
    fn suspend_checking_if(&self, check: bool, value: Y) -> Input<S, E> {
        if check {
            // Returns (to suspend below) only if the yield may suspend; one switch for
            // both paths keeps the input received in registers.
            self.before_suspend_cold();
        }
        self.switch(value)
    }

    #[cold]
    #[inline(never)]
    fn before_suspend_cold(&self) {
        self.check_yield_point();
        // The resumer's state is recorded again when this stack is resumed.
        self.flags.set(self.flags.get() & !RESUMED_PANICKING);
    }

    #[inline(always)]
    fn switch(&self, value: Y) -> Input<S, E> {
        let input = self.raw().suspend(value);
        self.note_resume();
        input
    }

    /// The checks of a yield point, without suspending (a delegation's start):
    /// [`check_yield_point`] when any flag is set or the thread is panicking.
    ///
    /// [`check_yield_point`]: Self::check_yield_point
    #[inline]
    pub(super) fn yield_point(&self) {
        if self.flags.get() != 0 || std::thread::panicking() {
            self.check_yield_point();
        }
    }

    /// Whether a yield point reached now would be refused because this coroutine's own
    /// stack is unwinding from a panic (rule 1 of [`check_yield_point`]). A caller with a
    /// better answer than stopping the process (a scheduler) can test this first.
    ///
    /// [`check_yield_point`]: Self::check_yield_point
    pub(crate) fn is_unwinding(&self) -> bool {
        std::thread::panicking() && self.flags.get() & RESUMED_PANICKING == 0
    }

    /// Records whether the resumer is unwinding from a panic, so that a yield point can
    /// tell the resumer's panic from one on this stack.
    ///
    /// No call on either branch: a call here would make the compiler spill the input
    /// just received around it, on the fast path.
    #[inline(always)]
    fn note_resume(&self) {
        if std::thread::panicking() {
            self.flags.set(self.flags.get() | RESUMED_PANICKING);
        }
    }

    /// The rules of a yield point, in order:
    ///
    /// 1. This stack is unwinding from a panic (a yield inside `Drop` during a panic, a
    ///    throw or a close): refused, the process stops (there is no value to hand back,
    ///    and suspending mid-unwind would leave the thread "panicking" for everyone else).
    /// 2. A throw the body swallowed with `catch_unwind`: raised again (corosensei #57).
    /// 3. The first yield after the body caught the close: refused, the close is raised
    ///    again. A second one falls through and suspends: `close` sees the yield, gives
    ///    up on the body and reports that it ignored the close.
    #[cold]
    #[inline(never)]
    fn check_yield_point(&self) {
        let flags = self.flags.get();
        // A resumer that is itself unwinding makes `panicking()` true on this stack too;
        // only a panic that started here since the last resume is this stack's.
        if flags & RESUMED_PANICKING == 0 && std::thread::panicking() {
            yield_while_unwinding(self.name());
        }
        if flags & THROW_PENDING != 0 {
            self.flags.set(self.flags.get() & !THROW_PENDING);
            if let Some(error) = self.pending.take() {
                self.raise(error);
            }
        }
        if flags & (CLOSING | CLOSE_REFUSED) == CLOSING {
            self.flags.set(self.flags.get() | CLOSE_REFUSED);
            panic::resume_unwind(Box::new(CloseUnwind));
        }
    }

    /// Starts unwinding this stack for a close, from the yield point that received it.
    #[cold]
    #[inline(never)]
    pub(super) fn raise_close(&self) -> ! {
        self.flags.set(self.flags.get() | CLOSING);
        panic::resume_unwind(Box::new(CloseUnwind))
    }

    fn name(&self) -> Option<&str> {
        // SAFETY: see the invariant on `name`: the box it points into outlives every run of
        // the body.
        self.name.map(|name| unsafe { &*name })
    }

    #[inline]
    pub(super) fn raw(&self) -> &RawYielder<S, Y, E> {
        // SAFETY: see the invariant on `raw`: this `Yielder` was built by `run_body` from a
        // live reference, and `&self` cannot outlive the body call it was lent to.
        unsafe { &*self.raw }
    }
}

/// Stops the process: a yield point was reached while this coroutine's stack was unwinding.
///
/// A plain coroutine has no value to return from such a yield, and suspending would hand
/// the resumer a thread that is still "panicking" (`std::thread::panicking()`, poisoned
/// mutexes) with half an unwind parked on another stack.
#[cold]
#[inline(never)]
fn yield_while_unwinding(name: Option<&str>) -> ! {
    let who = super::who(name);
    // Best effort: the process stops whether or not stderr takes the message.
    let _ = writeln!(
        std::io::stderr(),
        "fatal: {who} yielded while its stack was unwinding (a yield inside Drop during a \
         panic, throw or close); yield points cannot suspend while unwinding. Do the \
         waiting before the panic starts, or catch the unwind with catch_unwind and yield \
         after it returns; never yield from Drop. Aborting."
    );
    std::process::abort()
}

impl<S, Y, E> fmt::Debug for Yielder<S, Y, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yielder").finish_non_exhaustive()
    }
}
