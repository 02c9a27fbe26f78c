//! Configuring a coroutine before it is created: name and stack size.

use super::{Coroutine, Yielder};
use crate::stack::{self, StackError};

/// Configures a coroutine's name and stack size, then creates it.
///
/// Follows `std::thread::Builder`: [`name`](Self::name), [`stack_size`](Self::stack_size)
/// in bytes, and a fallible [`build`](Self::build).
///
/// ```
/// use yieldpoint::coroutine::Builder;
/// use yieldpoint::CoroutineState;
///
/// let mut co = Builder::new()
///     .name("doubler")
///     .stack_size(128 * 1024)
///     .build(|co, mut n| loop { n = co.yield_(n * 2) })?;
/// assert_eq!(co.name(), Some("doubler"));
/// assert_eq!(co.send(21), CoroutineState::Yielded(42));
/// # Ok::<(), yieldpoint::stack::StackError>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a Builder does nothing until build() is called"]
pub struct Builder {
    name: Option<Box<str>>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with no name and the default stack size ([`stack::DEFAULT_STACK_SIZE`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the coroutine; the name appears in panic and stack-overflow messages.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Sets the usable stack size in bytes: raised to [`stack::MIN_STACK_SIZE`] (32 KiB,
    /// room for a panic with a full backtrace), then rounded up to whole pages, so `0` and
    /// `1` give the minimum; a guard page is added below it. Default
    /// [`stack::DEFAULT_STACK_SIZE`].
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Creates the coroutine; its body starts on the first `send`. Thrown errors are
    /// [`Exception`](super::Exception)s, as with [`Coroutine::new`], so the types infer from the body as
    /// there; [`build_typed`](Self::build_typed) takes another error type.
    ///
    /// # Errors
    ///
    /// [`StackError`] if no stack could be allocated: the size is larger than the process
    /// can map, the process reached `vm.max_map_count` mappings, or it is out of memory;
    /// the message says which. Freeing coroutines or lowering the stack size can make a
    /// retry succeed.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::coroutine::Builder;
    /// use yieldpoint::CoroutineState;
    ///
    /// // No annotation: `S` from the closure, `Y` from the yield, `R` from the body.
    /// let mut co = Builder::new().name("echo").build(|co, first: u8| co.yield_(first) + 1)?;
    /// assert_eq!(co.send(1), CoroutineState::Yielded(1));
    /// assert_eq!(co.send(5), CoroutineState::Complete(6));
    /// # Ok::<(), yieldpoint::stack::StackError>(())
    /// ```
    pub fn build<S, Y, R, F>(self, body: F) -> Result<Coroutine<S, Y, R>, StackError>
    where
        S: 'static,
        Y: 'static,
        R: 'static,
        F: FnOnce(&Yielder<S, Y>, S) -> R + 'static,
    {
        self.build_typed(body)
    }

    /// [`build`](Self::build) with any error type `E` for
    /// [`throw`](Coroutine::throw), as [`Coroutine::typed`].
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::coroutine::Builder;
    /// use yieldpoint::CoroutineState;
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Skip;
    ///
    /// let mut co = Builder::new().build_typed(|co, mut n: u32| loop {
    ///     n = match co.try_yield(n) {
    ///         Ok(next) => next,
    ///         Err(Skip) => n + 100,
    ///     };
    /// })?;
    /// assert_eq!(co.send(1), CoroutineState::Yielded(1));
    /// assert_eq!(co.throw(Skip), Ok(CoroutineState::Yielded(101)));
    /// # Ok::<(), yieldpoint::stack::StackError>(())
    /// ```
    pub fn build_typed<S, Y, R, E, F>(self, body: F) -> Result<Coroutine<S, Y, R, E>, StackError>
    where
        S: 'static,
        Y: 'static,
        R: 'static,
        E: 'static,
        F: FnOnce(&Yielder<S, Y, E>, S) -> R + 'static,
    {
        let size = self.stack_size.unwrap_or(stack::DEFAULT_STACK_SIZE);
        let stack = stack::acquire(size, self.name.as_deref())?;
        Ok(Coroutine::with_stack(stack, self.name, body))
    }
}
