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
/// Short unless `RUST_BACKTRACE=full`: without the frames of the panic machinery and this
/// hook above the panicking code, and without those below the task's body.
fn append_backtrace(text: &mut String) {
    static NOTE_SHOWN: AtomicBool = AtomicBool::new(false);
    let backtrace = Backtrace::capture();
    match backtrace.status() {
        BacktraceStatus::Captured => {
            let full = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v == "full");
            let frames = backtrace.to_string();
            let frames = if full { &frames[..] } else { short(&frames) };
            text.push_str("stack backtrace:\n");
            text.push_str(frames.trim_end());
            text.push('\n');
        }
        _ if !NOTE_SHOWN.swap(true, Ordering::Relaxed) => text.push_str(
            "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        ),
        _ => {}
    }
}

/// The frames of `backtrace` (std's `Display` form: "  N: name" lines, each followed by
/// its "at file:line" line) from the panicking code down to the task's body: std's short
/// backtrace, cut at the same places (after the panic entry points, before the run of the
/// task's coroutine).
fn short(backtrace: &str) -> &str {
    // Byte offsets of the frame lines ("  12: name").
    let mut frames = Vec::new();
    let mut at = 0;
    for line in backtrace.split_inclusive('\n') {
        let name = line
            .trim_start()
            .split_once(": ")
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if let Some((_, name)) = name {
            frames.push((at, name.trim_end()));
        }
        at += line.len();
    }
    // The panic's entry into the runtime, then the `panic_fmt`/`begin_panic` frames above
    // the panicking code.
    let entry_point =
        |n: &str| n.contains("rust_begin_unwind") || n.contains("__rust_end_short_backtrace");
    let machinery = |n: &str| {
        entry_point(n) || n.starts_with("core::panicking::") || n.starts_with("std::panicking::")
    };
    let Some(entry) = frames.iter().position(|(_, n)| entry_point(n)) else {
        return backtrace;
    };
    let Some(first) = (entry..frames.len()).find(|&i| !machinery(frames[i].1)) else {
        return backtrace;
    };
    let start = frames[first].0;
    let end = frames[first..]
        .iter()
        .find(|(_, name)| name.starts_with("yieldpoint::task::cell::"))
        .map_or(backtrace.len(), |f| f.0);
    &backtrace[start..end]
}
