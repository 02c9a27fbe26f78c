//! Generators: lazy iterators written as a body that yields.
//!
//! Python: PEP 255 (`def gen(): yield v`, Python 2.2, 2001). A [`Generator<Y, R>`] is a
//! [`Coroutine`] that is sent `()`, seen as an `Iterator<Item = Y>`; the body's return
//! value (Python's `StopIteration.value`) stays readable after the last item.
//!
//! ```
//! use yieldpoint::Generator;
//!
//! let countdown = Generator::new(|co| {
//!     for n in (1..=3).rev() {
//!         co.yield_(n);
//!     }
//! });
//! assert_eq!(countdown.collect::<Vec<_>>(), [3, 2, 1]);
//! ```
//!
//! Book: Part I, "Generators".

use std::fmt;
use std::iter::FusedIterator;

use crate::coroutine::{Coroutine, CoroutineState, Exception, Lifecycle, Yielder};
use crate::stack::StackError;

/// An iterator over the values a body yields, keeping the body's return value.
///
/// - `Y`: the yielded items.
/// - `R`: the body's return value, readable with [`return_value`](Self::return_value)
///   once the iterator is exhausted.
///
/// Python: a generator used with `next()` and `for` (PEP 255); `return value` inside it
/// (PEP 380) ends the iteration with `StopIteration(value)`.
///
/// # Examples
///
/// ```
/// use yieldpoint::Generator;
///
/// let mut lines = Generator::new(|co| {
///     let mut count = 0;
///     for line in "a\nb\nc".lines() {
///         co.yield_(line.to_uppercase());
///         count += 1;
///     }
///     count
/// });
/// assert_eq!(lines.next().as_deref(), Some("A"));
/// assert_eq!(lines.by_ref().count(), 2);
/// assert_eq!(lines.return_value(), Some(&3));
/// ```
pub struct Generator<Y, R = ()> {
    co: Coroutine<(), Y, R, Exception>,
    returned: Option<R>,
}

impl<Y: 'static, R: 'static> Generator<Y, R> {
    /// Creates a generator; the body runs lazily, up to one yield per `next()`.
    ///
    /// Python: calling a generator function.
    ///
    /// # Panics
    ///
    /// If no stack can be allocated; use
    /// [`coroutine::Builder::generator`](crate::coroutine::Builder::generator) to get an
    /// error instead.
    #[track_caller]
    pub fn new<F>(body: F) -> Self
    where
        F: FnOnce(&Yielder<(), Y>) -> R + 'static,
    {
        Self::from_coroutine(Coroutine::new(move |co, ()| body(co)))
    }
}

impl<Y, R> Generator<Y, R> {
    /// Views a coroutine that is sent `()` as a generator.
    pub fn from_coroutine(co: Coroutine<(), Y, R, Exception>) -> Self {
        Generator { co, returned: None }
    }

    /// The body's return value, once the generator is exhausted; `None` before that, or
    /// if the body never returned (closed, thrown, panicked).
    ///
    /// Python: `StopIteration.value`, or the value of `yield from gen`.
    pub fn return_value(&self) -> Option<&R> {
        self.returned.as_ref()
    }

    /// Takes the body's return value out; see [`return_value`](Self::return_value).
    pub fn into_return_value(self) -> Option<R> {
        self.returned
    }

    /// Raises `error` at the generator's current yield; see [`Coroutine::throw`].
    ///
    /// Returns the next item (`Ok(Some(y))`), `Ok(None)` if the body handled the error
    /// and returned (its value is then in [`return_value`](Self::return_value)).
    ///
    /// Python: `gen.throw(exc)`.
    ///
    /// # Errors
    ///
    /// `Err(error)` if the body did not handle it (or had not started, or had finished).
    pub fn throw(&mut self, error: Exception) -> Result<Option<Y>, Exception> {
        let state = self.co.throw(error)?;
        Ok(self.record(state))
    }

    /// Closes the generator, unwinding its body (destructors run); see
    /// [`Coroutine::close`]. Python: `gen.close()`.
    pub fn close(&mut self) {
        self.co.close();
    }

    /// Where the generator is in its life.
    pub fn state(&self) -> Lifecycle {
        self.co.state()
    }

    /// The name given with [`Builder::name`](crate::coroutine::Builder::name), if any.
    pub fn name(&self) -> Option<&str> {
        self.co.name()
    }

    /// The coroutine underneath, for example to hand it to
    /// [`Yielder::yield_from`] (`yield from gen` in Python).
    ///
    /// # Panics
    ///
    /// If the generator already returned: its return value would be lost.
    #[track_caller]
    pub fn into_coroutine(self) -> Coroutine<(), Y, R, Exception> {
        assert!(
            self.returned.is_none(),
            "into_coroutine on an exhausted generator would lose its return value; \
             read it with into_return_value()"
        );
        self.co
    }

    fn record(&mut self, state: CoroutineState<Y, R>) -> Option<Y> {
        match state {
            CoroutineState::Yielded(item) => Some(item),
            CoroutineState::Complete(value) => {
                self.returned = Some(value);
                None
            }
        }
    }
}

impl<Y, R> Iterator for Generator<Y, R> {
    type Item = Y;

    /// Runs the body to its next yield. Python: `next(gen)`.
    ///
    /// # Panics
    ///
    /// If the body panics; the generator is then finished.
    fn next(&mut self) -> Option<Y> {
        if self.co.is_finished() {
            return None;
        }
        let state = self.co.send(());
        self.record(state)
    }
}

impl<Y, R> FusedIterator for Generator<Y, R> {}

impl<Y, R: fmt::Debug> fmt::Debug for Generator<Y, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("name", &self.co.name())
            .field("state", &self.co.state())
            .field("returned", &self.returned)
            .finish()
    }
}

// Building a generator from a `coroutine::Builder`: here,
// not in `coroutine`, so that the layers import in one direction (generator → coroutine).
impl crate::coroutine::Builder {
    /// Creates a [`Generator`] with this name and stack size.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    pub fn generator<Y, R, F>(self, body: F) -> Result<Generator<Y, R>, StackError>
    where
        Y: 'static,
        R: 'static,
        F: FnOnce(&Yielder<(), Y>) -> R + 'static,
    {
        self.build(move |co, ()| body(co))
            .map(Generator::from_coroutine)
    }
}
