//! The examples taken from the articles the book follows (`examples/seed_*.rs`) print what
//! the articles say they should: each is run with `cargo run --quiet --example NAME` and
//! its stdout checked.

use std::process::Command;

/// Runs an example of this package and returns its stdout; fails on a non-zero exit.
fn run_example(name: &str) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "example {name} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// The line of `stdout` that starts with `prefix`.
fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{stdout}"))
}

/// Milko Rodríguez's `run([countdown(3), countup(3)])` prints exactly these six lines.
#[test]
fn seed_000_green_threads_prints_the_seed_output() {
    assert_eq!(
        run_example("seed_000_green_threads"),
        "Down 3\nUp 0\nDown 2\nUp 1\nDown 1\nUp 2\n"
    );
}

/// "Python Cooperative Scheduling — Core Concepts": money is conserved by `transfer` and
/// `transfer_locked`, not by `transfer_dangerous`, and the output is the same on every run
/// (round-robin is deterministic).
#[test]
fn seed_002_transfer_conserves_money_unless_dangerous() {
    let stdout = run_example("seed_002_transfer");
    assert!(
        line(&stdout, "transfer: ").ends_with(": conserved"),
        "{stdout}"
    );
    let dangerous = line(&stdout, "transfer_dangerous: ");
    assert!(dangerous.contains(": not conserved ("), "{stdout}");
    assert!(
        line(&stdout, "transfer_locked: ").ends_with(": conserved"),
        "{stdout}"
    );
    assert_eq!(
        run_example("seed_002_transfer"),
        stdout,
        "not deterministic"
    );
}

/// How many times the ticker ticked, from a line `LABEL: result R, ticker ticked N times
/// meanwhile`; also checks the result is the article's sum.
fn ticks(stdout: &str, label: &str) -> u32 {
    let line = line(stdout, &format!("{label}: "));
    assert!(
        line.contains("result 333332833333500000,"),
        "wrong sum: {line}"
    );
    line.split("ticker ticked ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no tick count in {line:?}"))
}

/// "Cooperative Multitasking: The Core of Python Asyncio": with yield points (or
/// `maybe_yield`, or `spawn_blocking`) the ticker keeps ticking while the computation
/// runs; without them it does not tick at all, and the scheduler reports the hog by name.
#[test]
fn seed_001_ticker_progresses_only_with_yield_points() {
    let stdout = run_example("seed_001_cpu_yield");
    assert!(
        ticks(&stdout, "yield_now every 10,000 iterations") > 0,
        "{stdout}"
    );
    assert_eq!(ticks(&stdout, "no yield points"), 0, "{stdout}");
    let report = line(&stdout, "  slow-task report: ");
    assert!(report.contains("(\"hog\") ran "), "{stdout}");
    assert!(report.contains("without yielding"), "{stdout}");
    assert!(ticks(&stdout, "spawn_blocking") > 0, "{stdout}");
    assert!(
        ticks(&stdout, "maybe_yield every iteration") > 0,
        "{stdout}"
    );
}
