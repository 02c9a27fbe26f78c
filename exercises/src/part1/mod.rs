//! Part I: Generators (PEP 255). Book: `book/src/part1/`.

#[cfg_attr(feature = "solutions", path = "../../solutions/part1/countdown.rs")]
pub mod countdown;
#[cfg_attr(feature = "solutions", path = "../../solutions/part1/error_report.rs")]
pub mod error_report;
#[cfg_attr(feature = "solutions", path = "../../solutions/part1/fibonacci.rs")]
pub mod fibonacci;
#[cfg_attr(feature = "solutions", path = "../../solutions/part1/log_bytes.rs")]
pub mod log_bytes;
#[cfg_attr(feature = "solutions", path = "../../solutions/part1/log_grep.rs")]
pub mod log_grep;
#[cfg_attr(feature = "solutions", path = "../../solutions/part1/round_robin.rs")]
pub mod round_robin;

/// The web server log the pipeline exercises read (`exercises/data/access.log`).
pub const ACCESS_LOG: &str = include_str!("../../data/access.log");
