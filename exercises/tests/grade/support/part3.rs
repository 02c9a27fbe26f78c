//! Helpers of Part III's graders: a child process for runs that may overflow a stack,
//! and a reproducible stream of numbers for generated inputs.

use std::process::{Command, Output};

/// Set in a child process started by [`run_child`]: the test it names does the part that
/// may overflow a stack (and abort the process) there.
const CHILD_ENV: &str = "EXERCISES_GRADE_CHILD";

/// Whether this process is the child started by [`run_child`] for `test`.
pub fn in_child(test: &str) -> bool {
    std::env::var(CHILD_ENV).is_ok_and(|name| name == test)
}

/// Runs exactly the test `test` (its full name) of this grader in a child process, where
/// [`in_child`] is true; a stack overflow or an abort there ends only the child.
pub fn run_child(test: &str) -> Output {
    let exe = std::env::current_exe().expect("the grader knows its path");
    Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the grader can run itself")
}

/// A reproducible stream of pseudo-random numbers (a 64-bit LCG), different for each
/// seed: the generated inputs of Part III's graders.
pub fn numbers(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed ^ 0x2545_f491_4f6c_dd1d;
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    }
}
