//! Helpers shared by the integration tests (each test file includes them with `mod support;`,
//! or `#[macro_use] mod support;` for the scheduler matrix's `on_both_schedulers!`).
//!
//! Each test file is its own crate and uses only some helpers, hence `dead_code` is allowed.
#![allow(dead_code)]

pub mod child_process;
pub mod drop_counter;
pub mod proc_stats;
#[macro_use]
pub mod sched_matrix;
pub mod sync_drop_counter;
