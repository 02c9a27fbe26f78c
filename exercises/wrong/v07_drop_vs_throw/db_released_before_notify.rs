//! Known-wrong solution of exercise V.7 (cheat class: cleanup in the wrong order).
//!
//! Takes the "db" lease inside the caught work: the unwind releases it before the
//! notify, which then runs without the resource it was meant to report on.
//!
//! The grader must reject it: `tests/workbook_grading.rs` checks that it does.
//!
//! Exercise V.7: cancellation in both worlds, a dropped future vs a cancelled green thread
//!
//! You learn the two ways a suspended computation is cancelled. A Rust future is cancelled
//! by dropping it: its state machine's live locals are dropped where it waits, and no
//! other code of it ever runs, so its cleanup cannot wait for anything. A coroutine is
//! cancelled by throwing into it (Part II's `throw`, asyncio's `task.cancel()`,
//! yieldpoint's `JoinHandle::cancel`): the cancel is raised at its yield point, and the
//! body may catch it and run cleanup that waits before it lets the cancel go on.
//!
//! ```python
//! # Python 3.8+: the job, and its cancel handler that awaits
//! async def job(log, fetch, store, notify):
//!     db = Lease(log, "db")                 # logs "lease db"
//!     try:
//!         await fetch()
//!         cache = Lease(log, "cache")
//!         try:
//!             await store()
//!             log.append("done")
//!         finally:
//!             cache.release()               # logs "release cache"
//!     except asyncio.CancelledError:
//!         await notify()                    # cleanup that waits
//!         raise                             # still cancelled
//!     finally:
//!         db.release()                      # logs "release db"
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

/// What the job did, in order.
pub type Log = Rc<RefCell<Vec<String>>>;

/// A lease on a resource: logs `"lease NAME"` when taken and `"release NAME"` when
/// dropped.
pub struct Lease {
    log: Log,
    name: &'static str,
}

impl Lease {
    /// Takes the lease on `name`.
    pub fn take(log: &Log, name: &'static str) -> Lease {
        log.borrow_mut().push(format!("lease {name}"));
        Lease {
            log: log.clone(),
            name,
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.log.borrow_mut().push(format!("release {}", self.name));
    }
}

/// The job as a future: lease "db", await `fetch`, lease "cache", await `store`, log
/// "done"; the leases are released at the end, the latest first. Nothing runs before the
/// first poll. Cancelled by dropping it at an await: the leases it holds there are
/// released, the latest first, and nothing else of it runs.
///
/// Python: `job` above, without its `except` (a dropped future runs no code that waits).
// An `async` block in a plain `fn` (not an `async fn`): it shows where the future's lazy
// part starts.
#[allow(clippy::manual_async_fn)]
pub fn job_async(
    log: Log,
    fetch: impl Future<Output = ()>,
    store: impl Future<Output = ()>,
) -> impl Future<Output = ()> {
    async move {
        let _db = Lease::take(&log, "db");
        fetch.await;
        let _cache = Lease::take(&log, "cache");
        store.await;
        log.borrow_mut().push("done".to_string());
    }
}

/// The same job in a green thread: `fetch` and `store` are yield points, where a cancel
/// arrives. When the work is cancelled, the job calls `notify` (a wait: other tasks must
/// run) while it still holds the "db" lease (the "cache" lease is released by then, as
/// its `finally` runs first), then goes on being cancelled, releasing "db".
///
/// Python: `job` above, run as a task and cancelled with `task.cancel()`.
pub fn job_green(log: Log, fetch: impl FnOnce(), store: impl FnOnce(), notify: impl FnOnce()) {
    let work = panic::catch_unwind(AssertUnwindSafe(|| {
        let _db = Lease::take(&log, "db");
        fetch();
        let _cache = Lease::take(&log, "cache");
        store();
        log.borrow_mut().push("done".to_string());
    }));
    if let Err(cancel) = work {
        // Caught: this task runs normally again, so `notify` may wait (switch).
        notify();
        // `raise`: the task ends cancelled; unwinding releases "db".
        panic::resume_unwind(cancel);
    }
}
