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
        // TODO: log "closed".
        todo!()
    }
}

/// The lines of the pages at `urls`, in order, fetching each page only when the lines
/// before it have been taken. Before each fetch it logs `"fetch URL"`; once it has started,
/// it logs `"closed"` when it ends or is dropped.
///
/// Python: the async generator `lines` above.
pub fn page_lines(urls: Vec<String>, fetch: Fetch, log: Log) -> AsyncGenerator<String> {
    // TODO: `AsyncGenerator::new(move |co| ...)`: a `Closed` guard first (it plays
    // `finally`), then for each URL: log "fetch URL", `co.await_(fetch(url))` for the text
    // (not `yieldpoint::future::await_`: the stream's consumer must see `Pending`), and
    // `co.yield_` each of its lines (`str::lines`).
    // urls ["a", "b"], pages "1\n2" and "3" -> "1", "2", "3", then the end;
    // log: ["fetch a", "fetch b", "closed"], with "fetch b" only after "2" was taken
    todo!()
}
