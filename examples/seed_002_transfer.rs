//! Between two yield points a task runs alone, so shared state needs no lock — unless a
//! yield point sits in the middle of a read-modify-write. The bank transfer of the article
//! "Python Cooperative Scheduling — Core Concepts".
//!
//! Python 3.5 or later (the article's):
//!
//! ```python
//! async def transfer(source, dest, amount):
//!     # No other task runs during these lines
//!     balance = source.balance
//!     source.balance = balance - amount
//!     dest.balance += amount
//!
//! async def transfer_dangerous(source, dest, amount):
//!     balance = source.balance
//!     await some_io_operation()  # another task could modify source.balance here!
//!     source.balance = balance - amount
//!     dest.balance += amount
//! ```
//!
//! The program runs many concurrent transfers between a few accounts with each version,
//! plus `transfer_locked` (a `yieldpoint::sync::Mutex` held across the yield point), and
//! prints the total money before and after: conserved, not conserved, conserved.
//!
//! Run with `cargo run --example seed_002_transfer`.

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::Mutex;

/// Accounts in the bank.
const ACCOUNTS: usize = 3;
/// Opening balance of each account.
const OPENING: i64 = 1_000;
/// Transfers running at the same time.
const TRANSFERS: usize = 300;

/// A bank account. The tasks of one `RoundRobin` share it through `Rc<RefCell<_>>`:
/// they all run on one OS thread, so nothing needs to be `Send` or locked.
#[derive(Debug)]
struct Account {
    balance: i64,
}

// ANCHOR: transfer
/// `async def transfer(source, dest, amount)`: no yield point between the read and the
/// writes, so no other task can run in between; the three lines are atomic.
fn transfer(source: &RefCell<Account>, dest: &RefCell<Account>, amount: i64) {
    let balance = source.borrow().balance;
    source.borrow_mut().balance = balance - amount;
    dest.borrow_mut().balance += amount;
}
// ANCHOR_END: transfer

// ANCHOR: transfer_dangerous
/// `async def transfer_dangerous(source, dest, amount)`: the yield point between reading
/// the balance and writing it back lets other transfers run in the window, and the write
/// then overwrites whatever they did to `source`.
fn transfer_dangerous(source: &RefCell<Account>, dest: &RefCell<Account>, amount: i64) {
    let balance = source.borrow().balance;
    yieldpoint::yield_now(); // `await some_io_operation()`: other tasks run here
    source.borrow_mut().balance = balance - amount;
    dest.borrow_mut().balance += amount;
}
// ANCHOR_END: transfer_dangerous

// ANCHOR: transfer_locked
/// `transfer_dangerous` made safe: the source's lock is held across the yield point, so a
/// transfer that wants the same account waits (parks) until this one has written it back.
/// At most one lock is held at a time, so two transfers cannot deadlock on each other.
fn transfer_locked(source: &Mutex<Account>, dest: &Mutex<Account>, amount: i64) {
    {
        let mut source = source.lock(); // `async with source.lock:`
        let balance = source.balance;
        yieldpoint::yield_now(); // `await some_io_operation()`: others wait for the lock
        source.balance = balance - amount;
    }
    // A read-modify-write with no yield point inside: atomic once the lock is ours.
    dest.lock().balance += amount;
}
// ANCHOR_END: transfer_locked

/// The `n`th transfer: from which account, to which, and how much. A fixed pattern, so
/// every run prints the same totals.
fn nth_transfer(n: usize) -> (usize, usize, i64) {
    let from = n % ACCOUNTS;
    let to = (from + 1 + n / ACCOUNTS % (ACCOUNTS - 1)) % ACCOUNTS;
    let amount = 1 + (n * 7 % 50) as i64;
    (from, to, amount)
}

// ANCHOR: run_transfers
/// Spawns `TRANSFERS` tasks that each run `transfer` once, runs them all, and returns the
/// total money before and after.
///
/// Why `transfer_dangerous` loses money the same way on every run: the round-robin
/// scheduler is deterministic. One OS thread switches tasks only at yield points, in FIFO
/// order. All transfers are spawned before the first runs, so in the first pass every one
/// of them reads its source balance and yields; only in the second pass does each write
/// its stale balance back, wiping out what the transfers before it did to that account:
/// their debits (money created) and their credits (money lost).
fn run_transfers(transfer: fn(&RefCell<Account>, &RefCell<Account>, i64)) -> (i64, i64) {
    let bank: Rc<Vec<RefCell<Account>>> = Rc::new(
        (0..ACCOUNTS)
            .map(|_| RefCell::new(Account { balance: OPENING }))
            .collect(),
    );
    let total = |bank: &[RefCell<Account>]| bank.iter().map(|a| a.borrow().balance).sum();
    let before = total(&bank);
    let rt = RoundRobin::new();
    for n in 0..TRANSFERS {
        let bank = bank.clone();
        let (from, to, amount) = nth_transfer(n);
        rt.spawn(move || transfer(&bank[from], &bank[to], amount));
    }
    rt.run();
    (before, total(&bank))
}
// ANCHOR_END: run_transfers

/// [`run_transfers`] with `transfer_locked` on `Mutex`-guarded accounts.
fn run_locked_transfers() -> (i64, i64) {
    let bank: Rc<Vec<Mutex<Account>>> = Rc::new(
        (0..ACCOUNTS)
            .map(|_| Mutex::new(Account { balance: OPENING }))
            .collect(),
    );
    let total = |bank: &[Mutex<Account>]| bank.iter().map(|a| a.lock().balance).sum();
    let before = total(&bank);
    let rt = RoundRobin::new();
    for n in 0..TRANSFERS {
        let bank = bank.clone();
        let (from, to, amount) = nth_transfer(n);
        rt.spawn(move || transfer_locked(&bank[from], &bank[to], amount));
    }
    rt.run();
    (before, total(&bank))
}

fn main() {
    println!("{TRANSFERS} concurrent transfers between {ACCOUNTS} accounts of {OPENING}");
    report("transfer", run_transfers(transfer));
    report("transfer_dangerous", run_transfers(transfer_dangerous));
    report("transfer_locked", run_locked_transfers());
}

fn report(name: &str, (before, after): (i64, i64)) {
    let verdict = match after - before {
        0 => "conserved".to_string(),
        lost if lost < 0 => format!("not conserved ({} lost)", -lost),
        created => format!("not conserved ({created} created)"),
    };
    println!("{name}: total before {before}, after {after}: {verdict}");
}
