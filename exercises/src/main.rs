//! `cargo run -p exercises`: which exercises pass, which one is next, and its hint.
//!
//! Runs the graders once (`cargo test -p exercises --test grade`), reads each test's verdict
//! from its output, and reports per exercise (its grader, such as `i01_countdown`) and per
//! part. An exercise that does not compile is shown with the compiler's first error; the
//! others are graded all the same (`tests/grade.rs` builds each grader on its own).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode, Output, Stdio};

use exercises::catalog::{Exercise, Part, EXERCISES};

/// The outcome of one exercise's grader.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failed,
    /// Its code does not compile: the compiler's first error.
    DoesNotCompile(String),
}

/// `cargo test -p exercises --test grade`: builds every exercise's grader on its own and
/// runs those that compile (`tests/grade.rs`).
fn cargo_test_grade() -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(["test", "-p", "exercises", "--test", "grade"]);
    if cfg!(feature = "solutions") {
        command.args(["--features", "solutions"]);
    }
    command
        .stdin(Stdio::null())
        .output()
        .expect("cannot run cargo; is it on PATH?")
}

/// libtest's verdicts, `test <name> ... ok` or `... FAILED`, by test name.
fn test_verdicts(stdout: &str) -> BTreeMap<String, bool> {
    stdout
        .lines()
        .filter_map(|line| {
            let (name, result) = line.strip_prefix("test ")?.split_once(" ... ")?;
            match result {
                "ok" => Some((name.to_string(), true)),
                "FAILED" => Some((name.to_string(), false)),
                _ => None,
            }
        })
        .collect()
}

/// The compiler's first error for `exercise`, from the report of its test
/// `<grader>::compiles` (`tests/grade.rs`).
fn first_error(exercise: &Exercise, stdout: &str) -> String {
    let header = format!("---- {}::compiles stdout ----", exercise.grader());
    stdout
        .lines()
        .skip_while(|line| *line != header)
        .skip(1)
        .take_while(|line| !line.starts_with("exercise ") && !line.starts_with("---- "))
        .filter(|line| !line.starts_with("exercises/"))
        .skip_while(|line| line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

/// The verdict of `exercise` from the verdicts of its grader's tests.
fn verdict(exercise: &Exercise, tests: &BTreeMap<String, bool>, stdout: &str) -> Verdict {
    let prefix = format!("{}::", exercise.grader());
    if tests.get(&format!("{prefix}compiles")) == Some(&false) {
        return Verdict::DoesNotCompile(first_error(exercise, stdout));
    }
    let mut own = tests.iter().filter(|(name, _)| name.starts_with(&prefix));
    match own.next() {
        Some((_, true)) if own.all(|(_, ok)| *ok) => Verdict::Passed,
        _ => Verdict::Failed,
    }
}

/// Grades every exercise with one run of the graders.
fn grade_all() -> Vec<Verdict> {
    let run = cargo_test_grade();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let tests = test_verdicts(&stdout);
    if tests.is_empty() {
        eprintln!(
            "The graders did not run:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    EXERCISES
        .iter()
        .map(|exercise| verdict(exercise, &tests, &stdout))
        .collect()
}

fn main() -> ExitCode {
    eprintln!("Grading (cargo test -p exercises --test grade)...");
    let verdicts = grade_all();

    let mut next: Option<(&Exercise, &Verdict)> = None;
    let mut passed = 0;
    for part in Part::ALL {
        println!("\n{}", part.title());
        if !EXERCISES.iter().any(|e| e.part == part) {
            println!("  (no exercises yet)");
        }
        for (exercise, verdict) in EXERCISES.iter().zip(&verdicts) {
            if exercise.part != part {
                continue;
            }
            let mark = match verdict {
                Verdict::Passed => "done",
                Verdict::Failed => "todo",
                Verdict::DoesNotCompile(_) => "does not compile",
            };
            println!(
                "  [{mark:^16}] {:<5} {:<15} {}",
                exercise.number, exercise.id, exercise.title
            );
            if let Verdict::DoesNotCompile(error) = verdict {
                // The error and where it is: `error[E0308]: ...` and ` --> file:line:col`.
                let mut lines = error.lines();
                let first = lines.next().unwrap_or("(see the check command)");
                println!("  {:>18} {first}", "");
                if let Some(at) = lines.find(|line| line.trim_start().starts_with("-->")) {
                    println!("  {:>18} {}", "", at.trim_start());
                }
            }
            if *verdict == Verdict::Passed {
                passed += 1;
            } else if next.is_none() {
                next = Some((exercise, verdict));
            }
        }
    }

    println!("\n{passed} of {} exercises pass.", EXERCISES.len());
    match next {
        None => {
            println!("All done.");
            ExitCode::SUCCESS
        }
        Some((exercise, verdict)) => {
            println!("\nNext: exercise {} ({})", exercise.number, exercise.title);
            println!("  edit:  exercises/{}", exercise.stub);
            println!("  read:  book/src/{}", exercise.chapter);
            println!("  check: {}", exercise.check_command());
            if let Verdict::DoesNotCompile(error) = verdict {
                println!("  it does not compile yet; the compiler's first error:\n");
                for line in error.lines() {
                    println!("    {line}");
                }
                println!();
            }
            println!("  hint:  {}", exercise.hint);
            ExitCode::FAILURE
        }
    }
}
