//! Task-local storage: a value set for the rest of a call, seen only by the green thread
//! that set it.
//!
//! Python: `contextvars.ContextVar` (PEP 567), as asyncio's tasks use it. Rust: tokio's
//! `task_local!` and `LocalKey::scope`, whose API this follows.
//!
//! The API: [`LocalKey`] and [`task_local!`](crate::task_local).

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::rc::Rc;

use super::context;

/// Declares task-local keys: `static NAME: Type;`, each a [`LocalKey<Type>`](LocalKey).
///
/// Python: `NAME = contextvars.ContextVar("NAME")`. Rust: tokio's `task_local!`.
///
/// # Examples
/// ```
/// yieldpoint::task_local! {
///     /// Who the current request is for.
///     pub static USER: String;
///     static DEPTH: usize;
/// }
///
/// let name = USER.scope("ada".to_string(), || DEPTH.scope(1, || USER.get()));
/// assert_eq!(name, "ada");
/// ```
#[macro_export]
macro_rules! task_local {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty;)+) => {
        $(
            $(#[$attr])*
            $vis static $name: $crate::task::LocalKey<$t> =
                $crate::task::LocalKey::__new(stringify!($name));
        )+
    };
}

/// A key for task-local values of type `T`, declared with [`task_local!`](crate::task_local).
///
/// Python: `contextvars.ContextVar` (PEP 567); [`scope`](Self::scope) is `var.set(value)`
/// ... `var.reset(token)` around a block. Rust: tokio's `task::LocalKey`.
///
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// yieldpoint::task_local! {
///     /// The id of the request a task serves, for its log lines.
///     static REQUEST_ID: u32;
/// }
///
/// fn log_line(what: &str) -> String {
///     format!("[request {}] {what}", REQUEST_ID.get())
/// }
///
/// RoundRobin::new().block_on(|| {
///     let handlers: Vec<_> = [7, 8]
///         .map(|id| {
///             yieldpoint::spawn(move || {
///                 REQUEST_ID.scope(id, || {
///                     yieldpoint::yield_now(); // the other handler runs; each keeps its own
///                     log_line("done")
///                 })
///             })
///         })
///         .into();
///     let lines: Vec<String> = handlers.into_iter().map(|h| h.join().unwrap()).collect();
///     assert_eq!(lines, ["[request 7] done", "[request 8] done"]);
/// });
/// ```
///
/// # The model
///
/// [`scope`](Self::scope)`(value, f)` sets the key to `value` for the current green thread
/// while `f` runs (a nested `scope` of the same key shadows it until it returns), then
/// drops the value, also when `f` unwinds (a panic, a cancel, the task closed by its
/// scheduler's drop). [`with`](Self::with), [`try_with`](Self::try_with) and
/// [`get`](Self::get) read it from anywhere inside `f`, across any number of yields and
/// switches: the value belongs to the task, not to the OS thread. Outside a green thread
/// the same calls work for the OS thread, whose scopes green threads do not see.
///
/// **Children do not inherit.** A task spawned inside a scope starts with no task-local
/// set, as in tokio. Python differs: `asyncio.create_task` runs the new task in a copy of
/// the creator's context (`contextvars.copy_context()`). Here, pass the values the child
/// needs and open its own `scope` in it (the child may run on another worker, so a copy
/// made for it would have to be `Send` and `Clone`; an explicit hand-over says so).
///
/// Where it lives: a map per OS thread from (task, key) to the value, which is enough
/// because a started green thread never leaves its OS thread. Nothing is stored in the
/// task itself, nothing is allocated until a `scope` runs, and a task switch does no work
/// for it.
pub struct LocalKey<T: 'static> {
    /// The declared name, for messages; also gives every key its own address.
    name: &'static str,
    _value: std::marker::PhantomData<fn() -> T>,
}

/// Which (task or OS thread, key) a value is set for: the task's id (0 for the OS thread
/// outside any green thread; task ids start at 1) and the key's address.
type Slot = (u64, usize);

thread_local! {
    /// The task-local values set on this OS thread, innermost scope's value per slot.
    static VALUES: RefCell<HashMap<Slot, Rc<dyn Any>>> = RefCell::new(HashMap::new());
}

impl<T: 'static> LocalKey<T> {
    /// Not part of the API: [`task_local!`](crate::task_local) makes keys with it.
    #[doc(hidden)]
    pub const fn __new(name: &'static str) -> Self {
        LocalKey {
            name,
            _value: std::marker::PhantomData,
        }
    }

    /// The slot of this key for the current green thread (or the OS thread).
    fn slot(&'static self) -> Slot {
        let task = context::with_current(|header| header.id.0).unwrap_or(0);
        (task, self as *const Self as usize)
    }

    /// Sets the key to `value` for the current green thread while `f` runs, and returns
    /// what `f` returns. The value is dropped when `f` returns or unwinds; a `scope` of the
    /// same key inside `f` shadows it meanwhile.
    ///
    /// Python: `token = var.set(value)`, then `var.reset(token)` in a `finally`.
    ///
    /// # Examples
    /// ```
    /// yieldpoint::task_local! { static LEVEL: u8; }
    ///
    /// let seen = LEVEL.scope(1, || {
    ///     let inner = LEVEL.scope(2, || LEVEL.get());
    ///     (inner, LEVEL.get())
    /// });
    /// assert_eq!(seen, (2, 1));
    /// assert!(LEVEL.try_with(|_| ()).is_err()); // unset again
    /// ```
    pub fn scope<R>(&'static self, value: T, f: impl FnOnce() -> R) -> R {
        let slot = self.slot();
        let previous = VALUES.with(|values| values.borrow_mut().insert(slot, Rc::new(value)));
        let _restore = Restore { slot, previous };
        f()
    }

    /// Runs `f` with a reference to the value the current green thread set.
    ///
    /// # Panics
    ///
    /// If the key is not set here (no enclosing [`scope`](Self::scope) in this task); use
    /// [`try_with`](Self::try_with) to check instead.
    ///
    /// # Examples
    /// ```
    /// yieldpoint::task_local! { static WORDS: Vec<&'static str>; }
    ///
    /// WORDS.scope(vec!["a", "b"], || assert_eq!(WORDS.with(Vec::len), 2));
    /// ```
    #[track_caller]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        match self.try_with(f) {
            Ok(value) => value,
            Err(err) => panic!("{err}"),
        }
    }

    /// Runs `f` with a reference to the value the current green thread set, if it set one.
    ///
    /// # Errors
    ///
    /// [`AccessError`] if the key is not set here: no enclosing [`scope`](Self::scope) in
    /// this task (a parent's scope does not count).
    ///
    /// Python: `var.get()` raising `LookupError`.
    ///
    /// # Examples
    /// ```
    /// yieldpoint::task_local! { static RETRIES: u32; }
    ///
    /// assert!(RETRIES.try_with(|n| *n).is_err());
    /// assert_eq!(RETRIES.scope(3, || RETRIES.try_with(|n| *n)), Ok(3));
    /// ```
    pub fn try_with<R>(&'static self, f: impl FnOnce(&T) -> R) -> Result<R, AccessError> {
        let slot = self.slot();
        // Cloned out, so that `f` may open scopes or read other keys without a borrow held.
        let value = VALUES
            .try_with(|values| values.borrow().get(&slot).cloned())
            .ok()
            .flatten()
            .ok_or(AccessError { name: self.name })?;
        let value = value
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("a key's slot holds values of its own type"));
        Ok(f(&value))
    }

    /// A clone of the value the current green thread set.
    ///
    /// # Panics
    ///
    /// As [`with`](Self::with): if the key is not set here.
    ///
    /// # Examples
    /// ```
    /// yieldpoint::task_local! { static NAME: String; }
    ///
    /// assert_eq!(NAME.scope("x".into(), || NAME.get()), "x");
    /// ```
    #[track_caller]
    pub fn get(&'static self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey")
            .field("name", &self.name)
            .finish()
    }
}

/// Puts back the value a [`LocalKey::scope`] shadowed (or unsets the key), dropping the
/// scope's own value: when the scope returns, and when it unwinds.
struct Restore {
    slot: Slot,
    previous: Option<Rc<dyn Any>>,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let ours = VALUES.try_with(|values| {
            let mut values = values.borrow_mut();
            match self.previous.take() {
                Some(previous) => values.insert(self.slot, previous),
                None => values.remove(&self.slot),
            }
        });
        // Dropped here, outside the borrow: the value's `Drop` may use task-locals too.
        drop(ours);
    }
}

/// A task-local key was read where it is not set: no [`LocalKey::scope`] of it encloses
/// the read in this green thread (scopes of the task that spawned this one do not count).
///
/// Python: the `LookupError` of `ContextVar.get()` without a default.
///
/// # Examples
/// ```
/// yieldpoint::task_local! { static TRACE: u64; }
///
/// let err = TRACE.try_with(|_| ()).unwrap_err();
/// assert!(err.to_string().starts_with("task-local TRACE is not set"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    name: &'static str,
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task-local {name} is not set in this green thread; set it around the code that \
             reads it with {name}.scope(value, || ...) (a spawned task does not inherit its \
             parent's values)",
            name = self.name
        )
    }
}

impl Error for AccessError {}
