//! Honest grading: every exercise's grader fails on its untouched stub, passes on its
//! reference solution (rustlings' `check_exercises_unsolved`, plus "every solution passes"),
//! and rejects each of its known-wrong solutions in `exercises/wrong/<grader>/`.
//!
//! Each exercise has a grader of its own, `exercises/tests/grade/<grader>.rs`, named by
//! `Exercise::grader` (`i01_countdown`, ..., `ii08_shared_sink`); the test target `grade`
//! (`exercises/tests/grade.rs`) builds them all with one `cargo build --keep-going` and runs
//! them, naming each test `<grader>::<test>`. This test runs `cargo test -p exercises --test
//! grade` in its own target directory (`target/workbook-grading`): once on the stubs, once
//! with `--features solutions`, once per round of wrong solutions, and once with a stub
//! edited into a compile error. The test then reads the verdict of every test and checks
//! each exercise by name. It also checks what the learner relies on: the
//! tests are listed in book order, and the filter `cargo test -p exercises <grader>` selects
//! that exercise's tests and no others.
//!
//! Wrong solutions and the compile error are graded in copies of the exercises package
//! (`target/workbook-grading/copies/`, never the real files): round `k` puts the `k`-th
//! wrong solution of every exercise (by file name) in place of its stub, and the reference
//! solution in place of the stubs of the exercises with fewer wrong solutions, so one build
//! grades a wrong solution of every exercise at once.
//!
//! The root `cargo test` does not test the `exercises` package itself (its graders fail on
//! the stubs by design); this test is how the project's own `cargo test` covers it.

// The exercise list, from the exercises package itself (it depends on nothing).
#[allow(dead_code)]
#[path = "../exercises/src/catalog.rs"]
mod catalog;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use catalog::{Exercise, EXERCISES};

/// How the graders are compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The stubs in `exercises/src/`, as a learner gets them.
    Stubs,
    /// The reference solutions in `exercises/solutions/`.
    Solutions,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory of every run of the graders, the copies' included.
fn target_dir() -> PathBuf {
    root().join("target/workbook-grading")
}

/// One run of every grader: libtest's verdict per test name, whether the run passed, and
/// what it printed.
struct Run {
    tests: BTreeMap<String, bool>,
    passed: bool,
    stdout: String,
}

impl Run {
    /// The verdicts of `exercise`'s tests, by the module its name starts with.
    fn of(&self, exercise: &Exercise) -> Vec<(&str, bool)> {
        let prefix = format!("{}::", exercise.grader());
        self.tests
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .map(|(name, ok)| (name.as_str(), *ok))
            .collect()
    }

    /// What the failed test `name` printed (its `---- name stdout ----` section), at most
    /// 40 lines.
    fn output_of(&self, name: &str) -> String {
        let header = format!("---- {name} stdout ----");
        self.stdout
            .lines()
            .skip_while(|line| *line != header)
            .skip(1)
            .take_while(|line| !line.starts_with("---- ") && !line.starts_with("test "))
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Held by each test while it runs the graders: the runs share a target directory (and
/// trybuild's project in it), and each one takes both cores; one at a time, no run's
/// verdicts depend on what another one is doing.
static GRADING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_grading_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    GRADING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `cargo test -p exercises --test grade` in the workspace at `workspace`: builds the
/// graders once and runs them all.
fn grade(workspace: &Path, mode: Mode) -> Run {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        // An environment variable, not `--target-dir`: trybuild (in the "make it compile"
        // graders) reads the target directory from `cargo metadata`, which honours it.
        .env("CARGO_TARGET_DIR", target_dir())
        // The hint printed with each failure is the same with or without a backtrace.
        .env_remove("RUST_BACKTRACE")
        .args(["test", "-p", "exercises", "--test", "grade"]);
    if mode == Mode::Solutions {
        command.args(["--features", "solutions"]);
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .expect("cannot run cargo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let where_ = workspace.display();
    assert!(
        stdout.contains("test result:"),
        "the graders must compile and run in {mode:?} mode in {where_}:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tests = stdout
        .lines()
        .filter_map(|line| {
            let (name, result) = line.strip_prefix("test ")?.split_once(" ... ")?;
            match result {
                "ok" => Some((name.to_string(), true)),
                "FAILED" => Some((name.to_string(), false)),
                other if other.starts_with("ignored") => {
                    panic!("{name}: a grader must not be ignored ({mode:?} mode, {where_})")
                }
                _ => None,
            }
        })
        .collect();
    Run {
        tests,
        passed: output.status.success(),
        stdout: stdout.into_owned(),
    }
}

/// Copies `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the exercises package in a workspace of its own,
/// `target/workbook-grading/copies/<name>/`, with `yieldpoint` and the lock file of this
/// repository; returns the workspace and the package's directory, which is edited freely.
///
/// The package's directory is named after the copy: cargo names a path package's build
/// artifacts after its path relative to its workspace, so copies that all lived in
/// `exercises/` would share (and reuse) each other's builds.
fn copy_of_exercises(name: &str) -> (PathBuf, PathBuf) {
    let workspace = target_dir().join("copies").join(name);
    let _ = std::fs::remove_dir_all(&workspace);
    let member = format!("exercises-{name}");
    let package = workspace.join(&member);
    for dir in ["src", "solutions", "tests", "data"] {
        copy_tree(&root().join("exercises").join(dir), &package.join(dir));
    }
    let manifest = std::fs::read_to_string(root().join("exercises/Cargo.toml")).unwrap();
    let dependency = format!(
        "yieldpoint = {{ path = {:?} }}",
        root().display().to_string()
    );
    let manifest = manifest.replace(r#"yieldpoint = { path = ".." }"#, &dependency);
    assert!(
        manifest.contains(&dependency),
        "exercises/Cargo.toml: no yieldpoint dependency"
    );
    std::fs::write(package.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(
        workspace.join("Cargo.toml"),
        format!("[workspace]\nmembers = [{member:?}]\nresolver = \"2\"\n"),
    )
    .unwrap();
    std::fs::copy(root().join("Cargo.lock"), workspace.join("Cargo.lock")).unwrap();
    (workspace, package)
}

/// The known-wrong solutions of `exercise`, `exercises/wrong/<grader>/*.rs`, by file name.
fn wrong_solutions(exercise: &Exercise) -> Vec<PathBuf> {
    let dir = root().join("exercises/wrong").join(exercise.grader());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Every exercise in the catalog has a stub, a solution and a grader module, and every
/// grader module is in the catalog.
#[test]
fn every_exercise_has_a_stub_a_solution_and_a_grader() {
    assert!(
        EXERCISES.len() >= 15,
        "Parts I-II have at least 15 exercises, found {}",
        EXERCISES.len()
    );
    let exercises = root().join("exercises");
    let grade_dir = exercises.join("tests/grade");
    let manifest = std::fs::read_to_string(exercises.join("Cargo.toml")).unwrap();
    for exercise in EXERCISES {
        let id = exercise.id;
        let stub = std::fs::read_to_string(exercises.join(exercise.stub))
            .unwrap_or_else(|_| panic!("exercise {id} has no stub at exercises/{}", exercise.stub));
        assert!(
            stub.contains("// TODO:"),
            "the stub of {id} must mark its holes with `// TODO:`"
        );
        let heading = format!("//! Exercise {}: ", exercise.number);
        assert!(
            stub.starts_with(&heading),
            "the stub of {id} must start with `{heading}...`"
        );
        let solution = exercise.stub.replacen("src/", "solutions/", 1);
        assert!(
            exercises.join(&solution).exists(),
            "exercise {id} has no solution at exercises/{solution}"
        );
        let grader = exercise.grader();
        let wrong = wrong_solutions(exercise);
        assert!(
            !wrong.is_empty(),
            "exercise {id} has no known-wrong solution in exercises/wrong/{grader}/"
        );
        for file in &wrong {
            let text = std::fs::read_to_string(file).unwrap();
            assert!(
                text.starts_with(&format!(
                    "//! Known-wrong solution of exercise {} (cheat class: ",
                    exercise.number
                )),
                "{} must start by naming its exercise and cheat class",
                file.display()
            );
        }
        assert!(
            grade_dir.join(format!("{grader}.rs")).exists(),
            "exercise {id} has no grader at exercises/tests/grade/{grader}.rs"
        );
        let entry = format!(
            "[[test]]\nname = \"{grader}\"\npath = \"tests/grade/{grader}.rs\"\n\
             required-features = [\"graders\"]\n"
        );
        assert!(
            manifest.contains(&entry),
            "exercises/Cargo.toml must declare the grader of {id}:\n{entry}"
        );
    }
    let graders: Vec<String> = EXERCISES.iter().map(Exercise::grader).collect();
    for entry in std::fs::read_dir(&grade_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            graders.contains(&stem),
            "{} is not the grader of an exercise in exercises/src/catalog.rs",
            path.display()
        );
    }
}

#[test]
fn every_grader_fails_on_its_stub_and_passes_on_its_solution() {
    let (stubs, solutions) = {
        let _one = one_grading_at_a_time();
        (grade(root(), Mode::Stubs), grade(root(), Mode::Solutions))
    };

    let mut defects = Vec::new();
    if !stubs.tests.keys().eq(solutions.tests.keys()) {
        defects.push("the stubs and the solutions runs have different tests".into());
    }
    // What `cargo test -p exercises` lists, and what the learner's filters select.
    let mut order: Vec<String> = Vec::new();
    for name in stubs.tests.keys() {
        let Some(exercise) = EXERCISES
            .iter()
            .find(|e| name.starts_with(&format!("{}::", e.grader())))
        else {
            defects.push(format!("{name}: not in the module of an exercise"));
            continue;
        };
        if order.last() != Some(&exercise.grader()) {
            order.push(exercise.grader());
        }
        for other in EXERCISES.iter().filter(|e| e.id != exercise.id) {
            if name.contains(&other.grader()) {
                defects.push(format!(
                    "{name}: `{}` also selects this test of exercise {}",
                    other.check_command(),
                    exercise.number
                ));
            }
        }
    }
    let book_order: Vec<String> = EXERCISES.iter().map(Exercise::grader).collect();
    if order != book_order {
        defects.push(format!(
            "libtest sorts the graders as {order:?}, the book orders them {book_order:?}"
        ));
    }

    for exercise in EXERCISES {
        let number = exercise.number;
        let stub = stubs.of(exercise);
        let solution = solutions.of(exercise);
        if stub.is_empty() || solution.is_empty() {
            defects.push(format!(
                "{number} {}: no test verdicts (stubs: {}, solutions: {})",
                exercise.grader(),
                stub.len(),
                solution.len()
            ));
            continue;
        }
        if stub.iter().all(|(_, ok)| *ok) {
            defects.push(format!(
                "{number} {}: the grader passes on the untouched stub (it cannot fail)",
                exercise.grader()
            ));
        }
        for (name, _) in solution.iter().filter(|(_, ok)| !ok) {
            defects.push(format!(
                "{number} {name}: fails on the reference solution \
                 (run `{} --features solutions`):\n{}",
                exercise.check_command(),
                solutions.output_of(name)
            ));
        }
    }
    if stubs.passed {
        defects.push("`cargo test -p exercises` passes on the stubs".into());
    }
    if !solutions.passed {
        defects.push("`cargo test -p exercises --features solutions` fails".into());
    }
    assert!(
        defects.is_empty(),
        "dishonest grading:\n  {}",
        defects.join("\n  ")
    );
}

/// Every known-wrong solution is rejected by its grader: at least one of its tests fails,
/// while the other exercises (on their reference solutions) pass in the same run.
///
/// A round with defects is graded a second time before it counts: a defect seen in both
/// runs fails the test; one seen once is printed as a flaky verdict (with what the grader
/// printed), since a grader must not depend on timing either.
#[test]
fn every_grader_rejects_its_wrong_solutions() {
    let rounds = EXERCISES
        .iter()
        .map(|e| wrong_solutions(e).len())
        .max()
        .unwrap_or(0);
    let mut defects = Vec::new();
    for round in 0..rounds {
        let (workspace, package) = copy_of_exercises(&format!("wrong-{round}"));
        let mut graded = Vec::new();
        for exercise in EXERCISES {
            let solution =
                root()
                    .join("exercises")
                    .join(exercise.stub.replacen("src/", "solutions/", 1));
            let wrong = wrong_solutions(exercise).into_iter().nth(round);
            let file = wrong.clone().unwrap_or(solution);
            std::fs::copy(&file, package.join(exercise.stub)).unwrap();
            graded.push((exercise, wrong));
        }
        let _one = one_grading_at_a_time();
        let first = round_defects(round, &graded, &grade(&workspace, Mode::Stubs));
        if first.is_empty() {
            continue;
        }
        let again = round_defects(round, &graded, &grade(&workspace, Mode::Stubs));
        // Compared by what is wrong, not by what the failed tests printed (which may
        // differ between runs: thread ids, generated inputs).
        let seen_in = |defects: &[Defect], what: &str| defects.iter().any(|d| d.what == what);
        for defect in &first {
            if seen_in(&again, &defect.what) {
                println!("defect (seen twice): {defect}");
                defects.push(defect.to_string());
            } else {
                println!("flaky verdict (seen once, not on a second run): {defect}");
            }
        }
        for defect in again.iter().filter(|d| !seen_in(&first, &d.what)) {
            println!("flaky verdict (seen on the second run only): {defect}");
        }
    }
    assert!(
        defects.is_empty(),
        "graders fooled:\n  {}",
        defects.join("\n  ")
    );
}

/// One thing wrong with a round's verdicts, and what the failed tests printed.
struct Defect {
    what: String,
    printed: String,
}

impl std::fmt::Display for Defect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.what)?;
        if !self.printed.is_empty() {
            write!(f, "\n{}", self.printed)?;
        }
        Ok(())
    }
}

/// What is wrong with the verdicts of one round: a known-wrong solution that passes, a
/// reference solution that fails (with what its failed tests printed), an exercise with no
/// verdicts.
fn round_defects(round: usize, graded: &[(&Exercise, Option<PathBuf>)], run: &Run) -> Vec<Defect> {
    let mut defects = Vec::new();
    for (exercise, wrong) in graded {
        let verdicts = run.of(exercise);
        let failed: Vec<&str> = verdicts
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| *name)
            .collect();
        let (what, printed) = match wrong {
            _ if verdicts.is_empty() => (
                format!("round {round}: {} has no verdicts", exercise.grader()),
                String::new(),
            ),
            Some(file) if failed.is_empty() => (
                format!(
                    "{}: the grader accepts this known-wrong solution",
                    file.strip_prefix(root()).unwrap_or(file).display()
                ),
                String::new(),
            ),
            None if !failed.is_empty() => (
                format!(
                    "round {round}: {} fails on its reference solution: {failed:?}",
                    exercise.grader()
                ),
                failed
                    .iter()
                    .map(|name| run.output_of(name))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => continue,
        };
        defects.push(Defect { what, printed });
    }
    defects
}

/// A compile error in one exercise does not stop the grading of the others: in a copy of
/// the package whose first exercise's stub is edited into a type error,
/// `cargo test -p exercises` still gives every exercise its verdict, and
/// `cargo run -p exercises` shows "does not compile" with the error and names the next
/// exercise.
#[test]
fn a_compile_error_in_one_exercise_does_not_stop_the_others() {
    let (workspace, package) = copy_of_exercises("broken");
    // Not the first exercise: the progress runner still names the first as the next one.
    let broken = &EXERCISES[1];
    let stub = package.join(broken.stub);
    let mut text = std::fs::read_to_string(&stub).unwrap();
    text.push_str("\npub fn broken_on_purpose() -> u32 {\n    \"not a number\"\n}\n");
    std::fs::write(&stub, text).unwrap();

    let _one = one_grading_at_a_time();
    let run = grade(&workspace, Mode::Stubs);
    let mut defects = Vec::new();
    for exercise in EXERCISES {
        let verdicts = run.of(exercise);
        let compiles = format!("{}::compiles", exercise.grader());
        let compiled = verdicts.iter().find(|(name, _)| *name == compiles);
        if exercise.id == broken.id {
            if compiled != Some(&(compiles.as_str(), false)) {
                defects.push(format!("{compiles} should fail: {verdicts:?}"));
            }
        } else if compiled != Some(&(compiles.as_str(), true)) || verdicts.len() < 2 {
            defects.push(format!(
                "{}: no verdict of its own graders while {} does not compile: {verdicts:?}",
                exercise.grader(),
                broken.grader()
            ));
        } else if verdicts.iter().all(|(_, ok)| *ok) {
            defects.push(format!("{}: passes on its stub", exercise.grader()));
        }
    }

    // The progress runner.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", target_dir())
        .args(["run", "-q", "-p", "exercises"])
        .stdin(Stdio::null())
        .output()
        .expect("cannot run cargo");
    let report = String::from_utf8_lossy(&output.stdout);
    let row = report
        .lines()
        .skip_while(|line| !line.contains(&format!(" {} ", broken.number)))
        .take(3)
        .collect::<Vec<_>>()
        .join("\n");
    if !row.contains("does not compile") || !row.contains("error[E0308]") {
        defects.push(format!(
            "cargo run -p exercises should show {} as not compiling, with its first \
             error:\n{report}",
            broken.number
        ));
    }
    if !report.contains("Part III: Delegation: yield from (PEP 380)") {
        defects.push(format!(
            "cargo run -p exercises does not show Part III:\n{report}"
        ));
    }
    if !report.contains(&format!("Next: exercise {}", EXERCISES[0].number)) {
        defects.push(format!(
            "cargo run -p exercises should name the next exercise:\n{report}"
        ));
    }
    assert!(defects.is_empty(), "{}", defects.join("\n"));
}
