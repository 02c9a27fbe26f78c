//! The possible-deadlock warning of both schedulers: every task parked, no timer set and
//! no task waiting for I/O for `Config::stall_warning_after` (10 s unless set). Only
//! another OS thread could wake a task then (a channel end it holds, `spawn_blocking`); a
//! silent hang is the worst way to learn about a deadlock, so the scheduler says so once
//! on stderr, with the waiting tasks grouped by what they wait on and where they were
//! spawned.
//!
//! The round-robin scheduler checks when its thread has waited that long
//! (`Local::park_without_timers`); the work queue when all its workers have
//! (`work_queue::stall`).

use std::time::Duration;

use super::builder::DUMP_ON_STALL_ENV;
use crate::task::{TaskDump, TaskSnapshot, TaskState, WaitReason};

/// Task ids shown per group in a stall report.
const STALL_REPORT_EXAMPLES: usize = 3;

/// Whether one of `tasks` waits for a descriptor (an idle server is no deadlock).
pub(crate) fn waits_for_io<'a>(tasks: impl IntoIterator<Item = &'a TaskSnapshot>) -> bool {
    tasks.into_iter().any(|task| {
        matches!(
            task.state,
            TaskState::Waiting(WaitReason::Readable | WaitReason::Writable)
        )
    })
}

/// The warning for `dump`, the tasks of a scheduler stalled for `after`: a line per group
/// of tasks (a count and a few ids, not a line per task), then the full dump if `full`
/// (`YIELDPOINT_DUMP_ON_STALL`), else how to get it.
pub(crate) fn report(dump: &TaskDump, after: Duration, full: bool) -> String {
    let mut report = format!(
        "yieldpoint: every task on this scheduler has been parked for {after:?} \
         with no timer set; unless another OS thread wakes one, this is a deadlock. \
         {} {}:\n{}",
        dump.len(),
        if dump.len() == 1 { "task" } else { "tasks" },
        indent(&dump.summary(STALL_REPORT_EXAMPLES).to_string()),
    );
    if full {
        report.push_str(&format!("\n{dump}"));
    } else {
        report.push_str(&format!(
            "\nFor every task, call dump() on the scheduler (or task::dump() in a task), or \
             set {DUMP_ON_STALL_ENV}=1 to print the full dump here."
        ));
    }
    report
}

/// `text` with each line indented by two spaces.
fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
