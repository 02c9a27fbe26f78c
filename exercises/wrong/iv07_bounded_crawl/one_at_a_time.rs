//! Known-wrong solution of exercise IV.7 (cheat class: run-to-end instead of interleaved).
//!
//! The URLs are fetched one after the other in the calling task: never more than one at
//! once, so the limit is never used.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise IV.7: a crawl bounded by a semaphore (PEP 3156)
//!
//! You learn what a semaphore is for in cooperative code: not to protect data (between
//! yield points a task runs alone) but to bound how many tasks are inside a region that
//! has yield points in it, here how many fetches run at once.
//!
//! ```python
//! # Python 3.7+ (asyncio.Semaphore, PEP 3156's "Locks and semaphores")
//! async def crawl(urls, limit, fetch):
//!     semaphore = asyncio.Semaphore(limit)
//!     async def one(url):
//!         async with semaphore:
//!             return await fetch(url)
//!     return await asyncio.gather(*(one(url) for url in urls))
//! ```

use std::rc::Rc;

use yieldpoint::sync::Semaphore;

/// A fetch: takes a URL and returns its page. It is a yield point: other tasks run while
/// it waits.
pub type Fetch = Rc<dyn Fn(&str) -> String>;

/// Fetches every URL of `urls`, each in a green thread of its own, with at most `limit`
/// fetches running at any time; returns the pages in the order of `urls`.
///
/// Call it inside a round-robin scheduler (`RoundRobin::new().block_on(|| crawl(..))`):
/// `Fetch` is an `Rc`, so the tasks are `spawn_local` tasks of this thread.
pub fn crawl(urls: &[String], limit: usize, fetch: Fetch) -> Vec<String> {
    let _ = (limit, Semaphore::new(limit));
    // WRONG: no tasks, so no two fetches overlap.
    urls.iter().map(|url| fetch(url)).collect()
}
