//! Exercise V.4: the colour refactor (PEP 492's `async def` against a stackful yield point)
//!
//! You learn what "function colour" costs. A report calls `summarize` for each id, which
//! calls `fetch`, which asks a database. Now the database is slow, and `fetch` must wait
//! for it at a yield point so that other tasks run meanwhile. With `async`, the wait makes
//! `fetch` async, so `summarize` must await it and become async, and so must `report`:
//! the whole chain changes colour. With yieldpoint, `fetch` gains one line and nothing
//! else changes.
//!
//! ```python
//! # Before: plain functions.          # After, with asyncio: all three change.
//! def fetch(id, db):                   async def fetch(id, db):
//!     return db(id)                        await asyncio.sleep(0)
//!                                          return db(id)
//! def summarize(id, db):               async def summarize(id, db):
//!     return f"{id}: {fetch(id, db)}"      return f"{id}: {await fetch(id, db)}"
//!
//! def report(ids, db):                 async def report(ids, db):
//!     return "\n".join(                    return "\n".join(
//!         summarize(id, db) for id in ids)     [await summarize(id, db) for id in ids])
//! ```
//!
//! The rules (the grader checks each one):
//!
//! 1. `fetch` waits first, at exactly one yield point, then asks the database, once.
//! 2. `report` and `report_async` return the same text: one line `"{id}: {value}"` per id,
//!    in order, joined with `"\n"`.
//! 3. Run beside another task, on a `yieldpoint` scheduler (`report`) or on an executor
//!    (`report_async`), the other task gets one turn before each database call.

use exercises::part5::YieldNow;

/// The database: a value for an id (the grader's logs each call).
pub type Db<'a> = &'a dyn Fn(u32) -> u32;

// The stackful chain: plain functions, a yield point at the bottom.

fn fetch(id: u32, db: Db) -> u32 {
    yieldpoint::yield_now();
    db(id)
}

fn summarize(id: u32, db: Db) -> String {
    format!("{id}: {}", fetch(id, db))
}

/// The report: one line per id. Run it in a green thread; it yields inside each `fetch`.
pub fn report(ids: &[u32], db: Db) -> String {
    let lines: Vec<String> = ids.iter().map(|&id| summarize(id, db)).collect();
    lines.join("\n")
}

// The async chain: every function between the report and the wait is async. Its yield
// point is `YieldNow`, chapter 2's bare `yield`.

async fn fetch_async(id: u32, db: Db<'_>) -> u32 {
    YieldNow::default().await;
    db(id)
}

async fn summarize_async(id: u32, db: Db<'_>) -> String {
    format!("{id}: {}", fetch_async(id, db).await)
}

/// The same report, as an `async fn`: poll it on an executor.
pub async fn report_async(ids: &[u32], db: Db<'_>) -> String {
    let mut lines = Vec::new();
    for &id in ids {
        lines.push(summarize_async(id, db).await);
    }
    lines.join("\n")
}
