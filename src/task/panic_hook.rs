//! The panic hook that names the task: a panic inside a green thread first prints
//! `yieldpoint: task 7 'crawler-3' (spawned at src/main.rs:10:5) panicked on thread
//! 'main':`, then the hook that was set before prints the panic as usual (std's:
//! `thread 'main' panicked at src/x.rs:3:5:`, the message, the backtrace note). The OS
//! thread alone says little when many tasks share it.
//!
//! Installed once per process by the first scheduler built with `task_panic_hook` on (the
//! default), in `build`, on the calling thread, before any worker starts. It is chained to
//! the hook set before it, which always runs: a program's own hook (one that logs, one that
//! prints a hint, one that keeps expected panics quiet) sees every panic, in tasks too, and
//! `RUST_BACKTRACE` works as ever. Panics outside green threads go to that hook alone.
//! Cancels and expired timeouts unwind with `resume_unwind`, which calls no hook, so they
//! print nothing, as before.

use std::panic;
use std::sync::Once;

use super::context;

/// Installs the hook, once per process.
pub(crate) fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if let Some(task) = context::with_current(|h| {
                let name = match &h.name {
                    Some(name) => format!(" '{name}'"),
                    None => String::new(),
                };
                format!("task {}{name} (spawned at {})", h.id, h.spawned_at)
            }) {
                let thread = std::thread::current();
                let thread = thread.name().unwrap_or("<unnamed>");
                // `eprintln!`, as std's hook: a test harness that captures output captures it.
                eprintln!("yieldpoint: {task} panicked on thread '{thread}':");
            }
            previous(info);
        }));
    });
}
