//! `cargo run -p exercises`: which exercises pass, which one is next, and its hint.
//!
//! Runs the graders once (`cargo test -p exercises --test grade`), reads each test's verdict
//! from libtest's output, and reports per exercise (its grader module, such as
//! `i01_countdown`) and per part.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode, Output, Stdio};

use exercises::catalog::{Exercise, Part, EXERCISES};

/// The outcome of one exercise's grader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failed,
    /// Its code does not compile.
    DoesNotCompile,
    /// Another exercise's code does not compile, so no grader could run.
    NotGraded,
}

/// `cargo test -p exercises --test grade`, with `args` after it (a test name filter).
fn cargo_test_grade(args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(["test", "-p", "exercises", "--test", "grade"]);
    if cfg!(feature = "solutions") {
        command.args(["--features", "solutions"]);
    }
    command
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run cargo; is it on PATH?")
}

/// libtest's verdicts, `test <name> ... ok` or `... FAILED`, by test name.
fn test_verdicts(stdout: &[u8]) -> BTreeMap<String, bool> {
    String::from_utf8_lossy(stdout)
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

/// The verdict of `exercise` from the verdicts of its grader's tests; `None` if it has no
/// test verdict at all (the grader binary crashed before reporting any).
fn verdict(exercise: &Exercise, tests: &BTreeMap<String, bool>) -> Option<Verdict> {
    let prefix = format!("{}::", exercise.grader());
    let mut own = tests.iter().filter(|(name, _)| name.starts_with(&prefix));
    let (_, first) = own.next()?;
    Some(if *first && own.all(|(_, ok)| *ok) {
        Verdict::Passed
    } else {
        Verdict::Failed
    })
}

/// Grades every exercise with one run of the graders.
fn grade_all() -> Vec<Verdict> {
    let run = cargo_test_grade(&[]);
    let tests = test_verdicts(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    if tests.is_empty() && stderr.contains("could not compile") {
        // The graders are one test target: an error in one (a stub's signature changed,
        // so its grader no longer compiles) stops them all. Name the exercises whose files
        // the compiler complains about.
        let broken = |e: &Exercise| {
            stderr.contains(e.stub) || stderr.contains(&format!("tests/grade/{}.rs", e.grader()))
        };
        let any_named = EXERCISES.iter().any(broken);
        return EXERCISES
            .iter()
            .map(|e| {
                if broken(e) || !any_named {
                    Verdict::DoesNotCompile
                } else {
                    Verdict::NotGraded
                }
            })
            .collect();
    }
    EXERCISES
        .iter()
        .map(|exercise| {
            verdict(exercise, &tests).unwrap_or_else(|| {
                // The run stopped early (a stack overflow or an abort takes the whole
                // binary down): grade this exercise on its own.
                let filter = format!("{}::", exercise.grader());
                let alone = cargo_test_grade(&["--", &filter]);
                verdict(exercise, &test_verdicts(&alone.stdout)).unwrap_or(Verdict::Failed)
            })
        })
        .collect()
}

fn main() -> ExitCode {
    eprintln!("Grading (cargo test -p exercises --test grade)...");
    let verdicts = grade_all();

    let mut next: Option<(&Exercise, Verdict)> = None;
    let mut passed = 0;
    for part in Part::ALL {
        println!("\n{}", part.title());
        if !EXERCISES.iter().any(|e| e.part == part) {
            println!("  (no exercises yet)");
        }
        for (exercise, &verdict) in EXERCISES.iter().zip(&verdicts) {
            if exercise.part != part {
                continue;
            }
            let mark = match verdict {
                Verdict::Passed => "done",
                Verdict::Failed => "todo",
                Verdict::DoesNotCompile => "does not compile",
                Verdict::NotGraded => "not graded",
            };
            println!(
                "  [{mark:^16}] {:<5} {:<15} {}",
                exercise.number, exercise.id, exercise.title
            );
            match verdict {
                Verdict::Passed => passed += 1,
                Verdict::NotGraded => {}
                Verdict::Failed | Verdict::DoesNotCompile => {
                    if next.is_none() {
                        next = Some((exercise, verdict));
                    }
                }
            }
        }
    }

    println!("\n{passed} of {} exercises pass.", EXERCISES.len());
    if verdicts.contains(&Verdict::NotGraded) {
        println!("(\"not graded\": the code of another exercise does not compile yet.)");
    }
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
            if verdict == Verdict::DoesNotCompile {
                println!("  (it does not compile yet; the check command shows the errors)");
            }
            println!("  hint:  {}", exercise.hint);
            ExitCode::FAILURE
        }
    }
}
