//! Helpers shared by the integration tests (each test file includes them with `mod support;`).
//!
//! Each test file is its own crate and uses only some helpers, hence `dead_code` is allowed.
#![allow(dead_code)]

pub mod child_process;
pub mod drop_counter;
