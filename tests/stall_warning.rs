//! A round-robin program whose every task waits on something only it could provide would
//! hang silently; the scheduler says so on stderr instead, naming what each task waits for.

mod support;

use std::time::Duration;

use support::child_process::in_child;
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::channel;

/// The child deadlocks on purpose (it holds the only sender of the channel it waits on)
/// and is killed by the parent once the warning is out.
#[test]
fn deadlocked_round_robin_warns_with_task_states() {
    if in_child() {
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
    let output = run_child_with_timeout("deadlocked_round_robin_warns_with_task_states");
    assert!(
        output.contains("parked for 200ms with no timer set")
            && output.contains("this is a deadlock")
            && output.contains("(\"main\"): Waiting(ChannelRecv)"),
        "stderr was: {output}"
    );
}

/// Starts the child, reads its stderr until the warning's task line, then kills it (it
/// never ends by itself). Gives up after 5 s.
fn run_child_with_timeout(name: &str) -> String {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("YIELDPOINT_TEST_CHILD", "1")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the test binary can be re-run");
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
                if line.contains("Waiting(") {
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
