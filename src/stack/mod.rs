//! Coroutine stacks: sizes, guard pages, and a per-thread pool that reuses them.
//!
//! Each coroutine runs on a [`corosensei::stack::DefaultStack`]: an `mmap`ed region with a
//! guard page below it, so running off the end faults instead of overwriting memory. A
//! fresh mapping costs two system calls (`mmap`, `mprotect`) and two entries of the
//! process's `vm.max_map_count`; finished coroutines hand their stack to a per-thread
//! pool (`stack/pool.rs`) and the next coroutine of the same size takes it from there.
//!
//! Requested sizes are raised to [`MIN_STACK_SIZE`] and rounded up to whole pages (see
//! there). Pooled stacks are unmapped when a new stack cannot be mapped, after they went
//! unused for about a second, and when a `WorkQueue` is dropped (see "When pooled stacks
//! are unmapped" in `stack/pool.rs`).
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

pub(crate) use overflow::{
    prepare_thread as prepare_overflow_report, set_running_stack_lookup, GuardRegistration,
    RunningStack,
};
pub(crate) use pool::{release, reserve, swap_if_stale, trim, Reservation};

/// The stack type every coroutine runs on.
pub(crate) type PooledStack = corosensei::stack::DefaultStack;

/// Default usable stack size of a coroutine, in bytes: 64 KiB, the size corosensei's
/// author suggests as a floor for code that calls into the standard library.
pub const DEFAULT_STACK_SIZE: usize = 64 * 1024;

/// Smallest usable stack size in bytes: 32 KiB. Smaller requests, `0` and `1` included,
/// get this size.
///
/// It is the size on which a panic can still print its backtrace: with `RUST_BACKTRACE=1`
/// or `full`, printing one takes between 20 and 24 KiB of stack (measured on x86-64
/// Linux, Rust 1.95, debug and release, in a coroutine and in a task: 20 KiB overflows,
/// 24 KiB does not), so the old 16 KiB minimum turned such a panic into a stack-overflow
/// abort. 32 KiB leaves about 8 KiB for the body's own frames around the panic; code
/// that calls deeper into the standard library wants [`DEFAULT_STACK_SIZE`].
///
/// # Rounding
///
/// A requested size is raised to this minimum, then rounded up to whole pages (4 KiB on
/// most systems); the stack gets that many usable bytes, plus one guard page below them
/// that is not counted. So `stack_size(0)` and `stack_size(1)` give 32 KiB, and
/// `stack_size(40_000)` gives 40 KiB (40,960 bytes).
pub const MIN_STACK_SIZE: usize = 32 * 1024;

/// A stack could not be allocated.
///
/// The message says what failed and what to do about it, judged from the error, the size,
/// and the process when it failed:
///
/// - the size is larger than the process could ever map (more than the machine's memory or
///   the process's address-space limit, `RLIMIT_AS`): lower the stack size;
/// - the process has as many memory mappings as `vm.max_map_count` allows (each stack
///   takes two: the stack and its guard page): drop finished coroutines, run fewer at
///   once, or raise `vm.max_map_count`;
/// - otherwise the system or the process is out of memory or of address space (the
///   overcommit limit, `RLIMIT_AS`): drop finished coroutines or lower the stack size.
///
/// Except for the first, it is transient: it depends on what else the process holds.
#[derive(Debug)]
pub struct StackError {
    /// Usable size that was asked for, in bytes.
    size: usize,
    /// The coroutine's name, if it had one.
    name: Option<Box<str>>,
    source: io::Error,
    cause: Cause,
}

/// Why a stack could not be mapped (see [`StackError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// The size does not fit: more than the machine's memory or the address-space limit.
    TooLarge,
    /// The process has `mappings` memory mappings, at the `vm.max_map_count` `limit`.
    MapCount { mappings: usize, limit: usize },
    /// Out of memory or of address space.
    OutOfMemory,
    /// Another error of `mmap` or `mprotect`.
    Other,
}

/// How close to `vm.max_map_count` the process must be for the limit to be the cause: a
/// new stack adds up to two mappings, and neighbouring ones may merge.
const MAP_COUNT_MARGIN: usize = 8;

impl Cause {
    /// Judges an error of mapping `bytes` (stack and guard page); `None`s are facts that
    /// could not be read.
    fn judge(
        errno: Option<i32>,
        bytes: usize,
        mappings: Option<usize>,
        map_count_limit: Option<usize>,
        memory: Option<usize>,
    ) -> Cause {
        if errno != Some(libc::ENOMEM) {
            return Cause::Other;
        }
        if let (Some(mappings), Some(limit)) = (mappings, map_count_limit) {
            if mappings + MAP_COUNT_MARGIN >= limit {
                return Cause::MapCount { mappings, limit };
            }
        }
        if memory.is_some_and(|memory| bytes >= memory) {
            return Cause::TooLarge;
        }
        Cause::OutOfMemory
    }

    /// Judges `source`, an error of mapping `bytes`, by looking at this process.
    #[cold]
    fn of(source: &io::Error, bytes: usize) -> Cause {
        Cause::judge(
            source.raw_os_error(),
            bytes,
            count_lines("/proc/self/maps"),
            read_number("/proc/sys/vm/max_map_count"),
            mappable_memory(),
        )
    }
}

/// Lines of the file at `path`, read through a buffer on the stack: the process may be
/// out of memory.
fn count_lines(path: &str) -> Option<usize> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = [0_u8; 4096];
    let mut lines = 0;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Some(lines),
            Ok(n) => lines += buf[..n].iter().filter(|&&b| b == b'\n').count(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// The decimal number a small file (a sysctl) holds, read without allocating.
fn read_number(path: &str) -> Option<usize> {
    use std::io::Read;
    let mut buf = [0_u8; 32];
    let n = std::fs::File::open(path).ok()?.read(&mut buf).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
}

/// The most memory one mapping could get: the machine's physical memory, or the
/// process's address-space limit if lower.
fn mappable_memory() -> Option<usize> {
    // SAFETY: sysconf has no preconditions; _SC_PHYS_PAGES is a valid name.
    let pages = usize::try_from(unsafe { libc::sysconf(libc::_SC_PHYS_PAGES) }).ok()?;
    let physical = pages.saturating_mul(page_size());
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit` for getrlimit to fill.
    let address_space = if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } == 0
        && limit.rlim_cur != libc::RLIM_INFINITY
    {
        usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
    } else {
        usize::MAX
    };
    Some(physical.min(address_space))
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
        let bytes = self.size.saturating_add(page_size());
        write!(f, ": mapping {bytes} bytes failed: {}", self.source)?;
        match self.cause {
            Cause::TooLarge => f.write_str(
                "; the size is larger than this process can map (the machine's memory, or \
                 its address-space limit): lower the stack size",
            ),
            Cause::MapCount { mappings, limit } => write!(
                f,
                "; the process has {mappings} memory mappings, the limit \
                 vm.max_map_count = {limit} (each stack takes two): drop finished \
                 coroutines, run fewer at once, or raise vm.max_map_count"
            ),
            Cause::OutOfMemory => f.write_str(
                "; out of memory or address space (the overcommit limit, RLIMIT_AS): drop \
                 finished coroutines or lower the stack size",
            ),
            Cause::Other => Ok(()),
        }
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
#[inline]
pub(crate) fn rounded_size(bytes: usize) -> Option<usize> {
    let page = page_size();
    // `page` is a power of two (see `page_size`): round up with a mask, not a division.
    let size = bytes.max(MIN_STACK_SIZE).checked_add(page - 1)? & !(page - 1);
    // `DefaultStack::new` adds `2 * page - 1` and panics if that overflows.
    size.checked_add(2 * page)?;
    Some(size)
}

/// Takes a stack of (at least) `bytes` usable bytes from this thread's pool, or maps one.
///
/// # Errors
///
/// A [`StackError`] when no stack of that size is pooled and none can be mapped.
#[inline]
pub(crate) fn acquire(bytes: usize, name: Option<&str>) -> Result<PooledStack, StackError> {
    if let Some(stack) = rounded_size(bytes).and_then(pool::take) {
        return Ok(stack);
    }
    acquire_unpooled(bytes, name)
}

/// [`acquire`], and if that fails and `free_more` gives stacks back to the pool (it says
/// how many, such as a scheduler dropping the runners it keeps), once more: a failed
/// mapping unmaps the pooled stacks before its own retry, so those now count too.
///
/// # Errors
///
/// The [`StackError`] of the last attempt.
pub(crate) fn acquire_or_free(
    bytes: usize,
    name: Option<&str>,
    free_more: impl FnOnce() -> usize,
) -> Result<PooledStack, StackError> {
    acquire(bytes, name).or_else(|error| match free_more() {
        0 => Err(error),
        _ => acquire(bytes, name),
    })
}

/// [`acquire`] when the pool (this thread's cache and the shared pool) has no stack of
/// the size: maps a fresh one.
#[inline(never)]
fn acquire_unpooled(bytes: usize, name: Option<&str>) -> Result<PooledStack, StackError> {
    let error = |size, source, cause| StackError {
        size,
        name: name.map(Box::from),
        source,
        cause,
    };
    let Some(size) = rounded_size(bytes) else {
        // What `mmap` itself answers for a length it cannot map.
        let source = io::Error::from_raw_os_error(libc::ENOMEM);
        return Err(error(bytes, source, Cause::TooLarge));
    };
    let fresh = match PooledStack::new(size) {
        // Out of memory, address space or mappings: unmap the pooled stacks (none has
        // this size) and try once more. See "When pooled stacks are unmapped" in
        // `stack/pool.rs`.
        Err(_) if pool::trim() > 0 => PooledStack::new(size),
        fresh => fresh,
    };
    fresh.map_err(|source| {
        let cause = Cause::of(&source, size.saturating_add(page_size()));
        error(size, source, cause)
    })
}

/// The usable size of `stack` in bytes: everything above its guard page.
///
/// corosensei's [`Stack::limit`](corosensei::stack::Stack::limit) is the lowest address
/// *including* the guard page, which is one page (`DefaultStack` maps exactly one).
#[inline]
pub(crate) fn usable_size(stack: &PooledStack) -> usize {
    use corosensei::stack::Stack;
    stack.base().get() - stack.limit().get() - page_size()
}

/// The system's page size in bytes, a power of two (4096 if the system does not say one).
#[inline]
pub(crate) fn page_size() -> usize {
    use std::sync::OnceLock;
    static PAGE: OnceLock<usize> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf has no preconditions; _SC_PAGESIZE is a valid name.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(page)
            .ok()
            .filter(|page| page.is_power_of_two())
            .unwrap_or(4096)
    })
}

#[cfg(test)]
mod tests {
    use super::Cause;

    const GIB: usize = 1 << 30;

    /// The cause of a failed mapping, from the error, the size and the process's state.
    #[test]
    fn a_failed_mapping_is_judged_by_errno_size_and_mappings() {
        let enomem = Some(libc::ENOMEM);
        let judge = |bytes, mappings| {
            Cause::judge(enomem, bytes, Some(mappings), Some(65_530), Some(8 * GIB))
        };
        // At the mapping limit, whatever the size.
        assert_eq!(
            judge(64 * 1024, 65_530),
            Cause::MapCount {
                mappings: 65_530,
                limit: 65_530
            }
        );
        assert_eq!(
            judge(64 * 1024, 65_525),
            Cause::MapCount {
                mappings: 65_525,
                limit: 65_530
            }
        );
        // Far from it: a size beyond memory is too large, a small one out of memory.
        assert_eq!(judge(1 << 40, 300), Cause::TooLarge);
        assert_eq!(judge(64 * 1024, 300), Cause::OutOfMemory);
        // Facts that could not be read do not invent a cause.
        assert_eq!(
            Cause::judge(enomem, 1 << 40, None, None, None),
            Cause::OutOfMemory
        );
        // Not ENOMEM: only the error itself is reported.
        assert_eq!(
            Cause::judge(
                Some(libc::EPERM),
                64 * 1024,
                Some(65_530),
                Some(65_530),
                None
            ),
            Cause::Other
        );
    }
}
