//! Known-wrong solution of exercise V.2 (cheat class: poll every task in a loop instead of the woken ones).
//!
//! `run` polls every unfinished task, pass after pass, until all are done: the six lines
//! come out right, but a task is polled whether or not it was woken, and a task that waits
//! for something else keeps the loop spinning.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use exercises::part5::yield_now;

/// The lines the tasks print, in order.
pub type Lines = Rc<RefCell<Vec<String>>>;

/// Part I's countdown: pushes `"Down n"`, ..., `"Down 1"`, with a yield point after each
/// line.
pub async fn countdown(mut n: u32, lines: Lines) {
    while n > 0 {
        lines.borrow_mut().push(format!("Down {n}"));
        n -= 1;
        yield_now().await;
    }
}

/// Part I's countup: pushes `"Up 0"`, ..., `"Up {stop - 1}"`, with a yield point after
/// each line.
pub async fn countup(stop: u32, lines: Lines) {
    let mut x = 0;
    while x < stop {
        lines.borrow_mut().push(format!("Up {x}"));
        x += 1;
        yield_now().await;
    }
}

/// Ids of the tasks to poll, in the order they were woken. Python: `loop._ready`.
type ReadyQueue = Arc<Mutex<VecDeque<usize>>>;

/// A task's waker: waking it queues the task's id, unless it is queued already.
struct TaskWaker {
    id: usize,
    /// Whether `id` is in the ready queue now.
    queued: AtomicBool,
    ready: ReadyQueue,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::SeqCst) {
            self.ready.lock().unwrap().push_back(self.id);
        }
    }
}

/// A task: its future, until it is done, and its waker.
struct Task {
    future: Option<Pin<Box<dyn Future<Output = ()>>>>,
    waker: Arc<TaskWaker>,
}

/// A single-threaded executor: Part IV's ready loop, polling futures.
#[derive(Default)]
pub struct Executor {
    /// Every task spawned, by id (its index); a finished task's future is `None`.
    tasks: Vec<Task>,
    ready: ReadyQueue,
}

impl Executor {
    /// An executor with no tasks.
    pub fn new() -> Self {
        Executor::default()
    }

    /// Adds `future` as a task, ready to be polled. Python: `asyncio.create_task(coro)`.
    pub fn spawn(&mut self, future: impl Future<Output = ()> + 'static) {
        let waker = Arc::new(TaskWaker {
            id: self.tasks.len(),
            queued: AtomicBool::new(false),
            ready: self.ready.clone(),
        });
        waker.wake_by_ref();
        self.tasks.push(Task {
            future: Some(Box::pin(future)),
            waker,
        });
    }

    /// Polls woken tasks, in the order they were woken, until none is ready.
    pub fn run(&mut self) {
        while self.tasks.iter().any(|task| task.future.is_some()) {
            for task in &mut self.tasks {
                let Some(future) = task.future.as_mut() else {
                    continue;
                };
                let waker = Waker::from(task.waker.clone());
                if future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
                    task.future = None;
                }
            }
        }
        self.ready.lock().unwrap().clear();
    }

    /// The woken-order loop, unused.
    #[allow(dead_code)]
    fn run_woken(&mut self) {
        loop {
            // The lock is released here, before the poll.
            let next = self.ready.lock().unwrap().pop_front();
            let Some(id) = next else { return };
            let task = &mut self.tasks[id];
            // Cleared before the poll: a wake-up during the poll queues the task again.
            task.waker.queued.store(false, Ordering::SeqCst);
            let Some(future) = task.future.as_mut() else {
                continue; // finished: a late wake-up does nothing
            };
            let waker = Waker::from(task.waker.clone());
            if future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
                task.future = None; // dropped now: its captures are freed
            }
        }
    }
}
