//! The examples print exactly what their docs (and the book) say they print.
//!
//! Each example is run with `cargo run --quiet --example NAME` (cargo has no
//! `CARGO_BIN_EXE_` variable for examples); the first run builds it.

use std::process::Command;

/// Runs the example `name` and returns its standard output, failing the test if the
/// example does not exit successfully.
fn run_example(name: &str) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo can be run");
    assert!(
        output.status.success(),
        "example {name} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("examples print UTF-8")
}

/// The round-robin `run([countdown(3), countup(3)])` of Milko Rodríguez's article prints
/// the article's six lines, alternating.
#[test]
fn seed_000_round_robin_prints_the_seed_output() {
    assert_eq!(
        run_example("seed_000_round_robin"),
        "Down 3\nUp 0\nDown 2\nUp 1\nDown 1\nUp 2\n"
    );
}

/// The PEP 255 → 342 → 380 walk prints one line per step, in order.
#[test]
fn generator_history_prints_each_step() {
    let expected = "\
countdown: 3 2 1
averager: sent 10, average 10
averager: sent 20, average 15
averager: sent 60, average 30
reset_with_throw: average after reset and 7: 7
ticker: [0, 1, 2]
cleanup: ticker closed
ticker closed: Closed
invoice: sent Some(4), got 4
invoice: sent Some(6), got 10
invoice: sent None, got 10
invoice: sent Some(3), got 3
invoice: total 13
slogan: YIELD ! FROM !
";
    assert_eq!(run_example("generator_history"), expected);
}

/// A tokio application awaits green threads that ran deep recursions and called back into
/// an async API: one line per job, in order.
#[test]
fn async_bridge_prints_each_job() {
    let expected = "\
job 1: depth 10000, sum 50005000, price 3
job 2: depth 20000, sum 200010000, price 6
job 3: depth 30000, sum 450015000, price 9
job 4: depth 40000, sum 800020000, price 12
";
    assert_eq!(run_example("async_bridge"), expected);
}

/// The task dump example prints what its doc shows: the tasks grouped by what they wait on
/// and where they were spawned, one row each; only the times parked vary.
#[test]
fn task_dump_prints_the_documented_table() {
    /// The text with every duration ("20.1ms", "1.2s") replaced by "T" and runs of spaces
    /// by one.
    fn without_times(text: &str) -> String {
        text.lines()
            .map(|line| {
                line.split_whitespace()
                    .map(|word| {
                        let is_duration = word.starts_with(|c: char| c.is_ascii_digit())
                            && word.ends_with('s')
                            && word.contains(|c: char| c.is_ascii_alphabetic() || c == 'µ');
                        if is_duration {
                            "T"
                        } else {
                            word
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    let source = include_str!("../examples/task_dump.rs");
    let documented: String = source
        .lines()
        .skip_while(|l| *l != "//! ```text")
        .skip(1)
        .take_while(|l| *l != "//! ```")
        .map(|l| {
            l.strip_prefix("//!")
                .unwrap_or(l)
                .strip_prefix(' ')
                .unwrap_or("")
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        without_times(&run_example("task_dump")),
        without_times(&documented)
    );
}
