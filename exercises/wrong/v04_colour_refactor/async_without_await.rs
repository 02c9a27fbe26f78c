//! Known-wrong solution of exercise V.4 (cheat class: async in name only, no await at the bottom).
//!
//! Every function of the async chain is `async`, but `fetch_async` never awaits anything:
//! an `async fn` without an `.await` runs to its end in one poll, so the report never
//! gives the other task a turn.

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
