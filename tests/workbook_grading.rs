//! Honest grading: every exercise's grader fails on its untouched stub and passes on its
//! reference solution (rustlings' `check_exercises_unsolved`, plus "every solution passes").
//!
//! The graders are the test targets in `exercises/tests/`, one per exercise. This test runs
//! each of them twice with cargo, in its own target directory (`target/workbook-grading`):
//! once on the stubs, once with `--features solutions`. It builds once per mode, then runs
//! the graders one by one and checks each verdict by name.
//!
//! The root `cargo test` does not test the `exercises` package itself (its graders fail on
//! the stubs by design); this test is how the project's own `cargo test` covers it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// The exercise ids: the file stems of the grader test targets `exercises/tests/*.rs`.
fn exercise_ids() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root().join("exercises/tests"))
        .expect("exercises/tests exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

fn cargo_test(mode: Mode, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target: PathBuf = root().join("target/workbook-grading");
    let mut command = Command::new(cargo);
    command
        .current_dir(root())
        // An environment variable, not `--target-dir`: trybuild (in the "make it compile"
        // graders) reads the target directory from `cargo metadata`, which honours it.
        .env("CARGO_TARGET_DIR", &target)
        .args(["test", "-p", "exercises", "--quiet"])
        .args(args);
    if mode == Mode::Solutions {
        command.args(["--features", "solutions"]);
    }
    command
        .stdin(Stdio::null())
        .output()
        .expect("cannot run cargo")
}

/// Builds every grader once, then runs each; returns `(id, passed)` per exercise.
fn verdicts(mode: Mode, ids: &[String]) -> Vec<(String, bool)> {
    let build = cargo_test(mode, &["--tests", "--no-run"]);
    assert!(
        build.status.success(),
        "the exercises package must compile in {mode:?} mode (stubs included):\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    ids.iter()
        .map(|id| {
            let run = cargo_test(mode, &["--test", id]);
            (id.clone(), run.status.success())
        })
        .collect()
}

#[test]
fn every_grader_fails_on_its_stub_and_passes_on_its_solution() {
    let ids = exercise_ids();
    assert!(
        ids.len() >= 14,
        "Parts I-II have at least 14 exercises, found {ids:?}"
    );

    for id in &ids {
        let stub_file = ["src/part1", "src/part2"]
            .iter()
            .map(|dir| root().join("exercises").join(dir).join(format!("{id}.rs")))
            .find(|path| path.exists());
        let stub_file =
            stub_file.unwrap_or_else(|| panic!("grader {id} has no stub in exercises/src/part*/"));
        let solution_file = root()
            .join("exercises/solutions")
            .join(stub_file.parent().unwrap().file_name().unwrap())
            .join(format!("{id}.rs"));
        assert!(
            solution_file.exists(),
            "exercise {id} has no solution at {}",
            solution_file.display()
        );
        let stub = std::fs::read_to_string(&stub_file).unwrap();
        assert!(
            stub.contains("// TODO:"),
            "the stub of {id} must mark its holes with `// TODO:`"
        );
        assert!(
            stub.starts_with("//! Exercise "),
            "the stub of {id} must start with `//! Exercise N.M: ...`"
        );
    }

    let stubs = verdicts(Mode::Stubs, &ids);
    let solutions = verdicts(Mode::Solutions, &ids);

    let mut defects = Vec::new();
    for ((id, stub_passed), (_, solution_passed)) in stubs.iter().zip(&solutions) {
        if *stub_passed {
            defects.push(format!(
                "{id}: the grader passes on the untouched stub (it cannot fail)"
            ));
        }
        if !solution_passed {
            defects.push(format!(
                "{id}: the grader fails on the reference solution \
                 (run `cargo test -p exercises --features solutions --test {id}`)"
            ));
        }
    }
    assert!(
        defects.is_empty(),
        "dishonest grading:\n  {}",
        defects.join("\n  ")
    );
}
