//! Known-wrong solution of exercise IV.6 (cheat class: a read before a yield point written back after it).
//!
//! The dangerous version with the fraud check in the same place: the balance read before
//! `approve()` is written back after it.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise IV.6: the bank transfer, safe across a yield point (PEP 3156)
//!
//! You learn where cooperative code still races: between two yield points a task runs
//! alone, but a read before a yield point and a write after it are two separate steps, and
//! other tasks run in between.
//!
//! ```python
//! # Python 3.5+ ("Python Cooperative Scheduling — Core Concepts")
//! async def transfer_dangerous(source, dest, amount):
//!     balance = source.balance
//!     await some_io_operation()  # another task could modify source.balance here!
//!     source.balance = balance - amount
//!     dest.balance += amount
//! ```
//!
//! The bank is a slice of balances shared by the tasks of one `RoundRobin` (one OS thread,
//! so `Cell` is enough). `approve` is the fraud service: a call that may switch tasks (the
//! grader's yields a scripted number of times) and says yes or no.

use std::cell::Cell;

/// The dangerous version, for comparison (the grader shows that it loses money): it reads
/// the source's balance, waits for `approve`, and writes back a balance computed from the
/// stale read.
pub fn transfer_dangerous(
    bank: &[Cell<i64>],
    from: usize,
    to: usize,
    amount: i64,
    approve: &dyn Fn() -> bool,
) -> bool {
    let balance = bank[from].get();
    if balance < amount || !approve() {
        return false;
    }
    bank[from].set(balance - amount); // `balance` may be out of date by now
    bank[to].set(bank[to].get() + amount);
    true
}

/// Moves `amount` from account `from` to account `to` and returns `true`, if the fraud
/// service approves and the source's balance covers the amount; otherwise moves nothing
/// and returns `false`.
///
/// Rules: call `approve()` exactly once per transfer, before any money moves. No balance
/// may ever go below zero, and the total of the bank never changes, however the other
/// transfers interleave with this one.
pub fn transfer(
    bank: &[Cell<i64>],
    from: usize,
    to: usize,
    amount: i64,
    approve: &dyn Fn() -> bool,
) -> bool {
    let balance = bank[from].get();
    if balance < amount || !approve() {
        return false;
    }
    // WRONG: `balance` is stale once `approve()` has let other transfers run.
    bank[from].set(balance - amount);
    bank[to].set(bank[to].get() + amount);
    true
}
