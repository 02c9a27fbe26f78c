//! A panic inside a green thread names its task (id, name, spawn site) and keeps the OS
//! thread, where std's hook names only the thread that many tasks share; panics outside
//! green threads, and cancels, print as before.
//!
//! Python: asyncio's "Task exception was never retrieved ... task: <Task ... name='crawler-3'>".

#[macro_use]
mod support;

use support::child_process::{in_child, run_child};
use yieldpoint::task::Builder;

/// The stderr of the child that runs test `path`.
fn child_stderr(path: &str) -> String {
    let output = run_child(path);
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The stderr of the child that runs test `path` with `RUST_BACKTRACE` set to `setting`
/// (unset for `None`).
fn child_stderr_with_backtrace(path: &str, setting: Option<&str>) -> String {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", path, "--nocapture", "--test-threads=1"])
        .env("YIELDPOINT_TEST_CHILD", "1")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("RUST_BACKTRACE");
    if let Some(setting) = setting {
        child.env("RUST_BACKTRACE", setting);
    }
    let output = child.output().expect("the test binary can be re-run");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Panics in a task inside a function of its own, for the backtrace tests.
#[inline(never)]
fn panics_in_a_named_frame() {
    panic!("deep");
}

/// Whether a line of `stderr` is std's own panic message, naming only the OS thread.
fn has_std_message(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.starts_with("thread '") && l.contains("panicked at"))
}

on_both_schedulers! {
    /// The message says "task 7 'crawler-3' (on thread '...', spawned at <file:line>)
    /// panicked at <file:line>:" and the payload; std's "thread '...' panicked" is gone.
    #[test]
    fn panic_in_a_task_names_the_task() {
        if in_child() {
            let rt = rt();
            let crawler = rt.spawn_with(Builder::new().name("crawler-3"), || panic!("boom at depth 3"));
            let crawler = crawler.unwrap();
            eprintln!("crawler is task {}", crawler.id());
            rt.run();
            assert!(crawler.join().unwrap_err().is_panic());
            return;
        }
        let stderr = child_stderr(&test_path("panic_in_a_task_names_the_task"));
        let id = stderr
            .lines()
            .find_map(|l| l.strip_prefix("crawler is task "))
            .unwrap_or_else(|| panic!("stderr was: {stderr}"));
        let header = format!("task {id} 'crawler-3' (on thread '");
        let line = stderr.lines().find(|l| l.starts_with(&header)).unwrap_or_else(|| panic!("{stderr}"));
        assert!(line.contains(", spawned at tests/task_panic_message.rs:"), "{stderr}");
        assert!(line.contains(") panicked at tests/task_panic_message.rs:"), "{stderr}");
        assert!(stderr.contains("boom at depth 3"), "{stderr}");
        assert!(!has_std_message(&stderr), "{stderr}");
    }

    /// A cancelled task unwinds without a panic message.
    #[test]
    fn cancel_prints_no_panic_message() {
        if in_child() {
            let rt = rt();
            rt.block_on(|| {
                let sleeper = yieldpoint::spawn(|| yieldpoint::sleep(std::time::Duration::from_secs(3600)));
                yieldpoint::yield_now();
                sleeper.cancel();
                assert!(sleeper.join().unwrap_err().is_cancelled());
            });
            eprintln!("cancelled");
            return;
        }
        let stderr = child_stderr(&test_path("cancel_prints_no_panic_message"));
        assert!(stderr.contains("cancelled") && !stderr.contains("panicked"), "{stderr}");
    }

    /// With `task_panic_hook(false)`, no scheduler installs the hook: std's message, with
    /// the OS thread only, as before.
    #[test]
    fn opting_out_keeps_std_message() {
        if in_child() {
            let rt = builder().task_panic_hook(false).build();
            let task = rt.spawn(|| panic!("plain"));
            rt.run();
            assert!(task.join().is_err());
            return;
        }
        let stderr = child_stderr(&test_path("opting_out_keeps_std_message"));
        assert!(has_std_message(&stderr) && stderr.contains("plain"), "{stderr}");
        assert!(!stderr.contains("task "), "{stderr}");
    }
}

/// As std's hook: with `RUST_BACKTRACE=1` a short backtrace follows the message, starting
/// at the panicking function (not in the panic machinery or the hook) and ending above
/// the scheduler's frames; without it, std's note on how to get one.
#[test]
fn backtrace_follows_rust_backtrace() {
    if in_child() {
        let rt = yieldpoint::sched::RoundRobin::new();
        let task = rt.spawn(panics_in_a_named_frame);
        rt.run();
        assert!(task.join().is_err());
        return;
    }
    let path = "backtrace_follows_rust_backtrace";
    let short = child_stderr_with_backtrace(path, Some("1"));
    let frames = short
        .split_once("stack backtrace:\n")
        .map(|(_, f)| f)
        .unwrap_or_else(|| panic!("{short}"));
    let first = frames.lines().next().unwrap_or_default();
    assert!(first.contains("panics_in_a_named_frame"), "{short}");
    assert!(
        !frames.contains("panic_hook") && !frames.contains("run_until"),
        "{short}"
    );
    let off = child_stderr_with_backtrace(path, None);
    assert!(
        off.contains("note: run with `RUST_BACKTRACE=1`") && !off.contains("stack backtrace"),
        "{off}"
    );
}

/// Outside green threads, the hook set before the scheduler was built still prints the
/// panic: here std's own.
#[test]
fn panic_outside_a_task_goes_to_the_previous_hook() {
    if in_child() {
        let _rt = yieldpoint::sched::RoundRobin::new(); // installs the hook
        let _ = std::thread::Builder::new()
            .name("plain-thread".into())
            .spawn(|| panic!("outside"))
            .unwrap()
            .join();
        return;
    }
    let stderr = child_stderr("panic_outside_a_task_goes_to_the_previous_hook");
    assert!(
        stderr.contains("thread 'plain-thread'") && stderr.contains("outside"),
        "{stderr}"
    );
    assert!(!stderr.contains("task "), "{stderr}");
}
