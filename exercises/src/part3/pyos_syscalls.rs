//! Exercise III.7: a pyos of our own, tasks and system calls (PEP 342)
//!
//! You learn how a scheduler talks to its tasks: a task yields a request (a system call),
//! the scheduler acts on it and answers with the next `send`. This is the operating system
//! of David Beazley's course, with `GetTid`, `NewTask`, `KillTask` and `WaitTask`.
//!
//! ```python
//! # Python 2.5 (Beazley, "A Curious Course on Coroutines and Concurrency", 2009, pyos6.py)
//! class WaitTask(SystemCall):
//!     def __init__(self, tid):
//!         self.tid = tid
//!     def handle(self):
//!         result = self.sched.waitforexit(self.task, self.tid)
//!         self.task.sendval = result
//!         # If waiting for a non-existent task, return immediately without waiting
//!         if not result:
//!             self.sched.schedule(self.task)
//! ```
//!
//! The rules (the grader checks the exact log they give):
//!
//! - Tasks get ids 1, 2, 3, ... in the order they are spawned. Ready tasks run round-robin:
//!   a task runs until its next system call, which is handled at once; then the task goes
//!   to the back of the ready queue with its reply (unless it waits).
//! - `Log(text)`: writes `"<tid>: <text>"`; reply `Logged`.
//! - `GetTid`: reply `Tid(<its own id>)`.
//! - `NewTask(task)`: the new task goes to the back of the queue first, then the caller;
//!   reply `Tid(<new id>)`.
//! - `KillTask(tid)`: if `tid` is another live task (ready or waiting), it is dropped (its
//!   destructors run), `"<tid> killed"` is written, and its waiters are woken; reply
//!   `Done(true)`. Otherwise `Done(false)`.
//! - `WaitTask(tid)`: if `tid` is another live task, the caller waits until it ends; reply
//!   `Done(true)` then. Otherwise `Done(false)` at once.
//! - A task that returns ends: `"<tid> exited"` is written and its waiters are woken.
//! - Woken waiters go to the back of the queue, in the order they started waiting, before
//!   the caller of the system call that woke them.
//! - `run` returns when no task is ready. Tasks still waiting stay in the `Os`; dropping it
//!   drops them.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use yieldpoint::{Coroutine, CoroutineState};

/// A task's id.
pub type Tid = u32;

/// What a task asks the OS for.
pub enum SysCall {
    /// Its own id.
    GetTid,
    /// Start this task.
    NewTask(Task),
    /// End that task.
    KillTask(Tid),
    /// Wait until that task ends.
    WaitTask(Tid),
    /// Write a line to the log.
    Log(String),
}

/// The OS's answer, sent to the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// The first send, which starts a task.
    Start,
    /// For `GetTid` and `NewTask`.
    Tid(Tid),
    /// For `KillTask` and `WaitTask`.
    Done(bool),
    /// For `Log`.
    Logged,
}

/// A task: sent replies, yields system calls.
pub type Task = Coroutine<Reply, SysCall, ()>;

/// The log the OS writes to (tasks may write to it too, from their destructors).
pub type Log = Rc<RefCell<Vec<String>>>;

/// The operating system: ready tasks with the reply each is sent next, and waiting tasks.
pub struct Os {
    log: Log,
    ready: VecDeque<(Tid, Task, Reply)>,
    /// `(waiter, the task it waits for, the waiter)`, in the order they started waiting.
    waiting: Vec<(Tid, Tid, Task)>,
    next_tid: Tid,
}

impl Os {
    /// An OS with no tasks, writing to `log`.
    pub fn new(log: Log) -> Self {
        Os {
            log,
            ready: VecDeque::new(),
            waiting: Vec::new(),
            next_tid: 1,
        }
    }

    /// Adds `task` to the back of the ready queue and returns its id.
    pub fn spawn(&mut self, task: Task) -> Tid {
        let tid = self.next_tid;
        self.next_tid += 1;
        self.ready.push_back((tid, task, Reply::Start));
        tid
    }

    /// Runs the ready tasks until none is ready.
    pub fn run(&mut self) {
        // TODO: pop a task, send it its reply, handle what it yields by the rules above;
        // helpers for "kill" and "wake the waiters of a task that ended" keep this short.
        // spawn(task logging "hi") -> run() -> log == ["1: hi", "1 exited"]
        todo!()
    }
}
