//! Grader for exercise IV.6 (`src/part4/bank_transfer.rs`): transfers on a round-robin
//! scheduler under scripted interleavings (each transfer's fraud check yields a scripted
//! number of times), every script of three transfers and generated ones of eight.

mod support;

support::exercise!(
    bank_transfer,
    "../../src/part4/bank_transfer.rs",
    "../../solutions/part4/bank_transfer.rs"
);

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::support::gen::Rng;
use crate::support::grading;
use yieldpoint::sched::RoundRobin;

/// One transfer of a script: from, to, amount, how many times its fraud check yields, and
/// whether the check approves.
#[derive(Debug, Clone, Copy)]
struct Step {
    from: usize,
    to: usize,
    amount: i64,
    yields: u32,
    approved: bool,
}

/// A transfer the fraud service approves after `yields` yields.
fn approved(from: usize, to: usize, amount: i64, yields: u32) -> Step {
    Step {
        from,
        to,
        amount,
        yields,
        approved: true,
    }
}

type TransferFn = fn(&[Cell<i64>], usize, usize, i64, &dyn Fn() -> bool) -> bool;

/// What a run of a script did.
#[derive(Debug)]
struct Outcome {
    balances: Vec<i64>,
    returned: Vec<bool>,
    /// Problems seen while it ran (a negative balance, a check called twice, money moved
    /// before its check).
    problems: Vec<String>,
}

/// Runs `script` on a round-robin scheduler, one task per transfer, spawned in order.
fn run(transfer: TransferFn, opening: &[i64], script: &[Step]) -> Outcome {
    let bank: Rc<Vec<Cell<i64>>> = Rc::new(opening.iter().copied().map(Cell::new).collect());
    // Balances as they must be: the opening ones plus every transfer that returned `true`.
    let settled = Rc::new(RefCell::new(opening.to_vec()));
    let returned = Rc::new(RefCell::new(vec![None; script.len()]));
    let problems = Rc::new(RefCell::new(Vec::new()));
    let rt = RoundRobin::new();
    let mut tasks = Vec::new();
    for (i, &step) in script.iter().enumerate() {
        let (bank, settled, returned, problems) = (
            bank.clone(),
            settled.clone(),
            returned.clone(),
            problems.clone(),
        );
        tasks.push(rt.spawn(move || {
            let checks = Cell::new(0);
            let approve = || {
                checks.set(checks.get() + 1);
                let now: Vec<i64> = bank.iter().map(Cell::get).collect();
                if now != *settled.borrow() {
                    problems.borrow_mut().push(format!(
                        "when transfer {i} ({step:?}) asked the fraud service, the balances \
                         were {now:?}, but the transfers that had finished add up to {:?}: \
                         money moved before its check, or a transfer was half done",
                        settled.borrow()
                    ));
                }
                for _ in 0..step.yields {
                    yieldpoint::yield_now(); // `await some_io_operation()`
                }
                step.approved
            };
            let moved = transfer(&bank, step.from, step.to, step.amount, &approve);
            if checks.get() != 1 {
                problems.borrow_mut().push(format!(
                    "transfer {i} ({step:?}) called approve() {} times; it must call it \
                     exactly once",
                    checks.get()
                ));
            }
            if moved {
                let mut settled = settled.borrow_mut();
                settled[step.from] -= step.amount;
                settled[step.to] += step.amount;
            }
            if bank.iter().any(|b| b.get() < 0) {
                problems.borrow_mut().push(format!(
                    "after transfer {i} ({step:?}) the balances are {:?}: one is below zero",
                    bank.iter().map(Cell::get).collect::<Vec<_>>()
                ));
            }
            returned.borrow_mut()[i] = Some(moved);
        }));
    }
    rt.run();
    for (i, task) in tasks.into_iter().enumerate() {
        if let Err(error) = task.join() {
            panic!("transfer {i} ({:?}) did not finish: {error}", script[i]);
        }
    }
    let returned = returned
        .borrow()
        .iter()
        .map(|r| r.unwrap_or(false))
        .collect();
    let balances = bank.iter().map(Cell::get).collect();
    let problems = problems.borrow().clone();
    Outcome {
        balances,
        returned,
        problems,
    }
}

/// Checks every rule on one run of `script`.
fn check(opening: &[i64], script: &[Step]) {
    let outcome = run(bank_transfer::transfer, opening, script);
    let what = format!("opening balances {opening:?}, transfers {script:#?}");
    assert!(
        outcome.problems.is_empty(),
        "{}\n({what})",
        outcome.problems.join("\n")
    );
    let total = |b: &[i64]| b.iter().sum::<i64>();
    assert_eq!(
        total(&outcome.balances),
        total(opening),
        "the bank's total changed: balances {:?} at the end ({what})",
        outcome.balances
    );
    for (i, step) in script.iter().enumerate() {
        if !step.approved {
            assert!(
                !outcome.returned[i],
                "transfer {i} was refused by the fraud service but returned true ({what})"
            );
        }
    }
}

// ANCHOR: example_test
#[test]
fn the_dangerous_version_loses_money_and_yours_does_not() {
    grading("bank_transfer");
    // A sends 30 from account 0 to 1, B sends 50 from 1 to 0; each check yields once.
    // A reads 100 and waits, B reads 100 and waits; A writes 70 and credits 1 (130); B
    // writes its stale 100 - 50 = 50 over account 1: A's 30 are gone.
    let script = [approved(0, 1, 30, 1), approved(1, 0, 50, 1)];
    let dangerous = run(bank_transfer::transfer_dangerous, &[100, 100], &script);
    assert_eq!(
        dangerous.balances,
        [120, 50],
        "the dangerous version loses 30"
    );
    let yours = run(bank_transfer::transfer, &[100, 100], &script);
    assert_eq!(
        yours.balances,
        [120, 80],
        "both transfers go through, nothing is lost"
    );
    assert_eq!(yours.returned, [true, true]);
}
// ANCHOR_END: example_test

#[test]
fn a_single_transfer_moves_money_or_nothing() {
    grading("bank_transfer");
    let mut rng = Rng::new();
    for _ in 0..20 {
        let opening = [rng.range(0..200) as i64, rng.range(0..200) as i64];
        let amount = rng.range(1..250) as i64;
        let approved = !rng.one_in(4);
        let step = Step {
            from: 0,
            to: 1,
            amount,
            yields: rng.range(0..3) as u32,
            approved,
        };
        let outcome = run(bank_transfer::transfer, &opening, &[step]);
        let moves = approved && opening[0] >= amount;
        let want = if moves {
            [opening[0] - amount, opening[1] + amount]
        } else {
            opening
        };
        assert_eq!(
            (outcome.balances.as_slice(), outcome.returned[0]),
            (want.as_slice(), moves),
            "balances {opening:?}, transfer 0 -> 1 of {amount}, approved: {approved}"
        );
        assert!(
            outcome.problems.is_empty(),
            "{}",
            outcome.problems.join("\n")
        );
    }
}

#[test]
fn every_interleaving_of_three_transfers_keeps_the_total() {
    grading("bank_transfer");
    // Three transfers that all touch account 0, under every script of 0 to 2 yields each:
    // 27 interleavings, twice (one with a refused check).
    let shapes = [(0, 1, 60), (1, 0, 70), (0, 2, 50)];
    for refused in [None, Some(1)] {
        for script in 0..27u32 {
            let steps: Vec<Step> = shapes
                .iter()
                .enumerate()
                .map(|(i, &(from, to, amount))| Step {
                    from,
                    to,
                    amount,
                    yields: script / 3u32.pow(i as u32) % 3,
                    approved: refused != Some(i),
                })
                .collect();
            check(&[100, 100, 0], &steps);
        }
    }
}

#[test]
fn generated_interleavings_keep_the_total_and_no_balance_goes_negative() {
    grading("bank_transfer");
    let mut rng = Rng::new();
    for _ in 0..200 {
        let accounts = 2 + rng.below(3);
        let opening: Vec<i64> = (0..accounts).map(|_| rng.range(0..120) as i64).collect();
        let script: Vec<Step> = (0..8)
            .map(|_| {
                let from = rng.below(accounts);
                let to = (from + 1 + rng.below(accounts - 1)) % accounts;
                Step {
                    from,
                    to,
                    amount: rng.range(1..100) as i64,
                    yields: rng.range(0..4) as u32,
                    approved: !rng.one_in(5),
                }
            })
            .collect();
        check(&opening, &script);
    }
}
