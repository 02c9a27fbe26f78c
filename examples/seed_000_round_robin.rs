//! Two generators taking turns under a round-robin `run(tasks)`, from Milko Rodríguez's
//! article "Context Switching and Cooperative Multitasking in Python" (2018).
//!
//! Python 3 (the article's):
//!
//! ```python
//! def run(tasks):
//!     tasks = deque(tasks)
//!     while tasks:
//!         task = tasks.popleft()
//!         try:
//!             next(task)
//!             tasks.append(task)
//!         except StopIteration:
//!             pass
//!
//! run([countdown(3), countup(3)])
//! ```
//!
//! Run with `cargo run --example seed_000_round_robin`; it prints the article's six lines.

use std::collections::VecDeque;

use yieldpoint::Generator;

// ANCHOR: tasks
/// `def countdown(n): while n > 0: print("Down", n); yield; n -= 1`
fn countdown(mut n: u32) -> Generator<()> {
    Generator::new(move |co| {
        while n > 0 {
            println!("Down {n}");
            co.yield_(());
            n -= 1;
        }
    })
}

/// `def countup(stop): x = 0; while x < stop: print("Up", x); yield; x += 1`
fn countup(stop: u32) -> Generator<()> {
    Generator::new(move |co| {
        let mut x = 0;
        while x < stop {
            println!("Up {x}");
            co.yield_(());
            x += 1;
        }
    })
}
// ANCHOR_END: tasks

// ANCHOR: run
/// Runs each task to its next yield in turn, dropping the ones that finish.
fn run(tasks: impl IntoIterator<Item = Generator<()>>) {
    let mut tasks: VecDeque<_> = tasks.into_iter().collect();
    while let Some(mut task) = tasks.pop_front() {
        // `next(task)`: `Some` means it yielded and wants another turn.
        if task.next().is_some() {
            tasks.push_back(task);
        }
    }
}
// ANCHOR_END: run

/// `pub` so that `tests/book_listings.rs`, which compiles this file as a module, can run it.
pub fn main() {
    run([countdown(3), countup(3)]);
}
