//! Schedulers: what runs green threads, and the parts both schedulers share.
//!
//! Python: the asyncio event loop (PEP 3156, Python 3.4, 2014) and the round-robin
//! `run(tasks)` over generators of Milko Rodríguez's "Context Switching and Cooperative
//! Multitasking in Python" (2018): pick a ready task, run it to its next yield point,
//! repeat.
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//!
//! let rt = RoundRobin::new();
//! let answer = rt.block_on(|| {
//!     let child = yieldpoint::spawn(|| 6 * 7);
//!     yieldpoint::yield_now();
//!     child.join().unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```
//!
//! # Terms
//!
//! - *Green thread* (task): a function running on its own coroutine stack, switched by the
//!   scheduler at its yield points ([`spawn`](crate::spawn())).
//! - *Yield point*: where a switch may happen: [`yield_now`](crate::yield_now),
//!   [`sleep`](crate::sleep), a wait on a [`sync`](crate::sync) primitive, a
//!   [`join`](crate::task::JoinHandle::join). Between two yield points a task runs alone.
//! - *Run queue*: the FIFO of tasks ready to run.
//! - *Park / unpark*: a task stops until woken / is made runnable again (a parked *task*;
//!   an idle *worker thread* parks too, and says so).
//! - *Timer queue*: deadlines of sleeping tasks and `timeout`s, earliest first.
//!
//! # The shared core
//!
//! Each scheduler thread owns a `Local` (`sched/local.rs`): a slab of its tasks' coroutines, a
//! run queue (`sched/run_queue.rs`), and a timer queue (`sched/timer.rs`). A task is switched in with `send(())` on
//! its coroutine; it switches out by yielding a `Switch` (`Yield`: back of the run queue;
//! `Park`: wait for an unpark). Wakeups from other OS threads go through the owner's inbox
//! (`task::owner`) and unpark the owner thread. Cancellation and expired timeouts are
//! delivered as a `throw` at the task's yield point.
//!
//! # Layers
//!
//! `sched` sits on `task` (the task cell, its state word, the running task's context) and
//! implements the task layer's one trait, `Schedule`, once per scheduler: the round-robin
//! thread and each work-queue worker. Nothing here imports the user-facing modules above it
//! (`sync`, `time`, `future`, `blocking`); `tests/layers.rs` checks the direction of every
//! import between the modules of `src/`.
//!
//! [`RoundRobin`] runs one `Local` on the calling thread. Book: Part IV, "One loop or
//! many".

mod builder;
pub(crate) mod context;
pub(crate) mod local;
pub mod round_robin;
mod run_queue;
pub(crate) mod signal;
mod stall;
pub mod timeline;
pub(crate) mod timer;
pub mod work_queue;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub(crate) use builder::Config;
pub use round_robin::RoundRobin;
pub use work_queue::WorkQueue;

use crate::task::TaskId;

/// A task that ran longer than the slow-task threshold without reaching a yield point.
///
/// Python: asyncio debug mode's "Executing <Task …> took 0.123 seconds".
///
/// # Examples
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use yieldpoint::sched::RoundRobin;
///
/// let reports = Arc::new(Mutex::new(Vec::new()));
/// let sink = reports.clone();
/// let rt = RoundRobin::builder()
///     .slow_task_threshold(Duration::from_millis(2))
///     .on_slow_task(move |slow| sink.lock().unwrap().push(slow.clone()))
///     .build();
/// rt.spawn(|| std::thread::sleep(Duration::from_millis(10))); // blocks without yielding
/// rt.run();
/// let slow = &reports.lock().unwrap()[0];
/// assert!(slow.ran >= Duration::from_millis(10) && slow.threshold == Duration::from_millis(2));
/// assert!(slow.to_string().contains("without yielding"));
/// ```
#[derive(Debug, Clone)]
pub struct SlowTask {
    /// The task's id.
    pub id: TaskId,
    /// The task's name, if it has one.
    pub name: Option<Arc<str>>,
    /// How long it ran between two yield points.
    pub ran: Duration,
    /// The threshold it exceeded.
    pub threshold: Duration,
}

impl fmt::Display for SlowTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " (\"{name}\")")?;
        }
        write!(
            f,
            " ran {:.3?} without yielding (threshold {:?}); add yield points (maybe_yield), \
             move it to spawn_blocking, or, if it blocked in I/O, use yieldpoint::net's sockets \
             or io::wait_readable / wait_writable instead of blocking std I/O",
            self.ran, self.threshold
        )
    }
}

/// The callback that receives slow-task reports.
///
/// # Examples
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
/// use yieldpoint::sched::{RoundRobin, SlowTaskCallback};
///
/// let count = Arc::new(AtomicUsize::new(0));
/// let seen = count.clone();
/// let callback: SlowTaskCallback = Arc::new(move |_| { seen.fetch_add(1, Ordering::SeqCst); });
/// let rt = RoundRobin::builder()
///     .slow_task_threshold(Duration::from_millis(2))
///     .on_slow_task(move |slow| callback(slow))
///     .build();
/// rt.spawn(|| std::thread::sleep(Duration::from_millis(10)));
/// rt.run();
/// assert_eq!(count.load(Ordering::SeqCst), 1);
/// ```
pub type SlowTaskCallback = Arc<dyn Fn(&SlowTask) + Send + Sync>;
