//! The panic hook that names the task: a panic inside a green thread prints
//! `task 7 'crawler-3' (on thread 'main', spawned at src/main.rs:10:5) panicked at
//! src/x.rs:3:5:` and its message, where std's hook would print only
//! `thread 'main' panicked at src/x.rs:3:5:`, the OS thread that many tasks share.
//!
//! Installed once per process by the first scheduler built with `task_panic_hook` on (the
//! default), chained to the hook set before it: panics outside green threads go to that
//! hook unchanged. Cancels and expired timeouts unwind with `resume_unwind`, which calls no
//! hook, so they print nothing, as before.

use std::backtrace::{Backtrace, BacktraceStatus};
use std::io::Write;
use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use super::context;

/// Installs the hook, once per process.
pub(crate) fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let Some((task, spawned_at)) = context::with_current(|h| {
                let name = match &h.name {
                    Some(name) => format!(" '{name}'"),
                    None => String::new(),
                };
                (format!("task {}{name}", h.id), h.spawned_at)
            }) else {
                return previous(info);
            };
            let thread = std::thread::current();
            let thread = thread.name().unwrap_or("<unnamed>");
            let at = info
                .location()
                .map_or_else(|| String::from("<unknown>"), |l| l.to_string());
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("Box<dyn Any>");
            let mut text = format!(
                "{task} (on thread '{thread}', spawned at {spawned_at}) panicked at {at}:\n{message}\n"
            );
            append_backtrace(&mut text);
            // One write, so that panics of two threads do not interleave line by line.
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }));
    });
}

/// Adds the backtrace, or std's note on how to get one, as std's hook does: a backtrace
/// when `RUST_BACKTRACE` (or `RUST_LIB_BACKTRACE`) asks for one, else the note, once.
fn append_backtrace(text: &mut String) {
    static NOTE_SHOWN: AtomicBool = AtomicBool::new(false);
    let backtrace = Backtrace::capture();
    match backtrace.status() {
        BacktraceStatus::Captured => text.push_str(&format!("stack backtrace:\n{backtrace}\n")),
        _ if !NOTE_SHOWN.swap(true, Ordering::Relaxed) => text.push_str(
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        ),
        _ => {}
    }
}
