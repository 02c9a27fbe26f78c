//! Known-wrong solution of exercise V.8 (cheat class: cleanup never exercised).
//!
//! Logs "closed" after the loop instead of in a guard: a stream dropped early never
//! gets there, so its cleanup never runs.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise V.8: an async generator as a `Stream` (PEP 525)
//!
//! You learn what an async generator is: a generator whose body may await between its
//! yields. Its consumer sees a `Stream`: `poll_next` returns an item, `Pending` while the
//! body awaits, or the end. Dropping the stream early closes the body, and its cleanup
//! runs, as `aclose()` runs an async generator's `finally`.
//!
//! ```python
//! # Python 3.6+ (PEP 525)
//! async def lines(urls, fetch, log):
//!     try:
//!         for url in urls:
//!             log.append(f"fetch {url}")
//!             text = await fetch(url)
//!             for line in text.splitlines():
//!                 yield line
//!     finally:
//!         log.append("closed")
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use yieldpoint::AsyncGenerator;

/// A fetch: the text of the page at a URL, as a future (the network).
pub type Fetch = Rc<dyn Fn(&str) -> Pin<Box<dyn Future<Output = String>>>>;

/// What the generator did, in order.
pub type Log = Rc<RefCell<Vec<String>>>;

/// Logs `"closed"` when dropped: the body's `finally`, run at its end or when the stream
/// is dropped while the body is suspended.
struct Closed(Log);

impl Drop for Closed {
    fn drop(&mut self) {
        let _ = &self.0;
    }
}

/// The lines of the pages at `urls`, in order, fetching each page only when the lines
/// before it have been taken. Before each fetch it logs `"fetch URL"`; once it has started,
/// it logs `"closed"` when it ends or is dropped.
///
/// Python: the async generator `lines` above.
pub fn page_lines(urls: Vec<String>, fetch: Fetch, log: Log) -> AsyncGenerator<String> {
    AsyncGenerator::new(move |co| {
        for url in &urls {
            log.borrow_mut().push(format!("fetch {url}"));
            let text = co.await_(fetch(url));
            for line in text.lines() {
                co.yield_(line.to_string());
            }
        }
        log.borrow_mut().push("closed".to_string());
    })
}
