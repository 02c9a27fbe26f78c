//! A panic inside a green thread names its task (id, name, spawn site) before the panic
//! hook that was set before (std's names only the OS thread, which many tasks share)
//! prints it as usual; panics outside green threads, and cancels, print as before.
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

/// Whether a line of `stderr` is std's own panic message, naming only the OS thread.
fn has_std_message(stderr: &str) -> bool {
    stderr
        .lines()
        .any(|l| l.starts_with("thread '") && l.contains("panicked at"))
}

on_both_schedulers! {
    /// The line "yieldpoint: task 7 'crawler-3' (spawned at <file:line>) panicked on
    /// thread '...':" comes first, then std's message, with the panic's place and payload.
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
        let header = format!("yieldpoint: task {id} 'crawler-3' (spawned at tests/task_panic_message.rs:");
        let mut lines = stderr.lines().skip_while(|l| !l.starts_with(&header));
        let named = lines.next().unwrap_or_else(|| panic!("{stderr}"));
        assert!(named.contains(") panicked on thread '") && named.ends_with("':"), "{stderr}");
        let mut lines = lines.skip_while(|l| l.is_empty()); // std's hook starts with one
        let std_line = lines.next().unwrap_or_default();
        assert!(std_line.starts_with("thread '") && std_line.contains("panicked at tests/task_panic_message.rs:"), "{stderr}");
        assert_eq!(lines.next(), Some("boom at depth 3"), "{stderr}");
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
        assert!(!stderr.contains("yieldpoint: task"), "{stderr}");
    }
}

/// A hook the program set before the scheduler was built still sees the panics of tasks
/// (after the line naming the task): a hook that logs, or prints a hint, keeps working.
#[test]
fn a_hook_set_before_still_sees_task_panics() {
    if in_child() {
        std::panic::set_hook(Box::new(|info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .unwrap_or("?");
            eprintln!("the program's hook saw: {message}");
        }));
        let rt = yieldpoint::sched::RoundRobin::new(); // installs yieldpoint's, chained
        let task = rt.spawn_with(Builder::new().name("logged"), || panic!("to the log"));
        rt.run();
        assert!(task.unwrap().join().is_err());
        return;
    }
    let stderr = child_stderr("a_hook_set_before_still_sees_task_panics");
    let named = stderr
        .find("yieldpoint: task ")
        .unwrap_or_else(|| panic!("{stderr}"));
    let seen = stderr
        .find("the program's hook saw: to the log")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(named < seen, "{stderr}");
    assert!(
        !has_std_message(&stderr),
        "the program's hook replaced std's: {stderr}"
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

/// `build` installs the hook before it returns, on the calling thread (not on the worker
/// threads, where `take_hook` + `set_hook` would race with the program's own): a hook the
/// program sets after `build` replaces yieldpoint's, every time, on both schedulers.
#[test]
fn a_hook_set_after_build_replaces_ours() {
    if in_child() {
        let wq = yieldpoint::sched::WorkQueue::builder().workers(2).build();
        let rr = yieldpoint::sched::RoundRobin::new();
        std::panic::set_hook(Box::new(|_| eprintln!("the program's hook")));
        let task = wq.spawn(|| panic!("on a worker"));
        assert!(task.join().is_err());
        let task = rr.spawn(|| panic!("on round robin"));
        rr.run();
        assert!(task.join().is_err());
        return;
    }
    let stderr = child_stderr("a_hook_set_after_build_replaces_ours");
    assert_eq!(stderr.matches("the program's hook").count(), 2, "{stderr}");
    assert!(!stderr.contains("yieldpoint: task"), "{stderr}");
}
