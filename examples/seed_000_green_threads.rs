//! The round-robin tasks of Milko Rodríguez's "Context Switching and Cooperative
//! Multitasking in Python" (2018) again, as green threads: `countdown` and `countup` are
//! ordinary functions that call `yield_now()`, run by the round-robin scheduler.
//!
//! Run with `cargo run --example seed_000_green_threads`; it prints the article's six lines.

use yieldpoint::sched::RoundRobin;

// ANCHOR: tasks
/// `def countdown(n): while n > 0: print("Down", n); yield; n -= 1`
fn countdown(mut n: u32) {
    while n > 0 {
        println!("Down {n}");
        yieldpoint::yield_now();
        n -= 1;
    }
}

/// `def countup(stop): x = 0; while x < stop: print("Up", x); yield; x += 1`
fn countup(stop: u32) {
    let mut x = 0;
    while x < stop {
        println!("Up {x}");
        yieldpoint::yield_now();
        x += 1;
    }
}
// ANCHOR_END: tasks

fn main() {
    // ANCHOR: run
    let rt = RoundRobin::new();
    rt.spawn(|| countdown(3));
    rt.spawn(|| countup(3));
    rt.run();
    // ANCHOR_END: run
}
