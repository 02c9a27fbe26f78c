//! What every task of a running program is doing: a task dump.
//!
//! Three crawler tasks wait for URLs on a channel that nobody feeds yet, a ticker sleeps
//! between ticks, and the main task takes a dump ([`yieldpoint::task::dump`]) and prints
//! it: the tasks grouped by what they wait on and where they were spawned, with how long
//! each has been parked (the scheduler records park times: `record_park_times(true)`).
//!
//! Python: `for task in asyncio.all_tasks(): task.print_stack()`.
//!
//! Run with `cargo run --example task_dump`. The output (the times vary):
//!
//! ```text
//! yieldpoint task dump: 5 tasks in 3 groups
//!
//! 3 tasks waiting on a channel receive, spawned at examples/task_dump.rs:43:12
//!         id  name                    parked for  switches  thread
//!          1  crawler-0                   20.1ms         1  main
//!          2  crawler-1                   20.1ms         1  main
//!          3  crawler-2                   20.1ms         1  main
//!
//! 1 task running, spawned at examples/task_dump.rs:55:8
//!         id  name                    parked for  switches  thread
//!          5  main                             -         2  main
//!
//! 1 task sleeping, spawned at examples/task_dump.rs:51:8
//!         id  name                    parked for  switches  thread
//!          4  ticker                      20.1ms         1  main
//! ```

use std::time::Duration;

use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::channel;
use yieldpoint::task::Builder;

// ANCHOR: dump
fn main() {
    let rt = RoundRobin::builder().record_park_times(true).build();
    let (urls, inbox) = channel::unbounded::<String>();
    for i in 0..3 {
        let inbox = inbox.clone();
        let crawler = Builder::new().name(format!("crawler-{i}"));
        rt.spawn_with(crawler, move || {
            while let Ok(url) = inbox.recv() {
                println!("fetching {url}");
            }
        })
        .unwrap();
    }
    let ticker = Builder::new().name("ticker");
    rt.spawn_with(ticker, || loop {
        yieldpoint::sleep(Duration::from_millis(100));
    })
    .unwrap();
    rt.block_on(|| {
        yieldpoint::sleep(Duration::from_millis(20));
        print!("{}", yieldpoint::task::dump());
    });
    drop(urls); // the crawlers see the channel closed and end; dropping `rt` cancels the ticker
}
// ANCHOR_END: dump
