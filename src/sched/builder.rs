//! Configuring a scheduler: the settings both schedulers share.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::{Config, SlowTask};

/// Configures a scheduler `S` ([`RoundRobin`](super::RoundRobin) or
/// [`WorkQueue`](super::WorkQueue)): task stack size, slow-task reports, time slice.
/// Get one from `RoundRobin::builder()` or `WorkQueue::builder()`.
///
/// # Examples
/// ```
/// use yieldpoint::sched::{Builder, RoundRobin, WorkQueue};
///
/// let round_robin = Builder::<RoundRobin>::new().stack_size(128 * 1024).build();
/// assert_eq!(round_robin.block_on(|| 1 + 1), 2);
/// let work_queue = Builder::<WorkQueue>::new().workers(2).build();
/// assert_eq!(work_queue.block_on(|| 2 + 2), 4);
/// ```
#[must_use = "a Builder does nothing until build() is called"]
pub struct Builder<S> {
    pub(crate) config: Config,
    /// Worker threads (work-queue only; `None`: available parallelism).
    pub(crate) workers: Option<usize>,
    /// Prefix of worker thread names (work-queue only).
    pub(crate) thread_name: String,
    _scheduler: PhantomData<fn() -> S>,
}

impl<S> Builder<S> {
    /// Default settings.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::{Builder, RoundRobin};
    ///
    /// let rt = Builder::<RoundRobin>::new().build(); // the same as RoundRobin::new()
    /// assert_eq!(rt.block_on(|| "default"), "default");
    /// ```
    pub fn new() -> Self {
        Builder {
            config: Config::default(),
            workers: None,
            thread_name: String::from("yieldpoint-worker"),
            _scheduler: PhantomData,
        }
    }

    /// Default usable stack size of each task, in bytes (64 KiB unless set); raised to
    /// [`MIN_STACK_SIZE`](crate::stack::MIN_STACK_SIZE) and rounded up to whole pages.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().stack_size(256 * 1024).build();
    /// let sum = rt.block_on(|| {
    ///     let buf = [1u8; 100 * 1024]; // would overflow the default 64 KiB
    ///     buf.iter().map(|&b| u32::from(b)).sum::<u32>()
    /// });
    /// assert_eq!(sum, 100 * 1024);
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.config.stack_size = bytes;
        self
    }

    /// Reports every task that runs longer than `threshold` without reaching a yield
    /// point; by default one line on stderr, see [`on_slow_task`](Self::on_slow_task).
    ///
    /// Python: asyncio debug mode's `loop.slow_callback_duration` (100 ms there). Off
    /// unless set: measuring costs two clock reads per switch.
    ///
    /// # Examples
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let slow_ids = Arc::new(Mutex::new(Vec::new()));
    /// let sink = slow_ids.clone();
    /// let rt = RoundRobin::builder()
    ///     .slow_task_threshold(Duration::from_millis(5))
    ///     .on_slow_task(move |slow| sink.lock().unwrap().push(slow.id))
    ///     .build();
    /// let fast = rt.spawn(|| yieldpoint::yield_now());
    /// let hog = rt.spawn(|| std::thread::sleep(Duration::from_millis(15)));
    /// rt.run();
    /// // The hog is reported. (The quick task normally is not, but an overloaded machine
    /// // can pause any thread for 5 ms, so that is not asserted.)
    /// assert!(slow_ids.lock().unwrap().contains(&hog.id()));
    /// # let _ = fast;
    /// ```
    pub fn slow_task_threshold(mut self, threshold: Duration) -> Self {
        self.config.slow_task_threshold = Some(threshold);
        self
    }

    /// Sends slow-task reports to `callback` instead of stderr.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let reports = Arc::new(Mutex::new(Vec::new()));
    /// let sink = reports.clone();
    /// let rt = RoundRobin::builder()
    ///     .slow_task_threshold(Duration::from_millis(5))
    ///     .on_slow_task(move |slow| sink.lock().unwrap().push(slow.name.clone()))
    ///     .build();
    /// rt.spawn_with(yieldpoint::task::Builder::new().name("hog"), || {
    ///     std::thread::sleep(Duration::from_millis(20)); // blocks without yielding
    /// }).unwrap();
    /// rt.run();
    /// assert_eq!(reports.lock().unwrap()[0].as_deref(), Some("hog"));
    /// ```
    pub fn on_slow_task(mut self, callback: impl Fn(&SlowTask) + Send + Sync + 'static) -> Self {
        self.config.on_slow_task = Arc::new(callback);
        self
    }

    /// How long a task runs before [`maybe_yield`](crate::maybe_yield) yields (10 ms
    /// unless set).
    ///
    /// # Examples
    /// ```
    /// use std::{cell::Cell, rc::Rc, time::Duration};
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().time_slice(Duration::from_millis(2)).build();
    /// let stop = Rc::new(Cell::new(false));
    /// let flag = stop.clone();
    /// let spinner = rt.spawn(move || while !flag.get() { yieldpoint::maybe_yield() });
    /// let flag = stop.clone();
    /// rt.spawn(move || flag.set(true)); // runs once the spinner's 2 ms slice is spent
    /// rt.run();
    /// assert!(spinner.join().is_ok());
    /// ```
    pub fn time_slice(mut self, slice: Duration) -> Self {
        self.config.time_slice = slice;
        self
    }
}

impl<S> Default for Builder<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> fmt::Debug for Builder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .field("workers", &self.workers)
            .field("thread_name", &self.thread_name)
            .finish()
    }
}
