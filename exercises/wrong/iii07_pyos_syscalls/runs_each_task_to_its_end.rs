//! Known-wrong solution of exercise III.7 (cheat class: run-to-end instead of interleaved).
//!
//! See the `// WRONG:` comment below.
//!
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
        // WRONG: runs each task to its end before the next one starts.
        while let Some((tid, mut task, mut reply)) = self.ready.pop_front() {
            loop {
                let call = match task.send(reply) {
                    CoroutineState::Complete(()) => break,
                    CoroutineState::Yielded(call) => call,
                };
                reply = match call {
                    SysCall::Log(text) => {
                        self.write(format!("{tid}: {text}"));
                        Reply::Logged
                    }
                    SysCall::GetTid => Reply::Tid(tid),
                    SysCall::NewTask(child) => Reply::Tid(self.spawn(child)),
                    SysCall::KillTask(target) => Reply::Done(self.kill(target)),
                    SysCall::WaitTask(_) => Reply::Done(false),
                };
            }
            drop(task);
            self.write(format!("{tid} exited"));
            self.wake(tid);
        }
    }

    fn write(&self, line: String) {
        self.log.borrow_mut().push(line);
    }

    fn is_live(&self, tid: Tid) -> bool {
        self.ready.iter().any(|(t, _, _)| *t == tid)
            || self.waiting.iter().any(|(t, _, _)| *t == tid)
    }

    /// Drops the task `target` if it is ready or waiting; wakes its waiters.
    fn kill(&mut self, target: Tid) -> bool {
        let task = if let Some(at) = self.ready.iter().position(|(t, _, _)| *t == target) {
            self.ready.remove(at).map(|(_, task, _)| task)
        } else if let Some(at) = self.waiting.iter().position(|(t, _, _)| *t == target) {
            Some(self.waiting.remove(at).2)
        } else {
            None
        };
        let Some(task) = task else {
            return false;
        };
        drop(task);
        self.write(format!("{target} killed"));
        self.wake(target);
        true
    }

    /// Moves the tasks waiting for `ended` to the back of the ready queue, in order.
    fn wake(&mut self, ended: Tid) {
        let (woken, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(_, target, _)| *target == ended);
        self.waiting = still;
        for (tid, _, task) in woken {
            self.ready.push_back((tid, task, Reply::Done(true)));
        }
    }
}
