//! `cargo run -p exercises`: which exercises pass, which one is next, and its hint.
//!
//! Builds every grader once, then runs each exercise's grader
//! (`cargo test -p exercises --test <id>`) and reports per part.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use exercises::catalog::{Exercise, Part, EXERCISES};

/// The outcome of one exercise's grader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failed,
    /// Its code or its grader did not compile.
    DoesNotCompile,
}

fn cargo_test(args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(["test", "-p", "exercises", "--quiet"])
        .args(args);
    if cfg!(feature = "solutions") {
        command.args(["--features", "solutions"]);
    }
    command
        .stdin(Stdio::null())
        .output()
        .expect("cannot run cargo; is it on PATH?")
}

fn grade(exercise: &Exercise) -> Verdict {
    let output = cargo_test(&["--test", exercise.id]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        Verdict::Passed
    } else if stderr.contains("could not compile") {
        Verdict::DoesNotCompile
    } else {
        Verdict::Failed
    }
}

fn main() -> ExitCode {
    eprintln!("Building the graders (cargo test -p exercises --no-run)...");
    let build = cargo_test(&["--tests", "--no-run"]);
    let built = build.status.success();
    if !built {
        eprintln!("Some exercises do not compile yet; their graders count as failing.");
    }

    let mut next: Option<(&Exercise, Verdict)> = None;
    let mut passed = 0;
    for part in [Part::Generators, Part::Coroutines] {
        println!("\n{}", part.title());
        for exercise in EXERCISES.iter().filter(|e| e.part == part) {
            let verdict = grade(exercise);
            let mark = match verdict {
                Verdict::Passed => "done",
                Verdict::Failed => "todo",
                Verdict::DoesNotCompile => "does not compile",
            };
            println!(
                "  [{mark:^16}] {:<5} {:<15} {}",
                exercise.number, exercise.id, exercise.title
            );
            if verdict == Verdict::Passed {
                passed += 1;
            } else if next.is_none() {
                next = Some((exercise, verdict));
            }
        }
    }

    println!("\n{passed} of {} exercises pass.", EXERCISES.len());
    match next {
        None => {
            println!("All done. Part III (yield from, PEP 380) comes next in the book.");
            ExitCode::SUCCESS
        }
        Some((exercise, verdict)) => {
            println!("\nNext: exercise {} ({})", exercise.number, exercise.title);
            println!("  edit:  exercises/{}", exercise.stub);
            println!("  read:  book/src/{}", exercise.chapter);
            println!("  check: cargo test -p exercises --test {}", exercise.id);
            if verdict == Verdict::DoesNotCompile {
                println!("  (it does not compile yet; the check command shows the errors)");
            }
            println!("  hint:  {}", exercise.hint);
            ExitCode::FAILURE
        }
    }
}
