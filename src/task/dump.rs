//! Task dumps: every task of a scheduler at one moment, with what it waits for, for how
//! long, where it was spawned, which thread runs it and, when captured, where it parked;
//! grouped by state and spawn site, so that 10,000 tasks stuck on one channel read as one
//! line.
//!
//! Python: `asyncio.all_tasks()` with each task's `print_stack()`; Go's goroutine dump
//! (`SIGQUIT`, `runtime.Stack(buf, true)`), which also groups identical stacks in its
//! `pprof` form.
//!
//! ```
//! use yieldpoint::sched::RoundRobin;
//! use yieldpoint::sync::Event;
//! use yieldpoint::task::{Builder, TaskState, WaitReason};
//!
//! let rt = RoundRobin::new();
//! let event = std::rc::Rc::new(Event::new());
//! for i in 0..3 {
//!     let event = event.clone();
//!     rt.spawn_with(Builder::new().name(format!("waiter-{i}")), move || event.wait()).unwrap();
//! }
//! rt.block_on(|| yieldpoint::yield_now()); // the waiters start and park
//! let dump = rt.dump();
//! assert_eq!(dump.len(), 3);
//! let groups = dump.groups();
//! assert_eq!(groups.len(), 1); // one state, one spawn site
//! assert_eq!(groups[0].state, TaskState::Waiting(WaitReason::Event));
//! assert_eq!(groups[0].tasks.len(), 3);
//! assert!(dump.to_string().contains("3 tasks waiting on an event, spawned at"));
//! # event.set();
//! # rt.run();
//! ```

use std::backtrace::Backtrace;
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::panic::Location;
use std::sync::Arc;
use std::thread::Thread;
use std::time::{Duration, Instant};

use super::header::Header;
use super::{TaskSnapshot, TaskState, WaitReason};

/// One task in a [`TaskDump`]: its [`TaskSnapshot`] (id, name, state, switches, spawn
/// site; reached through `Deref`), and what only a dump adds.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
///
/// let rt = RoundRobin::new();
/// let idle = rt.spawn(|| ()); // not started: ready, not parked
/// let dump = rt.dump();
/// let task = dump.tasks().iter().find(|t| t.id == idle.id()).unwrap();
/// assert_eq!(task.spawned_at.line(), line!() - 3);
/// assert_eq!(task.waiting_for, None);
/// # rt.run();
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DumpedTask {
    /// What a snapshot shows: id, name, state, switches, spawn site.
    pub task: TaskSnapshot,
    /// How long the task has been parked (sleeping or waiting), when its scheduler records
    /// park times (`record_park_times` or `capture_park_backtraces` on its builder, or the
    /// `YIELDPOINT_DUMP_ON_STALL` environment variable); `None` otherwise, and for tasks
    /// that are not parked.
    pub waiting_for: Option<Duration>,
    /// The OS thread that runs the task (a `WorkQueue` worker, or the `RoundRobin`'s
    /// thread); `None` for a task that has not been placed on a thread yet.
    pub worker: Option<Thread>,
    /// Where the task parked, when its scheduler captures park backtraces
    /// (`capture_park_backtraces` on its builder); `None` otherwise, and for tasks that
    /// are not parked.
    pub park_backtrace: Option<Arc<Backtrace>>,
}

impl DumpedTask {
    /// The dump entry of `header`'s task, as of `now`.
    pub(crate) fn of(header: &Header, now: Instant) -> Self {
        let task = TaskSnapshot::of(header);
        let parked = matches!(task.state, TaskState::Sleeping | TaskState::Waiting(_));
        DumpedTask {
            waiting_for: parked.then(|| header.parked_for(now)).flatten(),
            worker: header.owner().map(|owner| owner.thread().clone()),
            park_backtrace: parked.then(|| header.park_backtrace()).flatten(),
            task,
        }
    }
}

impl Deref for DumpedTask {
    type Target = TaskSnapshot;

    fn deref(&self) -> &TaskSnapshot {
        &self.task
    }
}

/// Every task of a scheduler at one moment, from
/// [`RoundRobin::dump`](crate::sched::RoundRobin::dump),
/// [`WorkQueue::dump`](crate::sched::WorkQueue::dump) or, inside a green thread,
/// [`task::dump`](crate::task::dump()).
///
/// `Display` prints every task, grouped by state and spawn site, largest group first, one
/// row per task (id, name, time parked, switches, thread), each followed by its park
/// backtrace when one was captured. [`summary`](Self::summary) prints one line per group.
///
/// Python: `for t in asyncio.all_tasks(): t.print_stack()`.
///
/// # Examples
/// ```
/// use yieldpoint::sched::RoundRobin;
/// use yieldpoint::task::Builder;
///
/// let rt = RoundRobin::new();
/// rt.spawn_with(Builder::new().name("parser"), || ()).unwrap();
/// let dump = rt.dump();
/// let text = dump.to_string();
/// assert!(text.starts_with("yieldpoint task dump: 1 task in 1 group"), "{text}");
/// assert!(text.contains("parser"));
/// # rt.run();
/// ```
#[derive(Debug, Clone, Default)]
pub struct TaskDump {
    /// Sorted by id.
    tasks: Vec<DumpedTask>,
}

impl TaskDump {
    /// The dump of `tasks`, in any order.
    pub(crate) fn new(mut tasks: Vec<DumpedTask>) -> Self {
        tasks.sort_unstable_by_key(|t| t.id);
        TaskDump { tasks }
    }

    /// Every task, by id.
    pub fn tasks(&self) -> &[DumpedTask] {
        &self.tasks
    }

    /// How many tasks the dump holds.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the dump holds no task.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The tasks grouped by state and spawn site: the largest group first, then by state
    /// and site; within a group, by id.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    /// use yieldpoint::task::TaskState;
    ///
    /// let rt = RoundRobin::new();
    /// for _ in 0..2 {
    ///     rt.spawn(|| ()); // one site, twice
    /// }
    /// rt.spawn(|| ()); // another site
    /// let dump = rt.dump();
    /// let groups = dump.groups();
    /// assert_eq!(groups.iter().map(|g| g.tasks.len()).collect::<Vec<_>>(), [2, 1]);
    /// assert!(groups.iter().all(|g| g.state == TaskState::Ready));
    /// # rt.run();
    /// ```
    pub fn groups(&self) -> Vec<TaskGroup<'_>> {
        let mut index: HashMap<GroupKey, usize> = HashMap::new();
        let mut groups: Vec<TaskGroup<'_>> = Vec::new();
        for task in &self.tasks {
            let key = GroupKey::of(task);
            let at = *index.entry(key).or_insert_with(|| {
                groups.push(TaskGroup {
                    state: task.state,
                    spawned_at: task.spawned_at,
                    tasks: Vec::new(),
                });
                groups.len() - 1
            });
            groups[at].tasks.push(task);
        }
        groups.sort_by(|a, b| {
            b.tasks
                .len()
                .cmp(&a.tasks.len())
                .then_with(|| GroupKey::of_group(a).cmp(&GroupKey::of_group(b)))
        });
        groups
    }

    /// One line per group (count, state, spawn site) with the ids of the first
    /// `examples` tasks: what a stall report prints.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::new();
    /// for _ in 0..5 {
    ///     rt.spawn(|| ());
    /// }
    /// let dump = rt.dump();
    /// let summary = dump.summary(2).to_string();
    /// assert_eq!(summary.lines().count(), 1);
    /// assert!(summary.contains("5 tasks ready, spawned at"), "{summary}");
    /// assert!(summary.ends_with(", ...)"), "{summary}"); // two ids, then more
    /// # rt.run();
    /// ```
    pub fn summary(&self, examples: usize) -> DumpSummary<'_> {
        DumpSummary {
            dump: self,
            examples,
        }
    }
}

impl IntoIterator for TaskDump {
    type Item = DumpedTask;
    type IntoIter = std::vec::IntoIter<DumpedTask>;

    fn into_iter(self) -> Self::IntoIter {
        self.tasks.into_iter()
    }
}

/// What tasks are grouped by: state, then spawn site (file, line, column).
#[derive(PartialEq, Eq, Hash, PartialOrd, Ord)]
struct GroupKey {
    state: (u8, u8),
    site: (&'static str, u32, u32),
}

impl GroupKey {
    fn new(state: TaskState, site: &'static Location<'static>) -> Self {
        let state = match state {
            TaskState::Running => (0, 0),
            TaskState::Ready => (1, 0),
            TaskState::Waiting(reason) => (2, reason as u8),
            TaskState::Sleeping => (3, 0),
        };
        GroupKey {
            state,
            site: (site.file(), site.line(), site.column()),
        }
    }

    fn of(task: &DumpedTask) -> Self {
        GroupKey::new(task.state, task.spawned_at)
    }

    fn of_group(group: &TaskGroup<'_>) -> Self {
        GroupKey::new(group.state, group.spawned_at)
    }
}

/// The tasks of a [`TaskDump`] in one state, spawned at one site.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskGroup<'a> {
    /// The state they share.
    pub state: TaskState,
    /// Where they were spawned.
    pub spawned_at: &'static Location<'static>,
    /// The tasks, by id.
    pub tasks: Vec<&'a DumpedTask>,
}

impl fmt::Display for TaskGroup<'_> {
    /// "600 tasks waiting on a channel receive, spawned at src/main.rs:12:9".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.tasks.len();
        let tasks = if n == 1 { "task" } else { "tasks" };
        write!(
            f,
            "{n} {tasks} {}, spawned at {}",
            StateText(self.state),
            self.spawned_at
        )
    }
}

/// A state as a phrase: "ready", "waiting on a channel receive".
struct StateText(TaskState);

impl fmt::Display for StateText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            TaskState::Ready => f.write_str("ready"),
            TaskState::Running => f.write_str("running"),
            TaskState::Sleeping => f.write_str("sleeping"),
            TaskState::Waiting(reason) => write!(f, "waiting on {}", WaitText(reason)),
        }
    }
}

/// What a task waits on, as a noun phrase.
struct WaitText(WaitReason);

impl fmt::Display for WaitText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            WaitReason::Sleep => "a sleep",
            WaitReason::Join => "a join",
            WaitReason::ChannelSend => "a channel send",
            WaitReason::ChannelRecv => "a channel receive",
            WaitReason::Mutex => "a mutex",
            WaitReason::Event => "an event",
            WaitReason::Semaphore => "a semaphore",
            WaitReason::Blocking => "spawn_blocking work",
            WaitReason::Future => "a future",
            WaitReason::Readable => "a descriptor to become readable",
            WaitReason::Writable => "a descriptor to become writable",
        })
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups = self.groups();
        let n = self.tasks.len();
        writeln!(
            f,
            "yieldpoint task dump: {n} {} in {} {}",
            if n == 1 { "task" } else { "tasks" },
            groups.len(),
            if groups.len() == 1 { "group" } else { "groups" },
        )?;
        for group in &groups {
            writeln!(f, "\n{group}")?;
            writeln!(
                f,
                "  {:>8}  {:<20}  {:>12}  {:>8}  thread",
                "id", "name", "parked for", "switches"
            )?;
            for task in &group.tasks {
                let waited = task
                    .waiting_for
                    .map_or_else(|| String::from("-"), |d| format!("{d:.1?}"));
                writeln!(
                    f,
                    "  {:>8}  {:<20}  {:>12}  {:>8}  {}",
                    task.id.as_u64(),
                    task.name.as_deref().unwrap_or("-"),
                    waited,
                    task.switches,
                    task.worker
                        .as_ref()
                        .map_or("-", |t| t.name().unwrap_or("<unnamed>")),
                )?;
                if let Some(backtrace) = &task.park_backtrace {
                    writeln!(f, "    parked at:")?;
                    for line in task_frames(&backtrace.to_string()).lines() {
                        writeln!(f, "    {line}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// One line per group of a [`TaskDump`], with a few example ids; see
/// [`TaskDump::summary`].
#[derive(Debug, Clone, Copy)]
pub struct DumpSummary<'a> {
    dump: &'a TaskDump,
    examples: usize,
}

impl fmt::Display for DumpSummary<'_> {
    /// "600 tasks waiting on a channel receive, spawned at src/main.rs:12:9 (tasks 3, 4,
    /// 5, ...)", one line per group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.dump.groups().iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{group}")?;
            if self.examples == 0 {
                continue;
            }
            let ids: Vec<String> = group
                .tasks
                .iter()
                .take(self.examples)
                .map(|t| describe(t))
                .collect();
            let more = if group.tasks.len() > self.examples {
                ", ..."
            } else {
                ""
            };
            let label = if group.tasks.len() == 1 {
                "task"
            } else {
                "tasks"
            };
            write!(f, " ({label} {}{more})", ids.join(", "))?;
        }
        Ok(())
    }
}

/// "7" or "7 \"crawler-3\"".
fn describe(task: &DumpedTask) -> String {
    match &task.name {
        Some(name) => format!("{} \"{name}\"", task.id),
        None => task.id.to_string(),
    }
}

/// The frames of a park backtrace (std's `Display` form: "  N: name" lines, each followed
/// by its "at file:line" lines) that belong to the task: from the caller of the park down
/// to the task's body, without yieldpoint's park itself above them or the coroutine's
/// start and the scheduler below them. The whole text if those frames are not found.
fn task_frames(backtrace: &str) -> &str {
    let mut frames = Vec::new(); // (byte offset of the frame's line, function name)
    let mut at = 0;
    for line in backtrace.split_inclusive('\n') {
        let frame = line.trim_start().split_once(": ");
        if let Some((n, name)) = frame.filter(|(n, _)| n.bytes().all(|b| b.is_ascii_digit())) {
            if !n.is_empty() {
                frames.push((at, name.trim_end()));
            }
        }
        at += line.len();
    }
    let Some(park) = frames
        .iter()
        .position(|(_, n)| n.contains("park_with_backtrace"))
    else {
        return backtrace;
    };
    let start = frames.get(park + 1).map_or(backtrace.len(), |f| f.0);
    let end = frames[park..]
        .iter()
        .find(|(_, n)| n.starts_with("yieldpoint::task::cell::"))
        .map_or(backtrace.len(), |f| f.0);
    &backtrace[start..end.max(start)]
}
