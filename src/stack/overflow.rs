//! Reporting a stack overflow inside a coroutine instead of dying with a bare SIGSEGV.
//!
//! Every live coroutine registers its stack's guard page, name and size in a per-thread
//! registry. A `SIGSEGV`/`SIGBUS` handler, running on the thread's alternate signal stack,
//! looks the faulting address up there. A hit prints
//!
//! ```text
//! coroutine "walker" has overflowed its stack (65536 bytes)
//! fatal runtime error: stack overflow in a coroutine; raise its stack size with Builder::stack_size, aborting
//! ```
//!
//! and aborts, like std's "thread 'main' has overflowed its stack". Any other fault is
//! passed to the handler that was installed before (std's, which reports overflows of
//! thread stacks), or to the default action.
//!
//! Rust's stack probes touch every page of a large frame in order, so an overflow always
//! faults on the guard page first.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::{Once, OnceLock};

use corosensei::stack::Stack;

use super::{page_size, usable_size, PooledStack};

/// One registered coroutine stack.
#[derive(Clone, Copy)]
struct Guard {
    /// Lowest address of the guard page.
    low: usize,
    /// One past the guard page: the stack's lowest usable address.
    high: usize,
    /// Usable stack size in bytes.
    size: usize,
    /// The coroutine's name, owned by the coroutine (a `Box<str>` that outlives this entry).
    name: *const u8,
    name_len: usize,
}

/// A slab of guards: `slots[key]`, with freed keys reused.
struct Registry {
    slots: Vec<Option<Guard>>,
    free: Vec<usize>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> =
        const { RefCell::new(Registry { slots: Vec::new(), free: Vec::new() }) };
    static ALTSTACK_CHECKED: Cell<bool> = const { Cell::new(false) };
}

/// A coroutine's entry in this thread's registry; [`unregister`](Self::unregister) it
/// before its stack is reused or unmapped.
pub(crate) struct GuardRegistration {
    key: usize,
}

impl GuardRegistration {
    /// Registers `stack`'s guard page for the coroutine `name` (which must stay at the same
    /// address until `unregister`: callers pass a `Box<str>` they keep).
    pub(crate) fn new(stack: &PooledStack, name: Option<&str>) -> Self {
        install_handler();
        ensure_altstack();
        // `limit()` is the lowest address of the mapping, which is the guard page itself.
        let low = stack.limit().get();
        let name = name.unwrap_or("<unnamed>");
        let guard = Guard {
            low,
            high: low + page_size(),
            size: usable_size(stack),
            name: name.as_ptr(),
            name_len: name.len(),
        };
        let key = REGISTRY
            .try_with(|registry| {
                let mut registry = registry.borrow_mut();
                match registry.free.pop() {
                    Some(key) => {
                        registry.slots[key] = Some(guard);
                        key
                    }
                    None => {
                        registry.slots.push(Some(guard));
                        registry.slots.len() - 1
                    }
                }
            })
            .unwrap_or(usize::MAX);
        GuardRegistration { key }
    }

    /// Removes the entry; the stack may be reused afterwards.
    pub(crate) fn unregister(&mut self) {
        let key = std::mem::replace(&mut self.key, usize::MAX);
        if key == usize::MAX {
            return;
        }
        let _ = REGISTRY.try_with(|registry| {
            let mut registry = registry.borrow_mut();
            registry.slots[key] = None;
            registry.free.push(key);
        });
    }
}

/// Finds the guard page holding `addr` on this thread. Called from the signal handler:
/// it must not allocate or block, so a registry that is being modified is skipped.
fn find(addr: usize) -> Option<Guard> {
    REGISTRY
        .try_with(|registry| {
            let registry = registry.try_borrow().ok()?;
            registry
                .slots
                .iter()
                .flatten()
                .find(|g| (g.low..g.high).contains(&addr))
                .copied()
        })
        .ok()
        .flatten()
}

/// The actions that were installed for SIGSEGV and SIGBUS before ours.
static PREVIOUS: OnceLock<[libc::sigaction; 2]> = OnceLock::new();

fn install_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: `sigaction` structs are plain data; zeroed is a valid "no action" value
        // that the calls below overwrite or fill.
        let mut previous: [libc::sigaction; 2] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = handle_fault as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        // SAFETY: `previous` is written before any handler can read it: we only query
        // here, then store, then install.
        unsafe {
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGSEGV, ptr::null(), &mut previous[0]);
            libc::sigaction(libc::SIGBUS, ptr::null(), &mut previous[1]);
        }
        let _ = PREVIOUS.set(previous);
        // SAFETY: `action` is a valid sigaction whose handler has the SA_SIGINFO signature.
        unsafe {
            libc::sigaction(libc::SIGSEGV, &action, ptr::null_mut());
            libc::sigaction(libc::SIGBUS, &action, ptr::null_mut());
        }
    });
}

/// The handler runs on the alternate signal stack (the coroutine's own is exhausted).
/// std gives the threads it starts one; other threads get one here.
fn ensure_altstack() {
    if ALTSTACK_CHECKED
        .try_with(|c| c.replace(true))
        .unwrap_or(true)
    {
        return;
    }
    const SIZE: usize = 64 * 1024;
    // SAFETY: `stack_t` is plain data; zeroed is a valid value for `sigaltstack` to fill.
    let mut current: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: a null new stack only queries the current one into `current`.
    unsafe { libc::sigaltstack(ptr::null(), &mut current) };
    if current.ss_flags & libc::SS_DISABLE == 0 {
        return;
    }
    // SAFETY: an anonymous private mapping with no address hint has no preconditions.
    let memory = unsafe {
        libc::mmap(
            ptr::null_mut(),
            SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if memory == libc::MAP_FAILED {
        return;
    }
    let stack = libc::stack_t {
        ss_sp: memory,
        ss_flags: 0,
        ss_size: SIZE,
    };
    // SAFETY: `memory` is a fresh mapping of SIZE bytes that is never unmapped (one per
    // thread that was not started by std), so it stays valid for the thread's life.
    unsafe { libc::sigaltstack(&stack, ptr::null_mut()) };
}

extern "C" fn handle_fault(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers of SIGSEGV/SIGBUS,
    // where si_addr is the faulting address.
    let addr = unsafe { (*info).si_addr() } as usize;
    if let Some(guard) = find(addr) {
        report(&guard);
        std::process::abort();
    }
    chain(signal, info, context);
}

/// Hands a fault that is not a coroutine overflow to the previous action.
fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(previous) = PREVIOUS.get() else {
        return;
    };
    let previous = if signal == libc::SIGBUS {
        &previous[1]
    } else {
        &previous[0]
    };
    match previous.sa_sigaction {
        libc::SIG_DFL | libc::SIG_IGN => {
            // Reinstall the default action and return: the faulting instruction runs
            // again and the process dies of the signal as it would have without us.
            // SAFETY: `previous` is a valid sigaction read by `sigaction` itself.
            unsafe { libc::sigaction(signal, previous, ptr::null_mut()) };
        }
        handler if previous.sa_flags & libc::SA_SIGINFO != 0 => {
            // SAFETY: SA_SIGINFO says `handler` has the three-argument signature.
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(handler) };
            handler(signal, info, context);
        }
        handler => {
            // SAFETY: without SA_SIGINFO, `handler` has the one-argument signature.
            let handler: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
            handler(signal);
        }
    }
}

/// Writes the overflow message to stderr without allocating.
fn report(guard: &Guard) {
    // SAFETY: `name`/`name_len` describe a live `Box<str>` owned by the coroutine that
    // overflowed (it unregisters before dropping the name).
    let name = unsafe { std::slice::from_raw_parts(guard.name, guard.name_len) };
    let mut digits = [0u8; 20];
    let parts: [&[u8]; 5] = [
        b"\ncoroutine \"",
        name,
        b"\" has overflowed its stack (",
        format_decimal(guard.size, &mut digits),
        b" bytes)\nfatal runtime error: stack overflow in a coroutine; raise its stack size with Builder::stack_size, aborting\n",
    ];
    for part in parts {
        // SAFETY: writing a valid buffer to fd 2; a failed write is ignored (we abort next).
        unsafe { libc::write(2, part.as_ptr().cast(), part.len()) };
    }
}

fn format_decimal(mut n: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[start..];
        }
    }
}
