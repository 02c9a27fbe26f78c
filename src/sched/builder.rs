//! Configuring a scheduler: each scheduler has its own builder
//! ([`round_robin::Builder`](super::round_robin::Builder),
//! [`work_queue::Builder`](super::work_queue::Builder)) with its own settings; the
//! settings of the shared core (stack size, slow-task reports, time slice) are written
//! once here and given to both.

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use super::timeline::Timeline;

/// Settings of the shared per-thread core (`Local`), whichever scheduler runs it.
#[derive(Clone)]
pub(crate) struct Config {
    /// Usable stack size of each task, in bytes.
    pub(crate) stack_size: usize,
    /// Report tasks that run longer than this between yield points (`None`: off).
    pub(crate) slow_task_threshold: Option<Duration>,
    pub(crate) on_slow_task: super::SlowTaskCallback,
    /// How long a task runs before `maybe_yield` yields.
    pub(crate) time_slice: Duration,
    /// How long a thread may wait with every task parked and no timer set (round-robin's
    /// idle), or while a task unwinds, before it warns of a possible deadlock.
    pub(crate) stall_warning_after: Duration,
    /// Record when each task parks, for the time parked in dumps.
    pub(crate) record_park_times: bool,
    /// Capture a backtrace at each park, for dumps.
    pub(crate) capture_park_backtraces: bool,
    /// Print the full task dump after a stall report (`YIELDPOINT_DUMP_ON_STALL`).
    pub(crate) dump_on_stall: bool,
    /// Install the panic hook that names the task in a green thread's panic message.
    pub(crate) task_panic_hook: bool,
    /// Print a task dump on SIGUSR1 (`sched::signal`).
    pub(crate) dump_on_signal: bool,
    /// The last SIGUSR1 request this scheduler printed a dump for (any of its threads).
    pub(crate) signal_dumps_printed: Arc<AtomicU64>,
    /// The tokio runtime that `future::await_` enters around each poll (`tokio` feature).
    #[cfg(feature = "tokio")]
    pub(crate) tokio: Option<tokio::runtime::Handle>,
    /// Record a timeline (`record_timeline`); the record itself is `timeline`.
    pub(crate) record_timeline: bool,
    /// Where the scheduler's threads record their intervals, made by [`Config::shared`]
    /// when `record_timeline` is on.
    pub(crate) timeline: Option<Arc<super::timeline::Sink>>,
}

impl Config {
    /// The settings of a scheduler of type `scheduler` with `workers` threads, built now:
    /// shared by its threads, with the timeline's record (time zero now) if one is kept.
    pub(crate) fn shared(mut self, scheduler: &'static str, workers: usize) -> Arc<Config> {
        self.timeline = self
            .record_timeline
            .then(|| Arc::new(super::timeline::Sink::new(scheduler, workers)));
        Arc::new(self)
    }

    /// The timeline recorded so far (what the threads have moved to the record) by the
    /// scheduler of type `scheduler` with `workers` threads that has these settings.
    pub(crate) fn timeline(&self, scheduler: &'static str, workers: usize) -> Timeline {
        match &self.timeline {
            Some(sink) => sink.timeline(),
            None => Timeline::unrecorded(scheduler, workers),
        }
    }
}

/// The environment variable that turns on park times and the full dump after a stall
/// report, for every scheduler built after it is set (any value but `0` or empty).
pub(crate) const DUMP_ON_STALL_ENV: &str = "YIELDPOINT_DUMP_ON_STALL";

/// The environment variable that turns `dump_on_signal` on for every scheduler built after
/// it is set (any value but `0` or empty).
pub(crate) const DUMP_ON_SIGNAL_ENV: &str = "YIELDPOINT_DUMP_ON_SIGNAL";

/// Whether the environment variable `name` is set, to anything but `0` or empty.
fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

impl Config {
    /// Whether the run loop reads the clock around each switch: for slow-task reports, park
    /// times or the timeline. One flag, so that the loop tests one branch for all.
    pub(crate) fn instrumented(&self) -> bool {
        self.slow_task_threshold.is_some() || self.records_park_times() || self.record_timeline
    }

    /// Whether the run loop records when each task parks.
    pub(crate) fn records_park_times(&self) -> bool {
        self.record_park_times || self.capture_park_backtraces
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            stack_size: crate::stack::DEFAULT_STACK_SIZE,
            slow_task_threshold: None,
            on_slow_task: Arc::new(|report| eprintln!("yieldpoint: {report}")),
            time_slice: Duration::from_millis(10),
            stall_warning_after: Duration::from_secs(10),
            record_park_times: env_flag(DUMP_ON_STALL_ENV),
            capture_park_backtraces: false,
            dump_on_stall: env_flag(DUMP_ON_STALL_ENV),
            task_panic_hook: true,
            dump_on_signal: env_flag(DUMP_ON_SIGNAL_ENV),
            signal_dumps_printed: Arc::default(),
            #[cfg(feature = "tokio")]
            tokio: None,
            record_timeline: false,
            timeline: None,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("stack_size", &self.stack_size)
            .field("slow_task_threshold", &self.slow_task_threshold)
            .field("time_slice", &self.time_slice)
            .field("record_timeline", &self.record_timeline)
            .field("record_park_times", &self.record_park_times)
            .field("capture_park_backtraces", &self.capture_park_backtraces)
            .finish_non_exhaustive()
    }
}

/// The setters of the core's settings, for a builder `$builder` of scheduler `$sched` with a
/// `config: Config` field.
macro_rules! core_settings {
    ($builder:ty, $sched:ident) => {
        impl $builder {
    /// Default usable stack size of each task, in bytes (64 KiB unless set); raised to
    /// [`MIN_STACK_SIZE`](crate::stack::MIN_STACK_SIZE) and rounded up to whole pages.
    ///
    /// # Examples
    /// ```
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    ///
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().stack_size(256 * 1024).build();")]
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

    /// When every task has waited this long with no timer set and none waits for I/O,
    /// warn on stderr (once) that the program may be deadlocked, with the tasks grouped by
    /// what they wait for and where they were spawned. Default 10 s. On a `WorkQueue`,
    /// every worker must have been idle that long.
    ///
    /// Only another OS thread (holding a channel end, running `spawn_blocking` work) can
    /// wake such tasks; a program that waits on itself hangs, and this turns the silent
    /// hang into a diagnosis (`YIELDPOINT_DUMP_ON_STALL=1` adds the full task dump).
    /// `Duration::MAX` turns the warning off.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    /// use yieldpoint::sync::channel;
    ///
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().stall_warning_after(Duration::from_millis(1)).build();")]
    /// let (tx, rx) = channel::bounded(1);
    /// let sender = std::thread::spawn(move || {
    ///     std::thread::sleep(Duration::from_millis(10));
    ///     tx.send("late").unwrap();
    /// });
    /// // Warns once on stderr after 1 ms, then keeps waiting: a warning, not an error.
    /// assert_eq!(rt.block_on(move || rx.recv().unwrap()), "late");
    /// sender.join().unwrap();
    /// ```
    pub fn stall_warning_after(mut self, after: std::time::Duration) -> Self {
        self.config.stall_warning_after = after;
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
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    ///
    /// let slow_ids = Arc::new(Mutex::new(Vec::new()));
    /// let sink = slow_ids.clone();
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder()")]
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
    pub fn slow_task_threshold(mut self, threshold: std::time::Duration) -> Self {
        self.config.slow_task_threshold = Some(threshold);
        self
    }

    /// Sends slow-task reports to `callback` instead of stderr.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    ///
    /// let reports = Arc::new(Mutex::new(Vec::new()));
    /// let sink = reports.clone();
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder()")]
    ///     .slow_task_threshold(Duration::from_millis(5))
    ///     .on_slow_task(move |slow| sink.lock().unwrap().push(slow.name.clone()))
    ///     .build();
    /// rt.spawn_with(yieldpoint::task::Builder::new().name("hog"), || {
    ///     std::thread::sleep(Duration::from_millis(20)); // blocks without yielding
    /// }).unwrap();
    /// rt.run();
    /// assert_eq!(reports.lock().unwrap()[0].as_deref(), Some("hog"));
    /// ```
    pub fn on_slow_task(mut self, callback: impl Fn(&$crate::sched::SlowTask) + Send + Sync + 'static) -> Self {
        self.config.on_slow_task = std::sync::Arc::new(callback);
        self
    }

    /// How long a task runs before [`maybe_yield`](crate::maybe_yield) yields (10 ms
    /// unless set).
    ///
    /// # Examples
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::{sync::Arc, time::Duration};
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    ///
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().time_slice(Duration::from_millis(2)).build();")]
    /// let stop = Arc::new(AtomicBool::new(false));
    /// let flag = stop.clone();
    /// let spinner = rt.spawn(move || while !flag.load(Ordering::SeqCst) { yieldpoint::maybe_yield() });
    /// let flag = stop.clone();
    /// // On one thread, this runs once the spinner's 2 ms slice is spent.
    /// rt.spawn(move || flag.store(true, Ordering::SeqCst));
    /// rt.run();
    /// assert!(spinner.join().is_ok());
    /// ```
    pub fn time_slice(mut self, slice: std::time::Duration) -> Self {
        self.config.time_slice = slice;
        self
    }

    /// Records a timeline of the run: for every switch, which task ran, on which worker,
    /// from when to when, and why it stopped; read it with
    #[doc = concat!(" [`", stringify!($sched), "::timeline`](crate::sched::", stringify!($sched), "::timeline)")]
    /// and draw it with [`Timeline::to_svg`](crate::sched::timeline::Timeline::to_svg), or
    /// write it for Perfetto with `Timeline::to_chrome_trace` (cargo feature `chrome-trace`).
    /// Off unless set. See the [`timeline`](crate::sched::timeline) module.
    ///
    /// Cost: off, nothing: the run loop's one check per switch for the slow-task report
    /// covers both (callgrind counted 199.7 instructions per `yield_now` switch with it,
    /// 201.7 before timelines existed). On, two clock reads and an append per switch, and
    /// 32 bytes per switch until the scheduler is dropped: a million switches keep 32 MB.
    /// On the 2-core development machine, `cargo run --release --example timeline_cost`
    /// (two tasks yielding to each other, a million switches, median of 7 runs) measured
    /// 14.5 ns per switch off and 116 to 137 ns on; the two clock reads are about 90 ns of
    /// that (`Instant::now()` takes about 45 ns on that virtual machine).
    ///
    /// Python: none built in (asyncio's debug mode reports only slow callbacks); a
    /// tracer such as `viztracer` records the same kind of trace from outside.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::timeline::StopReason;
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    ///
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().record_timeline(true).build();")]
    /// let task = rt.spawn(|| yieldpoint::yield_now());
    /// rt.run();
    /// let timeline = rt.timeline();
    /// let stops: Vec<_> = timeline.intervals().iter().map(|i| (i.task, i.stop)).collect();
    /// assert_eq!(stops, [(task.id(), StopReason::Yielded), (task.id(), StopReason::Finished)]);
    /// ```
    pub fn record_timeline(mut self, on: bool) -> Self {
        self.config.record_timeline = on;
        self
    }

    /// Records when each task parks, so that a [`TaskDump`](crate::task::TaskDump) shows
    /// how long each parked task has waited ([`DumpedTask::waiting_for`](crate::task::DumpedTask::waiting_for)).
    /// Off by default; also on when the environment variable `YIELDPOINT_DUMP_ON_STALL` is
    /// set (not to `0`) when the builder is made.
    ///
    /// Cost: one clock read (`Instant::now`) when a task parks, shared with slow-task
    /// reports when both are on. Measured on the 2-core development machine (release
    /// build, `scripts/perf-report --only park_cost`, medians of 11 samples, two runs): a
    /// park and wake took 77 ns with it, 43 ns without. Off, the run loop tests the one
    /// flag it tests for slow-task reports, before and after each switch.
    ///
    /// Python: no equivalent; Go's goroutine dump prints "[chan receive, 5 minutes]".
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    /// use yieldpoint::sync::Event;
    /// use yieldpoint::task::{self, TaskState, WaitReason};
    ///
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().record_park_times(true).build();")]
    /// let parked_for = rt.block_on(|| {
    ///     let event = std::sync::Arc::new(Event::new());
    ///     let e = event.clone();
    ///     let waiter = yieldpoint::spawn(move || e.wait());
    ///     let waits = TaskState::Waiting(WaitReason::Event);
    ///     while !task::all_tasks().iter().any(|t| t.id == waiter.id() && t.state == waits) {
    ///         yieldpoint::yield_now(); // until the waiter has parked
    ///     }
    ///     yieldpoint::sleep(Duration::from_millis(20));
    ///     let dump = task::dump();
    ///     let parked_for = dump.tasks().iter().find(|t| t.id == waiter.id()).unwrap().waiting_for;
    ///     event.set();
    ///     parked_for
    /// });
    /// assert!(parked_for.unwrap() >= Duration::from_millis(20));
    /// ```
    pub fn record_park_times(mut self, on: bool) -> Self {
        self.config.record_park_times = on;
        self
    }

    /// Captures a backtrace ([`Backtrace::force_capture`](std::backtrace::Backtrace::force_capture))
    /// at each park of a task, kept until the task is woken, so that a
    /// [`TaskDump`](crate::task::TaskDump) shows where each parked task waits
    /// ([`DumpedTask::park_backtrace`](crate::task::DumpedTask::park_backtrace)). Implies
    /// [`record_park_times`](Self::record_park_times). Off by default.
    ///
    /// Cost: a stack walk per park, plus the symbol lookup when a dump is printed. Measured
    /// on the 2-core development machine (release build, `scripts/perf-report --only
    /// park_cost`, medians of 11 samples, two runs): a park and wake took 5.6 µs with it,
    /// 43 ns without, about 130 times as long. For debugging, not production. Off, a park
    /// tests one more flag, already loaded with the task's other context (measured with
    /// callgrind: no more instructions per `channel_ping_pong` round trip than before).
    ///
    /// Python: `task.print_stack()`, which a suspended coroutine answers from its frame
    /// for free; a stackful task has no such frame chain to read later.
    ///
    /// # Examples
    /// ```
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    /// use yieldpoint::sync::Event;
    ///
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().capture_park_backtraces(true).build();")]
    /// rt.block_on(|| {
    ///     let event = std::sync::Arc::new(Event::new());
    ///     let e = event.clone();
    ///     let waiter = yieldpoint::spawn(move || e.wait());
    ///     let dump = loop {
    ///         let dump = yieldpoint::task::dump();
    ///         if dump.tasks().iter().any(|t| t.id == waiter.id() && t.park_backtrace.is_some()) {
    ///             break dump;
    ///         }
    ///         yieldpoint::yield_now();
    ///     };
    ///     assert!(dump.to_string().contains("parked at:"));
    ///     event.set();
    ///     waiter.join().unwrap();
    /// });
    /// ```
    pub fn capture_park_backtraces(mut self, on: bool) -> Self {
        self.config.capture_park_backtraces = on;
        self
    }

    /// Whether building the scheduler installs yieldpoint's panic hook (on unless set),
    /// which names the task a panic happens in. std's hook names only the OS thread, which
    /// many tasks share; with yieldpoint's, a panic inside a green thread prints
    ///
    /// ```text
    /// yieldpoint: task 7 'crawler-3' (spawned at src/main.rs:10:5) panicked on thread 'main':
    ///
    /// thread 'main' panicked at src/crawl.rs:3:5:
    /// index out of bounds: the len is 3 but the index is 7
    /// ```
    ///
    /// The hook is installed once per process, by the first scheduler built with this on,
    /// and chains to the hook that was set before it ([`std::panic::take_hook`]), which
    /// then prints the panic as usual (std's, with `RUST_BACKTRACE` as ever) or does what
    /// the program made it do (log, print a hint, stay quiet): yieldpoint only adds the
    /// first line, for panics inside green threads. A hook the program sets after the
    /// scheduler is built replaces yieldpoint's, as any `set_hook` does. Cancels and
    /// timeouts unwind without a panic message, as before.
    ///
    /// Python: asyncio names the task in "Task exception was never retrieved ... task:
    /// <Task ... name='crawler-3'>".
    ///
    /// # Examples
    /// ```
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    ///
    /// // Keeps the process's hook as it is (say, one that logs elsewhere).
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().task_panic_hook(false).build();")]
    /// assert_eq!(rt.block_on(|| 1), 1);
    /// ```
    pub fn task_panic_hook(mut self, on: bool) -> Self {
        self.config.task_panic_hook = on;
        self
    }

    /// Prints a task dump of this scheduler on stderr whenever the process receives
    /// SIGUSR1 (`kill -USR1 <pid>`), while the program runs: a look at a program that
    /// seems stuck or slow, without stopping it. Off unless set, or unless the environment
    /// variable `YIELDPOINT_DUMP_ON_SIGNAL` is set (not to `0`) when the builder is made.
    ///
    /// A busy scheduler prints within 61 switches of one of its threads, an idle one at
    /// once: a thread of yieldpoint's (`yieldpoint-signals`) receives the signal and wakes
    /// the scheduler's threads. Add [`record_park_times`](Self::record_park_times) for how
    /// long each task has waited. Once on, SIGUSR1 no longer ends the process (its
    /// default action); signal-hook chains to a handler the program installed before.
    /// Unix only, as the crate. Costs nothing per switch: the check rides on the periodic
    /// one, and on the wakeup from an idle wait.
    ///
    /// Python: `faulthandler.register(signal.SIGUSR1)`; Go's `SIGQUIT` dump.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    ///
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().dump_on_signal(true).build();")]
    /// rt.block_on(|| {
    ///     // `kill -USR1 <pid>` from a shell; here the program signals itself.
    ///     signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
    ///     yieldpoint::sleep(Duration::from_millis(50)); // the dump goes to stderr meanwhile
    /// });
    /// ```
    pub fn dump_on_signal(mut self, on: bool) -> Self {
        self.config.dump_on_signal = on;
        self
    }

    /// Gives the scheduler a tokio runtime: the scheduler's threads enter `handle` for as
    /// long as they run (its loop and every green thread), so green threads create and
    /// await, with [`future::await_`](crate::future::await_), the futures that need tokio's
    /// reactor or timer (`tokio::time::sleep`, `tokio::net::TcpStream`), and may
    /// `tokio::spawn`. Without it those panic ("there is no reactor running, must be
    /// called from the context of a Tokio 1.x runtime"). Only with the `tokio` cargo
    /// feature.
    ///
    /// The runtime must be driven while the futures wait: a multi-thread runtime drives
    /// its reactor and timers on its own workers; a current-thread one only while a thread
    /// runs its `block_on`. The context is entered on the scheduler's own stack, below
    /// every switch to a green thread, so no guard ever lives across a switch.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    #[doc = concat!(" use yieldpoint::sched::", stringify!($sched), ";")]
    ///
    /// let tokio = tokio::runtime::Runtime::new().unwrap();
    #[doc = concat!(" let rt = ", stringify!($sched), "::builder().tokio_handle(tokio.handle().clone()).build();")]
    /// let slept = rt.block_on(|| {
    ///     yieldpoint::future::await_(tokio::time::sleep(Duration::from_millis(1)));
    ///     "slept on tokio's timer"
    /// });
    /// assert_eq!(slept, "slept on tokio's timer");
    /// ```
    #[cfg(feature = "tokio")]
    pub fn tokio_handle(mut self, handle: tokio::runtime::Handle) -> Self {
        self.config.tokio = Some(handle);
        self
    }
        }
    };
}
pub(crate) use core_settings;
