//! Schedule timelines: what ran when, on which worker, and why it stopped.
//!
//! A scheduler built with `record_timeline(true)`
//! ([`round_robin::Builder::record_timeline`](crate::sched::round_robin::Builder::record_timeline),
//! [`work_queue::Builder::record_timeline`](crate::sched::work_queue::Builder::record_timeline))
//! records one [`Interval`] per switch: a task switched in at `start`, out at `end`, for a
//! [`StopReason`]. [`RoundRobin::timeline`](crate::sched::RoundRobin::timeline) and
//! [`WorkQueue::timeline`](crate::sched::WorkQueue::timeline) collect them into a
//! [`Timeline`], which draws itself as an SVG Gantt chart ([`Timeline::to_svg`]) or, with
//! the cargo feature `chrome-trace`, writes Chrome's trace-event JSON
//! (`Timeline::to_chrome_trace`), which Perfetto (<https://ui.perfetto.dev>) and
//! `chrome://tracing` open.
//!
//! Python: none built in; asyncio's debug mode only reports slow callbacks. The JSON is the
//! format of Chrome's Trace Event Profiling Tool, which `viztracer` writes for Python
//! programs.
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//! use yieldpoint::sched::timeline::StopReason;
//! use yieldpoint::task::Builder;
//!
//! let rt = RoundRobin::builder().record_timeline(true).build();
//! for name in ["ping", "pong"] {
//!     rt.spawn_with(Builder::new().name(name), || yieldpoint::yield_now()).unwrap();
//! }
//! rt.run();
//! let timeline = rt.timeline();
//! let ran: Vec<_> = timeline
//!     .intervals()
//!     .iter()
//!     .map(|i| (i.name.as_deref().unwrap(), i.stop))
//!     .collect();
//! assert_eq!(
//!     ran,
//!     [
//!         ("ping", StopReason::Yielded),
//!         ("pong", StopReason::Yielded),
//!         ("ping", StopReason::Finished),
//!         ("pong", StopReason::Finished),
//!     ]
//! );
//! assert!(timeline.to_svg(&Default::default()).starts_with("<svg"));
//! ```
//!
//! # How it is recorded
//!
//! Each scheduler thread appends to a buffer of its own (no lock per switch), and moves
//! it to the scheduler's record, under a lock, when the buffer holds 1024
//! intervals, when a task of the thread ends, and when the thread goes idle. A task never
//! changes threads once started, so every interval of a finished task is in the record.
//! Recording costs two clock reads and an append per switch (measured on the builder
//! settings' docs) and 32 bytes per interval, kept until the scheduler is dropped.
//!
//! Book: appendix, "Seeing a schedule".

#[cfg(feature = "chrome-trace")]
mod chrome_trace;
mod svg;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::coroutine::CoroutineState;
use crate::task::context::{self as task_context, CancelUnwind, Interrupt, Switch};
use crate::task::header::Header;
use crate::task::{TaskId, WaitReason};

pub use svg::SvgOptions;

/// How many intervals a scheduler thread buffers before it moves them to the scheduler's
/// record.
const FLUSH_EVERY: usize = 1024;

/// Why a task switched out at the end of an [`Interval`].
///
/// # Examples
/// ```
/// use yieldpoint::sched::timeline::StopReason;
/// use yieldpoint::task::WaitReason;
///
/// assert_eq!(StopReason::Parked(WaitReason::Sleep).to_string(), "parked on Sleep");
/// assert_eq!(StopReason::Yielded.to_string(), "yielded");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// Yielded ([`yield_now`](crate::yield_now), [`maybe_yield`](crate::maybe_yield)): back
    /// to the run queue.
    Yielded,
    /// Parked, waiting for this. (A wakeup that came before the switch out puts the task
    /// straight back on the run queue; it parked all the same. So does the yield with which
    /// a `local_channel` receive starts its wait when exactly one other task is ready: see
    /// [`local_channel::Receiver::recv`](crate::sync::local_channel::Receiver::recv).)
    Parked(WaitReason),
    /// Its function returned.
    Finished,
    /// Its function panicked (the panic went to its `JoinHandle`).
    Panicked,
    /// It was cancelled ([`JoinHandle::cancel`](crate::JoinHandle::cancel), or an expired
    /// [`timeout`](crate::timeout) whose unwind it swallowed) and unwound. (One case reads
    /// differently at the `JoinHandle`: a task cancelled after its switch in but before its
    /// body started, whose captured values then panic in their `Drop`, is cancelled here
    /// and panicked there.)
    Cancelled,
}

impl StopReason {
    /// The reason as one lowercase word, for legends and JSON (`"parked"` for every
    /// [`Parked`](Self::Parked)).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::timeline::StopReason;
    /// use yieldpoint::task::WaitReason;
    ///
    /// assert_eq!(StopReason::Parked(WaitReason::Join).kind(), "parked");
    /// assert_eq!(StopReason::Panicked.kind(), "panicked");
    /// ```
    pub fn kind(self) -> &'static str {
        match self {
            StopReason::Yielded => "yielded",
            StopReason::Parked(_) => "parked",
            StopReason::Finished => "finished",
            StopReason::Panicked => "panicked",
            StopReason::Cancelled => "cancelled",
        }
    }

    /// What a task that switched out with `result` stopped for. A task that ended left its
    /// panic, if any, in the task context for the run loop's `finish`: this looks at it
    /// and puts it back.
    fn of(header: &Header, result: &Result<CoroutineState<Switch, ()>, Interrupt>) -> Self {
        match result {
            // A park always names its reason (`task::context::park_task`), and so does the
            // yield that starts a wait (`yield_before_wait`); the fallback only keeps a
            // missing one from being a panic in the run loop.
            Ok(CoroutineState::Yielded(Switch::Yield | Switch::Park)) => header
                .wait_reason()
                .map_or(StopReason::Yielded, StopReason::Parked),
            Ok(CoroutineState::Yielded(Switch::Done) | CoroutineState::Complete(())) | Err(_) => {
                let panic = task_context::take_task_panic();
                let reason = match &panic {
                    Some(payload) if payload.is::<CancelUnwind>() => StopReason::Cancelled,
                    Some(_) => StopReason::Panicked,
                    None if result.is_err() => StopReason::Cancelled,
                    None => StopReason::Finished,
                };
                if let Some(payload) = panic {
                    task_context::set_task_panic(payload);
                }
                reason
            }
        }
    }

    fn is_end(self) -> bool {
        matches!(
            self,
            StopReason::Finished | StopReason::Panicked | StopReason::Cancelled
        )
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Parked(on) => write!(f, "parked on {on:?}"),
            other => f.write_str(other.kind()),
        }
    }
}

/// One stretch of a task's run: switched in at `start`, out at `end`.
///
/// Times are [`Duration`]s since the scheduler was built, read from the monotonic clock
/// ([`Instant`]) at nanosecond resolution.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::sched::timeline::StopReason;
///
/// let rt = RoundRobin::builder().record_timeline(true).build();
/// let task = rt.spawn(|| ());
/// rt.run();
/// let timeline = rt.timeline();
/// let only = &timeline.intervals()[0];
/// assert_eq!((only.task, only.worker, only.stop), (task.id(), 0, StopReason::Finished));
/// assert!(only.start <= only.end && only.duration() == only.end - only.start);
/// ```
#[derive(Debug, Clone)]
pub struct Interval {
    /// The task's id.
    pub task: TaskId,
    /// The task's name, if it has one.
    pub name: Option<Arc<str>>,
    /// The scheduler thread that ran it: the work-queue worker's index (0 to workers − 1,
    /// as in its thread name); 0 on the round-robin scheduler.
    pub worker: usize,
    /// When the task was switched in, since the scheduler was built.
    pub start: Duration,
    /// When it switched out, since the scheduler was built.
    pub end: Duration,
    /// Why it switched out.
    pub stop: StopReason,
}

impl Interval {
    /// How long the task ran: `end - start`.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use yieldpoint::sched::timeline::{Interval, StopReason};
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().record_timeline(true).build();
    /// rt.spawn(|| std::thread::sleep(Duration::from_millis(2)));
    /// rt.run();
    /// assert!(rt.timeline().intervals()[0].duration() >= Duration::from_millis(2));
    /// ```
    pub fn duration(&self) -> Duration {
        self.end.saturating_sub(self.start)
    }

    /// The lane label of the task: `"id name"`, or the id alone.
    fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} {name}", self.task),
            None => self.task.to_string(),
        }
    }
}

/// The intervals a scheduler recorded so far, ordered by start time.
///
/// From [`RoundRobin::timeline`](crate::sched::RoundRobin::timeline) or
/// [`WorkQueue::timeline`](crate::sched::WorkQueue::timeline); empty if the scheduler was
/// built without `record_timeline(true)`.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// let rt = RoundRobin::builder().record_timeline(true).build();
/// rt.spawn(|| { yieldpoint::yield_now(); });
/// rt.run();
/// let timeline = rt.timeline();
/// assert_eq!(timeline.intervals().len(), 2);
/// assert!(timeline.end() >= timeline.intervals()[1].end);
/// assert!(!RoundRobin::new().timeline().is_recorded());
/// ```
#[derive(Debug, Clone)]
pub struct Timeline {
    /// The scheduler's type name, for the JSON's process name.
    scheduler: &'static str,
    /// A process-wide number of the scheduler (the JSON's `pid`), from 1.
    #[cfg_attr(not(feature = "chrome-trace"), allow(dead_code))]
    scheduler_id: u32,
    /// Worker threads of the scheduler (1 for the round-robin one).
    workers: usize,
    /// Whether the scheduler records (`false`: built without `record_timeline(true)`).
    recorded: bool,
    intervals: Vec<Interval>,
}

impl Timeline {
    /// Every recorded interval, by start time (then worker).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().record_timeline(true).build();
    /// let (a, b) = (rt.spawn(|| ()), rt.spawn(|| ()));
    /// rt.run();
    /// let order: Vec<_> = rt.timeline().intervals().iter().map(|i| i.task).collect();
    /// assert_eq!(order, [a.id(), b.id()]);
    /// ```
    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    /// Whether the scheduler was built with `record_timeline(true)`; if not, the timeline
    /// is empty.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::WorkQueue;
    ///
    /// assert!(WorkQueue::builder().workers(1).record_timeline(true).build().timeline().is_recorded());
    /// assert!(!WorkQueue::builder().workers(1).build().timeline().is_recorded());
    /// ```
    pub fn is_recorded(&self) -> bool {
        self.recorded
    }

    /// The end of the last interval (zero if there is none): the span a chart shows.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().record_timeline(true).build();
    /// assert_eq!(rt.timeline().end(), Duration::ZERO);
    /// rt.block_on(|| std::thread::sleep(Duration::from_millis(1)));
    /// assert!(rt.timeline().end() >= Duration::from_millis(1));
    /// ```
    pub fn end(&self) -> Duration {
        self.intervals
            .iter()
            .map(|i| i.end)
            .max()
            .unwrap_or_default()
    }

    /// The tasks that ran, one per lane of the chart: by worker, then by first start.
    fn lanes(&self) -> Vec<Lane<'_>> {
        let mut lanes: Vec<Lane> = Vec::new();
        let mut index: HashMap<TaskId, usize> = HashMap::new();
        for interval in &self.intervals {
            let at = *index.entry(interval.task).or_insert_with(|| {
                lanes.push(Lane {
                    task: interval.task,
                    label: interval.label(),
                    worker: interval.worker,
                    intervals: Vec::new(),
                });
                lanes.len() - 1
            });
            lanes[at].intervals.push(interval);
        }
        // Stable: within a worker, lanes keep the order of their first interval.
        lanes.sort_by_key(|lane| lane.worker);
        lanes
    }
}

/// One task's row of a chart.
struct Lane<'a> {
    task: TaskId,
    label: String,
    worker: usize,
    intervals: Vec<&'a Interval>,
}

/// A task's stretch as the run loop records it: 32 bytes, times in ns since the
/// scheduler was built.
struct Record {
    task: TaskId,
    start: u64,
    end: u64,
    worker: u32,
    stop: StopReason,
}

/// Records, and the names of the tasks they name: a name is kept once per task, at its
/// first switch, rather than copied (a reference count) at every switch.
#[derive(Default)]
struct Records {
    records: Vec<Record>,
    names: Vec<(TaskId, Arc<str>)>,
}

impl Records {
    /// Moves everything in `other` here.
    fn append(&mut self, other: &mut Records) {
        self.records.append(&mut other.records);
        self.names.append(&mut other.names);
    }
}

/// A scheduler's record of intervals, shared by its threads.
pub(crate) struct Sink {
    scheduler: &'static str,
    scheduler_id: u32,
    workers: usize,
    /// Time zero of the intervals: when the scheduler was built.
    origin: Instant,
    records: Mutex<Records>,
}

impl Sink {
    /// The record of a scheduler of type `scheduler` with `workers` threads, built now.
    pub(crate) fn new(scheduler: &'static str, workers: usize) -> Self {
        static NEXT_ID: AtomicU32 = AtomicU32::new(1);
        Sink {
            scheduler,
            scheduler_id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            workers,
            origin: Instant::now(),
            records: Mutex::new(Records::default()),
        }
    }

    fn records(&self) -> std::sync::MutexGuard<'_, Records> {
        // A panic while the lock is held leaves whole records behind: keep them.
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The intervals moved here so far.
    pub(crate) fn timeline(&self) -> Timeline {
        let records = self.records();
        let names: HashMap<TaskId, &Arc<str>> =
            records.names.iter().map(|(id, name)| (*id, name)).collect();
        let mut intervals: Vec<Interval> = records
            .records
            .iter()
            .map(|r| Interval {
                task: r.task,
                name: names.get(&r.task).map(|name| Arc::clone(name)),
                worker: r.worker as usize,
                start: Duration::from_nanos(r.start),
                end: Duration::from_nanos(r.end),
                stop: r.stop,
            })
            .collect();
        intervals.sort_by_key(|i| (i.start, i.worker));
        Timeline {
            scheduler: self.scheduler,
            scheduler_id: self.scheduler_id,
            workers: self.workers,
            recorded: true,
            intervals,
        }
    }
}

impl Timeline {
    /// The timeline of a scheduler that does not record.
    pub(crate) fn unrecorded(scheduler: &'static str, workers: usize) -> Self {
        Timeline {
            scheduler,
            scheduler_id: 0,
            workers,
            recorded: false,
            intervals: Vec::new(),
        }
    }
}

/// One scheduler thread's side of the record: its buffer, moved to the [`Sink`] now and
/// then (see the module docs). Used by its thread alone.
pub(crate) struct Recorder {
    sink: Arc<Sink>,
    /// The sink's time zero.
    origin: Instant,
    worker: u32,
    buffer: RefCell<Records>,
}

impl Recorder {
    /// The recorder of scheduler thread `worker`, which moves its intervals to `sink`.
    pub(crate) fn new(sink: Arc<Sink>, worker: usize) -> Self {
        Recorder {
            origin: sink.origin,
            sink,
            worker: u32::try_from(worker).expect("fewer than 2^32 workers"),
            buffer: RefCell::new(Records::default()),
        }
    }

    /// Records that `header`'s task ran from `start` to `end` and switched out with
    /// `result`. When the task has ended, the buffer goes to the record at once, so that
    /// whoever learns of the end (a `join`, `run` returning) finds its intervals there.
    pub(crate) fn record(
        &self,
        header: &Header,
        start: Instant,
        end: Instant,
        result: &Result<CoroutineState<Switch, ()>, Interrupt>,
    ) {
        let stop = StopReason::of(header, result);
        let nanos = |at: Instant| at.saturating_duration_since(self.origin).as_nanos() as u64;
        let mut buffer = self.buffer.borrow_mut();
        if header.switches() == 1 {
            if let Some(name) = &header.name {
                buffer.names.push((header.id, name.clone()));
            }
        }
        buffer.records.push(Record {
            task: header.id,
            start: nanos(start),
            end: nanos(end),
            worker: self.worker,
            stop,
        });
        if stop.is_end() || buffer.records.len() >= FLUSH_EVERY {
            self.sink.records().append(&mut buffer);
        }
    }

    /// Moves the buffered intervals to the record.
    pub(crate) fn flush(&self) {
        let mut buffer = self.buffer.borrow_mut();
        if !buffer.records.is_empty() || !buffer.names.is_empty() {
            self.sink.records().append(&mut buffer);
        }
    }
}
