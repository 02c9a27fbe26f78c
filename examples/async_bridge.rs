//! Futures both ways (PEP 492): a tokio application hands CPU-bound, deeply recursive work
//! to green threads on a `WorkQueue` and awaits their `JoinHandle`s; the green threads call
//! an async API (a tokio task behind a channel) with `future::await_`.
//!
//! Python: `await loop.run_in_executor(pool, work)`, where the work itself calls
//! `asyncio.run_coroutine_threadsafe(api(x), loop).result()`.
//!
//! Run: `cargo run --example async_bridge`. It prints one line per job, in order:
//!
//! ```text
//! job 1: depth 10000, sum 50005000, price 3
//! job 2: depth 20000, sum 200010000, price 6
//! job 3: depth 30000, sum 450015000, price 9
//! job 4: depth 40000, sum 800020000, price 12
//! ```

use tokio::sync::{mpsc, oneshot};
use yieldpoint::future::await_;
use yieldpoint::sched::WorkQueue;

// ANCHOR: recursive_work
/// CPU-bound and deeply recursive: one stack frame per level, 40,000 levels deep at most,
/// more than a tokio worker's 2 MiB stack holds in a debug build. Each green thread gets
/// an 8 MiB stack (mapped lazily: only the pages touched cost memory).
fn depth_sum(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    n + depth_sum(std::hint::black_box(n - 1))
}
// ANCHOR_END: recursive_work

/// A request to the async price service: an item, and where to send its price.
type PriceRequest = (u64, oneshot::Sender<u64>);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // The async API: a tokio task that answers price requests.
    let (requests, mut inbox) = mpsc::channel::<PriceRequest>(16);
    tokio::spawn(async move {
        while let Some((item, reply)) = inbox.recv().await {
            let _ = reply.send(item * 3);
        }
    });

    // ANCHOR: bridge
    let pool = WorkQueue::builder().workers(2).stack_size(8 << 20).build();
    let jobs: Vec<_> = (1..=4u64)
        .map(|job| {
            let prices = requests.clone();
            pool.spawn(move || {
                let depth = job * 10_000;
                let sum = depth_sum(depth);
                // A green thread calls the async API: each await parks only this green thread.
                let (reply, price) = oneshot::channel();
                await_(prices.send((job, reply))).expect("the price service runs");
                let price = await_(price).expect("the price service answers");
                (depth, sum, price)
            })
        })
        .collect();
    // The tokio side awaits the green threads: a `JoinHandle` is a `Future`.
    for (job, handle) in (1..).zip(jobs) {
        let (depth, sum, price) = handle.await.expect("the job ran to its end");
        println!("job {job}: depth {depth}, sum {sum}, price {price}");
    }
    // ANCHOR_END: bridge
    // Every job has ended: dropping the pool only joins its idle workers.
    drop(pool);
}
