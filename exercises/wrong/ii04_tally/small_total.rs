//! Known-wrong solution of exercise II.4 (cheat class: easy inputs only (small totals)).
//!
//! keeps the total in a `u16`, which wraps past 65535.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise II.4: throw caught with `try_yield` (PEP 342)
//!
//! You learn to handle an error thrown in at a yield point and keep going, or return.
//!
//! ```python
//! def tally():
//!     total = 0
//!     while True:
//!         try:
//!             total += yield total
//!         except Reset:
//!             total = 0
//!         except Stop:
//!             return total
//! ```

use yieldpoint::Coroutine;

/// What the owner of a tally can throw at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Set the total back to 0 and go on.
    Reset,
    /// End: the tally returns its total.
    Stop,
}

/// Each `send(n)` adds `n` and yields the new total; `throw(Reset)` yields 0;
/// `throw(Stop)` returns the total.
pub fn tally() -> Coroutine<u32, u32, u32, Command> {
    Coroutine::typed(|co, first: u32| {
        let mut total = first as u16;
        loop {
            match co.try_yield(u32::from(total)) {
                Ok(amount) => total = total.wrapping_add(amount as u16),
                Err(Command::Reset) => total = 0,
                Err(Command::Stop) => return u32::from(total),
            }
        }
    })
}
