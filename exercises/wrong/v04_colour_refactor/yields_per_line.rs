//! Known-wrong solution of exercise V.4 (cheat class: the yield point moved up the chain, into report).
//!
//! The plain chain yields in `report`, once per line, instead of in `fetch`: the same number
//! of turns, but the wait is no longer where the database is, and every caller of `fetch`
//! other than `report` would not wait at all. The log shows the turn after the call.

use exercises::part5::YieldNow;

/// The database: a value for an id (the grader's logs each call).
pub type Db<'a> = &'a dyn Fn(u32) -> u32;

// The stackful chain: plain functions, a yield point at the bottom.

fn fetch(id: u32, db: Db) -> u32 {
    db(id)
}

fn summarize(id: u32, db: Db) -> String {
    format!("{id}: {}", fetch(id, db))
}

/// The report: one line per id. Run it in a green thread; it yields inside each `fetch`.
pub fn report(ids: &[u32], db: Db) -> String {
    let lines: Vec<String> = ids
        .iter()
        .map(|&id| {
            let line = summarize(id, db);
            yieldpoint::yield_now();
            line
        })
        .collect();
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
