//! Delegation to a subcoroutine: PEP 380's `yield from`.

use super::{Coroutine, CoroutineState, Input, Yielder};

impl<S, Y, E> Yielder<S, Y, E> {
    /// Runs `sub` to completion inside this coroutine and returns its return value.
    ///
    /// Starts `sub` by sending it `first` (PEP 380 starts it with `next()`; yieldpoint's
    /// coroutines take a first value). Then, until `sub` returns:
    ///
    /// - each value `sub` yields is yielded out of this coroutine;
    /// - each value sent to this coroutine is sent to `sub`;
    /// - each error thrown at this coroutine is thrown at `sub`; if `sub` does not handle it,
    ///   it propagates here as at [`yield_`](Self::yield_) (the stack unwinds and the outer
    ///   `throw` returns `Err`);
    /// - closing this coroutine closes `sub` first, then unwinds this one.
    ///
    /// A `sub` that is already suspended is resumed with `first`; use
    /// [`try_yield_from`](Self::try_yield_from) to handle an error `sub` let through.
    ///
    /// Python: `result = yield from sub` (PEP 380, "Formal Semantics").
    ///
    /// # Panics
    ///
    /// If `sub` is already finished, or panics (the panic passes through this coroutine to
    /// its resumer).
    ///
    /// # Examples
    ///
    /// ```
    /// use yieldpoint::{Coroutine, CoroutineState};
    ///
    /// let mut outer = Coroutine::new(|co, first: i32| {
    ///     let adder = Coroutine::new(|co, mut total: i32| {
    ///         loop {
    ///             match co.yield_(total) {
    ///                 0 => return total,
    ///                 n => total += n,
    ///             }
    ///         }
    ///     });
    ///     let subtotal = co.yield_from(adder, first);
    ///     subtotal * 100
    /// });
    /// assert_eq!(outer.send(1), CoroutineState::Yielded(1));
    /// assert_eq!(outer.send(2), CoroutineState::Yielded(3));
    /// assert_eq!(outer.send(0), CoroutineState::Complete(300));
    /// ```
    #[track_caller]
    pub fn yield_from<R2>(&self, sub: Coroutine<S, Y, R2, E>, first: S) -> R2 {
        match self.try_yield_from(sub, first) {
            Ok(value) => value,
            Err(error) => self.raise(error),
        }
    }

    /// Like [`yield_from`](Self::yield_from), but an error thrown in that `sub` did not
    /// handle comes back as `Err` instead of propagating.
    ///
    /// # Errors
    ///
    /// `Err(e)` when a [`throw(e)`](super::Coroutine::throw) reached `sub` and `sub` let it
    /// escape (`sub` is closed by then).
    ///
    /// # Panics
    ///
    /// As [`yield_from`](Self::yield_from).
    #[track_caller]
    pub fn try_yield_from<R2>(&self, mut sub: Coroutine<S, Y, R2, E>, first: S) -> Result<R2, E> {
        // A delegation is a yield point: its rules (a throw the body swallowed with
        // `catch_unwind` is raised again, a yield during unwinding stops the process, a
        // yield after a caught close is refused) apply before `sub` starts.
        self.yield_point();
        assert!(
            !sub.is_finished(),
            "yield_from needs a coroutine that has not finished{}; create a new one",
            sub.describe()
        );
        let mut state = sub.send(first);
        loop {
            let yielded = match state {
                CoroutineState::Complete(value) => return Ok(value),
                CoroutineState::Yielded(y) => y,
            };
            state = match self.suspend(yielded) {
                Input::Send(sent) => sub.send(sent),
                Input::Throw(error) => sub.throw(error)?,
                // PEP 380: `GeneratorExit` closes `sub` first, then unwinds this stack.
                // `sub` unwinds while this thread is not itself unwinding.
                Input::Close => {
                    sub.close();
                    self.raise_close()
                }
            };
        }
    }
}

impl<Y, E> Yielder<(), Y, E> {
    /// Yields every item of `items`, in order (the sent `()`s are discarded).
    ///
    /// A thrown error propagates from the current item's yield, as at
    /// [`yield_`](Self::yield_).
    ///
    /// Python: `yield from iterable` (PEP 380).
    ///
    /// ```
    /// use yieldpoint::Generator;
    ///
    /// let g = Generator::new(|co| {
    ///     co.yield_from_iter(1..=3);
    ///     co.yield_from_iter(vec![10, 20]);
    /// });
    /// assert_eq!(g.collect::<Vec<_>>(), [1, 2, 3, 10, 20]);
    /// ```
    pub fn yield_from_iter<I: IntoIterator<Item = Y>>(&self, items: I) {
        for item in items {
            self.yield_(item);
        }
    }
}
