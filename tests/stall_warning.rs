//! A round-robin program whose every task waits on something only it could provide would
//! hang silently; the scheduler says so on stderr instead, naming what each task waits for.

mod support;

use std::time::Duration;

use support::child_process::in_child;
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::sync::channel;

/// The child deadlocks on purpose (it holds the only sender of the channel it waits on)
/// and is killed by the parent once the warning is out.
#[test]
fn deadlocked_round_robin_warns_with_task_states() {
    if in_child() {
        deadlock_the_main_task();
    }
    let output = run_child_until(
        "deadlocked_round_robin_warns_with_task_states",
        false,
        |seen| seen.contains("call dump()"),
    );
    assert!(
        output.contains("parked for 200ms with no timer set")
            && output.contains("this is a deadlock")
            && output.contains(
                "1 task waiting on a channel receive, spawned at tests/stall_warning.rs:"
            )
            && output.contains("(task 1 \"main\")"),
        "stderr was: {output}"
    );
}

/// Runs a main task that waits on a channel whose only sender it holds itself: a deadlock
/// that a round-robin scheduler reports after 200 ms.
fn deadlock_the_main_task() -> ! {
    let rt = RoundRobin::builder()
        .stall_warning_after(Duration::from_millis(200))
        .build();
    rt.block_on(|| {
        let (tx, rx) = channel::unbounded::<u32>();
        let _sender_kept_here = tx;
        let _ = rx.recv();
    });
    unreachable!("the channel never delivers");
}

/// Spawns `n` tasks that wait on `rx` from one line of this file.
fn spawn_receivers(rt: &RoundRobin, n: usize, rx: &channel::Receiver<u32>) -> u32 {
    for _ in 0..n {
        let rx = rx.clone();
        rt.spawn(move || rx.recv());
    }
    line!() - 2
}

/// Python: none; Go prints every goroutine of a deadlock. 600 deadlocked tasks from one
/// spawn site (and the main task) make a report of a handful of lines: one per group,
/// with its count and a few ids, and a pointer to `dump()`, not one line per task.
#[test]
fn deadlock_of_600_tasks_is_summarised_by_group() {
    if in_child() {
        let rt = RoundRobin::builder()
            .stall_warning_after(Duration::from_millis(200))
            .build();
        let (tx, rx) = channel::unbounded::<u32>();
        let line = spawn_receivers(&rt, 600, &rx);
        eprintln!("receivers spawned at line {line}");
        rt.block_on(move || {
            let _sender_kept_here = tx;
            let _ = rx.recv();
        });
        unreachable!("the channel never delivers");
    }
    let output = run_child_until(
        "deadlock_of_600_tasks_is_summarised_by_group",
        false,
        |seen| seen.contains("call dump()"),
    );
    let line = output
        .lines()
        .find_map(|l| l.strip_prefix("receivers spawned at line "))
        .unwrap_or_else(|| panic!("stderr was: {output}"));
    let group = format!(
        "600 tasks waiting on a channel receive, spawned at tests/stall_warning.rs:{line}:"
    );
    let report: Vec<&str> = output
        .lines()
        .skip_while(|l| !l.contains("deadlock"))
        .collect();
    assert!(
        report.len() <= 5,
        "a line per group, not per task: {output}"
    );
    assert!(
        report
            .iter()
            .any(|l| l.contains(&group) && l.contains(", ...)")),
        "{output}"
    );
    assert!(
        report
            .iter()
            .any(|l| l.contains("1 task waiting on a channel receive")),
        "{output}"
    );
    assert!(output.contains("601 tasks"), "{output}");
}

/// With `YIELDPOINT_DUMP_ON_STALL` set, the stall report is followed by the full dump,
/// with how long each task has been parked (the variable turns park times on).
#[test]
fn dump_on_stall_env_prints_the_full_dump() {
    if in_child() {
        deadlock_the_main_task();
    }
    let output = run_child_until("dump_on_stall_env_prints_the_full_dump", true, |seen| {
        seen.contains("yieldpoint task dump:")
            && seen.lines().last().is_some_and(|l| l.contains(" main "))
    });
    let row = output
        .lines()
        .find(|l| l.contains(" main "))
        .unwrap_or_else(|| panic!("{output}"));
    assert!(
        output.contains("yieldpoint task dump: 1 task in 1 group"),
        "{output}"
    );
    // The row's "parked for" column holds a duration (at least the 200 ms of the wait).
    assert!(row.contains("ms ") || row.contains("s "), "{output}");
    assert!(!row.contains(" - "), "park time missing: {output}");
}

/// A wait in a destructor while its task unwinds blocks the OS thread; the warning about
/// it names the task and where it was spawned.
#[test]
fn wait_while_unwinding_warning_names_the_spawn_site() {
    if in_child() {
        struct WaitsOnDrop(channel::Receiver<u32>);
        impl Drop for WaitsOnDrop {
            fn drop(&mut self) {
                let _ = self.0.recv(); // while the task unwinds: blocks the OS thread
            }
        }
        let rt = RoundRobin::builder()
            .stall_warning_after(Duration::from_millis(100))
            .build();
        let (tx, rx) = channel::unbounded::<u32>();
        let late = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500)); // after the warning
            tx.send(1).unwrap();
        });
        let builder = yieldpoint::task::Builder::new().name("cleaner");
        let cleaner = rt.spawn_with(builder, move || {
            let _guard = WaitsOnDrop(rx);
            panic!("unwind through the guard");
        });
        rt.run();
        assert!(cleaner.unwrap().join().is_err());
        late.join().unwrap();
        return;
    }
    let output = run_child_until(
        "wait_while_unwinding_warning_names_the_spawn_site",
        false,
        |seen| seen.contains("while its stack unwinds"),
    );
    let named = "(\"cleaner\", spawned at tests/stall_warning.rs:";
    assert!(
        output
            .lines()
            .any(|l| l.contains(named) && l.contains("has waited")),
        "{output}"
    );
}

/// Starts the child (with `YIELDPOINT_DUMP_ON_STALL=1` if `dump_env`), reads its stderr
/// until `done` says the part wanted is out, then kills it (it never ends by itself).
/// Gives up after 5 s.
fn run_child_until(name: &str, dump_env: bool, done: impl Fn(&str) -> bool) -> String {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("YIELDPOINT_TEST_CHILD", "1")
        .env_remove("YIELDPOINT_DUMP_ON_STALL")
        .stderr(Stdio::piped())
        .stdout(Stdio::null());
    if dump_env {
        command.env("YIELDPOINT_DUMP_ON_STALL", "1");
    }
    let mut child = command.spawn().expect("the test binary can be re-run");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if done(&seen) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    seen
}

/// A work queue whose every task waits on a channel that only its own main task could
/// feed: once both workers have been idle for 200 ms with no timer set, one of them
/// reports it, once, grouped as on round robin.
#[test]
fn deadlocked_work_queue_warns_once_with_task_states() {
    if in_child() {
        let rt = WorkQueue::builder()
            .workers(2)
            .stall_warning_after(Duration::from_millis(200))
            .build();
        let (tx, rx) = channel::unbounded::<u32>();
        for _ in 0..3 {
            let rx = rx.clone();
            rt.spawn(move || rx.recv());
        }
        eprintln!("receivers spawned at line {}", line!() - 2);
        rt.block_on(move || {
            let _sender_kept_here = tx;
            let _ = rx.recv();
        });
        unreachable!("the channel never delivers");
    }
    // Twice the warning time after the report: a second report would be out by then.
    let started = std::time::Instant::now();
    let output = run_child_until(
        "deadlocked_work_queue_warns_once_with_task_states",
        false,
        |seen| seen.contains("call dump()") && started.elapsed() > Duration::from_millis(900),
    );
    let line = output
        .lines()
        .find_map(|l| l.strip_prefix("receivers spawned at line "))
        .unwrap_or_else(|| panic!("stderr was: {output}"));
    assert!(
        output.contains("parked for 200ms with no timer set")
            && output.contains("this is a deadlock. 4 tasks:")
            && output.contains(&format!(
                "3 tasks waiting on a channel receive, spawned at tests/stall_warning.rs:{line}:"
            ))
            && output.contains("1 task waiting on a channel receive"),
        "stderr was: {output}"
    );
    assert_eq!(output.matches("this is a deadlock").count(), 1, "{output}");
}

/// No warning while a task waits for I/O (an idle server), or while a timer is set (a
/// task sleeps, or waits inside a `timeout`): something other than another OS thread
/// will wake them. The child runs for 4 times the warning time, then exits.
#[test]
fn work_queue_waiting_for_io_or_a_timer_does_not_warn() {
    if in_child() {
        for case in ["io", "timer"] {
            let rt = WorkQueue::builder()
                .workers(2)
                .stall_warning_after(Duration::from_millis(100))
                .build();
            let (tx, rx) = channel::unbounded::<u32>();
            let listener = yieldpoint::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let waiter = rt.spawn(move || match case {
                "io" => drop(listener.accept()),
                _ => drop(yieldpoint::timeout(Duration::from_secs(3600), || rx.recv())),
            });
            std::thread::sleep(Duration::from_millis(400));
            eprintln!("{case}: no report so far");
            waiter.cancel();
            drop(tx);
        }
        eprintln!("child done");
        return;
    }
    let output = run_child_until(
        "work_queue_waiting_for_io_or_a_timer_does_not_warn",
        false,
        |seen| seen.contains("child done"),
    );
    assert!(output.contains("child done"), "stderr was: {output}");
    assert!(!output.contains("deadlock"), "stderr was: {output}");
}

/// `stall_warning_after(Duration::MAX)` turns the warning off (a deadline that far away
/// does not fit in an `Instant`): both schedulers still run, wait and wake as usual.
#[test]
fn the_longest_stall_time_turns_the_warning_off() {
    let rr = RoundRobin::builder()
        .stall_warning_after(Duration::MAX)
        .build();
    let wq = WorkQueue::builder()
        .workers(1)
        .stall_warning_after(Duration::MAX)
        .build();
    for on_wq in [false, true] {
        let (tx, rx) = channel::unbounded::<u32>();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30)); // the scheduler idles meanwhile
            tx.send(7).unwrap();
        });
        let got = if on_wq {
            wq.block_on(move || rx.recv())
        } else {
            rr.block_on(move || rx.recv())
        };
        assert_eq!(got, Ok(7));
        sender.join().unwrap();
    }
}
