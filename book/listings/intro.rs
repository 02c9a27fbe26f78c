//! Introduction: atomicity between yield points, and starvation (the articles
//! "Python Cooperative Scheduling — Core Concepts" and "— ELI5").
//! Compiled and run by `tests/book_listings.rs`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use yieldpoint::Generator;

/// Two accounts: `[source, destination]`.
type Bank = Rc<RefCell<[u64; 2]>>;

// ANCHOR: transfer
/// Reads the balance and writes both accounts with no yield point in between:
/// no other task can run between the read and the writes.
fn transfer(bank: Bank, amount: u64) -> Generator<()> {
    Generator::new(move |co| {
        let balance = bank.borrow()[0];
        bank.borrow_mut()[0] = balance - amount;
        bank.borrow_mut()[1] += amount;
        co.yield_(()); // the only yield point comes after the update
    })
}

/// The same, with a yield point between the read and the writes (the article's
/// `await some_io_operation()`).
fn transfer_dangerous(bank: Bank, amount: u64) -> Generator<()> {
    Generator::new(move |co| {
        let balance = bank.borrow()[0];
        co.yield_(()); // another task may run here and change the balance
        bank.borrow_mut()[0] = balance - amount;
        bank.borrow_mut()[1] += amount;
    })
}
// ANCHOR_END: transfer

/// Part I's round-robin `run(tasks)`, returning nothing.
fn run(tasks: Vec<Generator<()>>) {
    let mut queue: VecDeque<_> = tasks.into();
    while let Some(mut task) = queue.pop_front() {
        if task.next().is_some() {
            queue.push_back(task);
        }
    }
}

// ANCHOR: transfer_test
#[test]
fn no_yield_point_between_read_and_write_keeps_the_total() {
    let bank: Bank = Rc::new(RefCell::new([100, 0]));
    run(vec![transfer(bank.clone(), 10), transfer(bank.clone(), 20)]);
    assert_eq!(*bank.borrow(), [70, 30]);
}

#[test]
fn a_yield_point_between_read_and_write_loses_an_update() {
    let bank: Bank = Rc::new(RefCell::new([100, 0]));
    run(vec![
        transfer_dangerous(bank.clone(), 10),
        transfer_dangerous(bank.clone(), 20),
    ]);
    // Both tasks read 100 before either wrote; the second write wins.
    // 30 arrived, only 20 left: 10 was created out of nothing.
    assert_eq!(*bank.borrow(), [80, 30]);
}
// ANCHOR_END: transfer_test

// ANCHOR: starvation
/// Does all its work before its first yield: nobody else runs meanwhile.
fn hog(log: Rc<RefCell<Vec<String>>>) -> Generator<()> {
    Generator::new(move |co| {
        let sum: u64 = (0..1_000_000u64).map(|i| i * i).sum();
        log.borrow_mut().push(format!("hog done: {sum}"));
        co.yield_(());
    })
}

/// Yields after each small step.
fn polite(log: Rc<RefCell<Vec<String>>>) -> Generator<()> {
    Generator::new(move |co| {
        for step in 0..3 {
            log.borrow_mut().push(format!("polite {step}"));
            co.yield_(());
        }
    })
}
// ANCHOR_END: starvation

// ANCHOR: starvation_test
#[test]
fn a_task_without_yield_points_starves_the_others() {
    let log = Rc::new(RefCell::new(Vec::new()));
    run(vec![polite(log.clone()), hog(log.clone())]);
    let log = log.borrow();
    assert_eq!(log[0], "polite 0");
    // `polite 1` had to wait for the whole computation.
    assert!(log[1].starts_with("hog done"));
    assert_eq!(log[2..], ["polite 1", "polite 2"]);
}
// ANCHOR_END: starvation_test
