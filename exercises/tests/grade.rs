//! `cargo test -p exercises`: builds each exercise's grader on its own and runs it, so that
//! every exercise gets a verdict even when another one does not compile.
//!
//! Each exercise's grader is a test target of its own, `tests/grade/<grader>.rs`, enabled
//! by the `graders` feature. This test (`harness = false`) builds them with
//! `cargo build --keep-going` in a target directory of its own (`target/graders`: the
//! `cargo test` that runs this holds the lock of its own), then, in book order, runs the
//! graders that compiled and reports the others as not compiling, with the compiler's
//! first error and the exercise's hint.
//!
//! Arguments: a filter that names exercises (`i01_countdown`, `ii0`) selects them; any
//! other filter is passed to every grader as a test name filter, and so are libtest's
//! options (`--nocapture`, `--test-threads 1`, ...). The output is libtest's, with each test
//! named `<grader>::<test>`, and one test `<grader>::compiles` per exercise.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use exercises::catalog::{Exercise, EXERCISES};

/// What the build said about one grader.
#[derive(Default)]
struct Built {
    /// The test executable, if the grader compiled.
    executable: Option<PathBuf>,
    /// The compiler's errors, rendered, in the order it reported them.
    errors: Vec<String>,
}

/// How long one exercise's grader may run, unless `EXERCISES_TIME_LIMIT` gives the seconds.
fn time_limit() -> Duration {
    let seconds = std::env::var("EXERCISES_TIME_LIMIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(seconds)
}

/// libtest options that take a value as the next argument.
const OPTIONS_WITH_VALUES: &[&str] = &[
    "--test-threads",
    "--skip",
    "--format",
    "--color",
    "--logfile",
    "-Z",
    "--report-time",
    "--shuffle-seed",
];

/// The arguments: (filters, libtest options).
fn arguments() -> (Vec<String>, Vec<String>) {
    let mut filters = Vec::new();
    let mut options = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg.starts_with('-') {
            let takes_value = OPTIONS_WITH_VALUES.contains(&arg.as_str());
            options.push(arg);
            if takes_value {
                options.extend(args.next());
            }
        } else {
            filters.push(arg);
        }
    }
    (filters, options)
}

/// Whether `filter` selects a whole exercise (a part of its grader's name).
fn names_exercise(filter: &str) -> bool {
    EXERCISES.iter().any(|e| e.grader().contains(filter))
}

/// Builds the graders of `exercises` with `--keep-going`; what the build said, per grader.
fn build(exercises: &[&Exercise]) -> Vec<Built> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"))
        .join("graders");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--keep-going",
            "--message-format=json",
            "--manifest-path",
        ])
        .arg(manifest_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .args(["-p", "exercises", "--features"])
        .arg(if cfg!(feature = "solutions") {
            "graders,solutions"
        } else {
            "graders"
        });
    for exercise in exercises {
        command.args(["--test", &exercise.grader()]);
    }
    eprintln!(
        "Building the graders of {} exercises (in {})...",
        exercises.len(),
        target.display()
    );
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("cannot run cargo; is it on PATH?");
    let mut built: Vec<Built> = exercises.iter().map(|_| Built::default()).collect();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let name = message["target"]["name"].as_str().unwrap_or_default();
        let Some(i) = exercises.iter().position(|e| e.grader() == name) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                if let Some(path) = message["executable"].as_str() {
                    built[i].executable = Some(PathBuf::from(path));
                }
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                if let Some(rendered) = message["message"]["rendered"].as_str() {
                    built[i].errors.push(rendered.to_string());
                }
            }
            _ => {}
        }
    }
    built
}

/// Runs one grader's executable, for [`time_limit`] at most; prints its output with each
/// test named `<grader>::<test>`. Returns (passed, failed) test counts.
fn run(exercise: &Exercise, executable: &Path, args: &[String]) -> (usize, usize) {
    let mut child = Command::new(executable)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // The hint is printed below, once (see `grading` in `tests/grade/support/mod.rs`).
        .env("EXERCISES_HINT_BY_RUNNER", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", executable.display()));
    // Read the pipes on threads, so that a grader that prints a lot does not block.
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut text);
            }
            text
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    // An exercise that never returns (a body that loops without yielding) is stopped.
    let limit = time_limit();
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("cannot wait for a grader") {
            break status;
        }
        if started.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("cannot wait for a grader");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    let grader = exercise.grader();
    let (mut passed, mut failed) = (0, 0);
    let mut in_failure_list = false;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        if let Some((name, result)) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.split_once(" ... "))
        {
            match result {
                "ok" => passed += 1,
                "FAILED" => failed += 1,
                _ => {}
            }
            println!("test {grader}::{name} ... {result}");
        } else if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"))
        {
            println!("---- {grader}::{name} stdout ----");
        } else if line.starts_with("running ")
            || line.starts_with("test result:")
            || line.is_empty()
        {
            in_failure_list = false;
        } else if line == "failures:" {
            in_failure_list = true;
        } else if in_failure_list && line.starts_with("    ") {
            // libtest's list of failed tests: the summary below lists them all.
        } else {
            println!("{line}");
        }
    }
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if timed_out {
        println!("test {grader}::runs ... FAILED");
        println!(
            "---- {grader}::runs stdout ----\nthe grader of exercise {} was stopped after {} \
             seconds: does a loop in it never end (or never yield)?",
            exercise.number,
            limit.as_secs()
        );
        failed += 1;
    } else if !output.status.success() && failed == 0 {
        // The grader crashed (a stack overflow, an abort, out of memory) before reporting a
        // failure.
        println!("test {grader}::runs ... FAILED");
        println!(
            "---- {grader}::runs stdout ----\nthe grader of exercise {} stopped early ({})",
            exercise.number, output.status,
        );
        failed += 1;
    }
    if failed > 0 {
        println!("{}", exercises::hint(exercise.id).trim_start());
    }
    (passed, failed)
}

fn main() -> ExitCode {
    if cfg!(feature = "graders") {
        println!("(--features graders: cargo runs each exercise's grader itself)");
        return ExitCode::SUCCESS;
    }
    let (filters, options) = arguments();
    let (names, tests): (Vec<String>, Vec<String>) =
        filters.into_iter().partition(|f| names_exercise(f));
    let selected: Vec<&Exercise> = EXERCISES
        .iter()
        .filter(|e| names.is_empty() || names.iter().any(|f| e.grader().contains(f.as_str())))
        .collect();
    let built = build(&selected);

    let mut args = options;
    args.extend(tests.iter().cloned());
    let mut failed_exercises = Vec::new();
    let mut not_compiling = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for (exercise, built) in selected.iter().zip(&built) {
        let grader = exercise.grader();
        let Some(executable) = &built.executable else {
            failed += 1;
            not_compiling.push(grader.clone());
            println!("\ntest {grader}::compiles ... FAILED");
            let first = built.errors.first().map_or(
                "(no compiler message: see the build output above)",
                String::as_str,
            );
            println!(
                "---- {grader}::compiles stdout ----\nexercises/{} does not compile; the \
                 compiler's first error:\n\n{}\n{}\n",
                exercise.stub,
                first.trim_end(),
                exercises::hint(exercise.id).trim_start()
            );
            continue;
        };
        println!("\ntest {grader}::compiles ... ok");
        passed += 1;
        let (ok, bad) = run(exercise, executable, &args);
        passed += ok;
        failed += bad;
        if bad > 0 {
            failed_exercises.push(grader);
        }
    }

    println!();
    if !not_compiling.is_empty() {
        println!("do not compile: {}", not_compiling.join(", "));
    }
    if !failed_exercises.is_empty() {
        println!("fail: {}", failed_exercises.join(", "));
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "test result: {verdict}. {passed} passed; {failed} failed; {} exercises graded",
        selected.len()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
