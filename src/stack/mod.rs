//! Coroutine stacks: sizes, guard pages, and a per-thread pool that reuses them.
//!
//! Each coroutine runs on a [`corosensei::stack::DefaultStack`]: an `mmap`ed region with a
//! guard page below it, so running off the end faults instead of overwriting memory. A
//! fresh mapping costs two system calls (`mmap`, `mprotect`) and two entries of the
//! process's `vm.max_map_count`; finished coroutines hand their stack to a per-thread
//! pool (`stack/pool.rs`) and the next coroutine of the same size takes it from there.
//!
//! A stack overflow inside a coroutine hits the guard page; `stack/overflow.rs` turns that fault
//! into a message naming the coroutine and its stack size, then aborts, like std's
//! "thread '…' has overflowed its stack".
//!
//! Python has no equivalent: its generators keep their frames on the heap. Book: Part I,
//! "Generators" (why a stackful coroutine needs a stack).

mod overflow;
mod pool;

use std::error::Error;
use std::fmt;
use std::io;

pub(crate) use overflow::GuardRegistration;
pub(crate) use pool::{release, swap_for_warm, trim};

/// The stack type every coroutine runs on.
pub(crate) type PooledStack = corosensei::stack::DefaultStack;

/// Default usable stack size of a coroutine, in bytes: 64 KiB, the size corosensei's
/// author suggests as a floor for code that calls into the standard library.
pub const DEFAULT_STACK_SIZE: usize = 64 * 1024;

/// Smallest usable stack size in bytes; smaller requests are raised to it.
pub const MIN_STACK_SIZE: usize = 16 * 1024;

/// A stack could not be allocated.
///
/// Transient: it depends on what else the process holds. Dropping finished coroutines,
/// lowering the stack size, or raising `vm.max_map_count` (each stack takes two
/// mappings) can make a retry succeed.
#[derive(Debug)]
pub struct StackError {
    /// Usable size that was asked for, in bytes.
    size: usize,
    /// The coroutine's name, if it had one.
    name: Option<Box<str>>,
    source: io::Error,
}

impl StackError {
    /// The usable stack size that could not be allocated, in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The name of the coroutine or task the stack was for, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The operating system's error from `mmap` or `mprotect`.
    pub fn io_error(&self) -> &io::Error {
        &self.source
    }
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot allocate a {} KiB stack", self.size / 1024)?;
        if let Some(name) = &self.name {
            write!(f, " for \"{name}\"")?;
        }
        write!(
            f,
            ": {}; lower the stack size, drop finished coroutines, or raise vm.max_map_count",
            self.source
        )
    }
}

impl Error for StackError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

/// The usable size a request for `bytes` gets: at least [`MIN_STACK_SIZE`], whole pages.
///
/// `None` when that size, plus the guard page corosensei adds, does not fit in `usize`:
/// no such mapping could exist.
pub(crate) fn rounded_size(bytes: usize) -> Option<usize> {
    let page = page_size();
    let size = bytes.max(MIN_STACK_SIZE).checked_next_multiple_of(page)?;
    // `DefaultStack::new` adds `2 * page - 1` and panics if that overflows.
    size.checked_add(2 * page)?;
    Some(size)
}

/// Takes a stack of (at least) `bytes` usable bytes from this thread's pool, or maps one.
pub(crate) fn acquire(bytes: usize, name: Option<&str>) -> Result<PooledStack, StackError> {
    let error = |size, source| StackError {
        size,
        name: name.map(Box::from),
        source,
    };
    let Some(size) = rounded_size(bytes) else {
        // What `mmap` itself answers for a length it cannot map.
        return Err(error(bytes, io::Error::from_raw_os_error(libc::ENOMEM)));
    };
    if let Some(stack) = pool::take(size) {
        return Ok(stack);
    }
    let fresh = match PooledStack::new(size) {
        // Out of memory, address space or mappings: unmap the pooled stacks (none has
        // this size) and try once more. See "When pooled stacks are unmapped" in
        // `stack/pool.rs`.
        Err(_) if pool::trim() > 0 => PooledStack::new(size),
        fresh => fresh,
    };
    fresh.map_err(|source| error(size, source))
}

/// The usable size of `stack` in bytes: everything above its guard page.
///
/// corosensei's [`Stack::limit`](corosensei::stack::Stack::limit) is the lowest address
/// *including* the guard page, which is one page (`DefaultStack` maps exactly one).
pub(crate) fn usable_size(stack: &PooledStack) -> usize {
    use corosensei::stack::Stack;
    stack.base().get() - stack.limit().get() - page_size()
}

pub(crate) fn page_size() -> usize {
    use std::sync::OnceLock;
    static PAGE: OnceLock<usize> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf has no preconditions; _SC_PAGESIZE is a valid name.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(page).unwrap_or(4096)
    })
}
