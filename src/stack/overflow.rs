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
//! A green thread's stack is not registered: registering and unregistering on every task
//! would cost about a hundred instructions per spawn. The task layer knows which task is
//! switched in on each thread, so it gives the handler a lookup of that task's stack
//! instead ([`set_running_stack_lookup`]), consulted when the registry has no match: a
//! stack overflows only while code runs on it.
//!
//! Rust's stack probes touch every page of a large frame in order, so an overflow always
//! faults on the guard page first.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::{Once, OnceLock};

use corosensei::stack::Stack;

use super::{page_size, PooledStack};

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
/// before its stack is reused or unmapped (dropping it unregisters too).
pub(crate) struct GuardRegistration {
    key: usize,
}

impl GuardRegistration {
    /// Registers `stack`'s guard page for the coroutine `name` (which must stay at the same
    /// address until `unregister`: callers pass a `Box<str>` they keep).
    pub(crate) fn new(stack: &PooledStack, name: Option<&str>) -> Self {
        Self::for_bounds(stack.limit().get(), stack.base().get(), name)
    }

    /// A registration that registers nothing, for a stack the handler finds through
    /// [`set_running_stack_lookup`]; [`unregister`](Self::unregister) does nothing.
    pub(crate) fn none() -> Self {
        GuardRegistration { key: usize::MAX }
    }

    /// Registers the guard page of the stack mapped from `limit` (the guard page's lowest
    /// address, as corosensei's `Stack::limit`) up to `base` (one past its highest), for
    /// the coroutine `name` (which must stay at the same address until `unregister`).
    pub(crate) fn for_bounds(limit: usize, base: usize, name: Option<&str>) -> Self {
        prepare_thread();
        let guard = Guard::of(limit, base, name.unwrap_or("<unnamed>"));
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
    #[inline]
    pub(crate) fn unregister(&mut self) {
        let key = std::mem::replace(&mut self.key, usize::MAX);
        if key != usize::MAX {
            Self::remove(key);
        }
    }

    /// Removes the entry `key` from this thread's registry.
    fn remove(key: usize) {
        let _ = REGISTRY.try_with(|registry| {
            let mut registry = registry.borrow_mut();
            registry.slots[key] = None;
            registry.free.push(key);
        });
    }
}

impl Guard {
    /// The guard of the stack mapped from `limit` (its guard page's lowest address) up to
    /// `base`, run by the coroutine `name`.
    fn of(limit: usize, base: usize, name: &str) -> Guard {
        let page = page_size();
        Guard {
            low: limit,
            high: limit + page,
            size: base - limit - page,
            name: name.as_ptr(),
            name_len: name.len(),
        }
    }
}

/// A coroutine stack that runs on this thread now, as the task layer reports it to the
/// fault handler (see [`set_running_stack_lookup`]).
pub(crate) struct RunningStack {
    /// Lowest address of the mapping: the guard page's (corosensei's `Stack::limit`).
    pub(crate) limit: usize,
    /// One past the stack's highest address (corosensei's `Stack::base`).
    pub(crate) base: usize,
    /// The name of its coroutine (`None`: unnamed). It must stay alive for as long as the
    /// stack runs on this thread, as a switched-in task's name does.
    pub(crate) name: Option<*const str>,
}

/// The lookup of the stack running on this thread that is not in the registry.
static RUNNING_STACK: OnceLock<fn() -> Option<RunningStack>> = OnceLock::new();

/// Installs `lookup`, which tells the fault handler which unregistered coroutine stack
/// (a green thread's) runs on the calling thread, if any; the first call wins, later ones
/// are ignored (there is one task layer). `lookup` runs inside the signal handler: it must
/// not allocate, lock or panic.
pub(crate) fn set_running_stack_lookup(lookup: fn() -> Option<RunningStack>) {
    if RUNNING_STACK.get().is_none() {
        let _ = RUNNING_STACK.set(lookup);
    }
}

/// Installs the fault handler and gives this thread an alternate signal stack, so that
/// overflows of the coroutine stacks that run here are reported; cheap after the first
/// call on a thread.
pub(crate) fn prepare_thread() {
    install_handler();
    ensure_altstack();
}

impl Drop for GuardRegistration {
    /// Unregisters, unless [`unregister`](GuardRegistration::unregister) did already.
    fn drop(&mut self) {
        self.unregister();
    }
}

/// Finds the guard page holding `addr` on this thread: in the registry, else the guard of
/// the running unregistered stack. Called from the signal handler: it must not allocate
/// or block, so a registry that is being modified is skipped.
fn find(addr: usize) -> Option<Guard> {
    let registered = REGISTRY
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
        .flatten();
    registered.or_else(|| {
        let running = RUNNING_STACK.get()?()?;
        // SAFETY: per `RunningStack::name`, the name is alive while its stack runs here,
        // which it does: the fault interrupted this thread.
        let name = running.name.map_or("<unnamed>", |name| unsafe { &*name });
        let guard = Guard::of(running.limit, running.base, name);
        (guard.low..guard.high).contains(&addr).then_some(guard)
    })
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
    // SAFETY: `stack_t` is plain data; all-zero is a valid value that the call below fills.
    let mut current: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: querying the current alternate stack with a null new stack has no effect;
    // `current` is a valid place for the answer.
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
