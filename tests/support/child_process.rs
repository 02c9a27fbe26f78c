//! Running one test of the current test binary in a child process, for behaviour that
//! ends the process (a stack overflow, an abort during unwinding).
//!
//! The test calls [`in_child`] first: in the child it does the fatal thing; in the parent
//! it calls [`run_child`] with its own name and checks how the child died.

use std::process::{Command, Output};

/// Set in the child process: the test that sees it does the fatal thing instead of
/// spawning.
const CHILD_ENV: &str = "YIELDPOINT_TEST_CHILD";

/// Whether this process is the child started by [`run_child`].
pub fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Runs exactly the test `name` of this test binary in a child process (with
/// [`in_child`] true there) and returns its output.
pub fn run_child(name: &str) -> Output {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    Command::new(exe)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .expect("the test binary can be re-run")
}
