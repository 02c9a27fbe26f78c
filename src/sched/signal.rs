//! Task dumps on a signal: with `dump_on_signal` on, `kill -USR1 <pid>` makes every such
//! scheduler print its [`TaskDump`](crate::task::TaskDump) on stderr, while the program runs.
//!
//! Python: `faulthandler.register(signal.SIGUSR1)`, which dumps every thread's stack on
//! that signal; Go's `SIGQUIT` goroutine dump.
//!
//! The signal handler (signal-hook's, async-signal-safe) only wakes a thread of ours,
//! `yieldpoint-signals`, which counts the request ([`requests`]) and wakes every
//! scheduler thread that listens, idle ones included (through their reactors). Each
//! scheduler thread looks at the count where it looks anyway: in its periodic check
//! while busy (every 61 switches), and when it wakes from an idle wait. The first thread
//! of a scheduler to see a new request prints that scheduler's dump. A signal that
//! interrupts a thread's wait in its poller is not lost either: the poller (the
//! `polling` crate) retries the wait on `EINTR`, and the wakeup comes from
//! `yieldpoint-signals`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, Weak};

use signal_hook::consts::SIGUSR1;
use signal_hook::iterator::Signals;

use crate::task::owner::Owner;

/// SIGUSR1s received since the process started listening.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// The scheduler threads to wake on a request.
static LISTENERS: Mutex<Vec<Weak<Owner>>> = Mutex::new(Vec::new());

/// How many dump requests (SIGUSR1s) have arrived.
pub(crate) fn requests() -> u64 {
    REQUESTS.load(Ordering::Acquire)
}

/// Starts listening for SIGUSR1, once per process: from then on the signal no longer ends
/// the process. Called when a scheduler with `dump_on_signal` is built, before any of its
/// threads runs. If the handler cannot be installed, says so on stderr, once.
pub(crate) fn install() {
    static START: Once = Once::new();
    START.call_once(|| {
        if let Err(error) = start() {
            eprintln!(
                "yieldpoint: dump_on_signal: cannot listen for SIGUSR1 ({error}); no task dump \
                 will be printed on that signal"
            );
        }
    });
}

/// Wakes `owner`'s thread on every request from now on (see [`install`], which this calls).
pub(crate) fn listen(owner: &Arc<Owner>) {
    install();
    let mut listeners = LISTENERS.lock().unwrap_or_else(|e| e.into_inner());
    listeners.retain(|l| l.strong_count() > 0);
    listeners.push(Arc::downgrade(owner));
}

/// Installs the handler and starts the thread that turns signals into requests.
fn start() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGUSR1])?;
    std::thread::Builder::new()
        .name("yieldpoint-signals".into())
        .spawn(move || {
            for _ in signals.forever() {
                REQUESTS.fetch_add(1, Ordering::Release);
                let listeners = LISTENERS.lock().unwrap_or_else(|e| e.into_inner());
                for owner in listeners.iter().filter_map(Weak::upgrade) {
                    owner.wake_thread();
                }
            }
        })?;
    Ok(())
}
