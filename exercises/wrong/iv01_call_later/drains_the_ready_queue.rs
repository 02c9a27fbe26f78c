//! Known-wrong solution of exercise IV.1 (cheat class: one pass runs everything).

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

/// A callback: it gets the loop, so it can schedule more.
pub type Callback = Box<dyn FnOnce(&Loop)>;

/// A callback waiting for its deadline.
struct Timer {
    /// When it is due, on the loop's clock.
    when: Duration,
    /// How many timers were scheduled before it: the tie-breaker.
    seq: u64,
    callback: Callback,
}

// `BinaryHeap` is a max-heap: the timer that must run first compares greatest.
impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.when, other.seq).cmp(&(self.when, self.seq))
    }
}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Timer {}

/// An event loop on a fake clock. Its methods take `&self`, so callbacks can call them.
#[derive(Default)]
pub struct Loop {
    /// The fake clock: time since the loop was created.
    now: Cell<Duration>,
    /// Callbacks to run, in order.
    ready: RefCell<VecDeque<Callback>>,
    /// Callbacks waiting for their deadline.
    timers: RefCell<BinaryHeap<Timer>>,
    /// The number of timers scheduled so far.
    next_seq: Cell<u64>,
}

impl Loop {
    /// A loop with nothing to do, its clock at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The loop's clock. Python: `loop.time()`.
    pub fn time(&self) -> Duration {
        self.now.get()
    }

    /// Schedules `callback` to run in a later pass, after those already ready.
    /// Python: `loop.call_soon(callback)`.
    pub fn call_soon(&self, callback: impl FnOnce(&Loop) + 'static) {
        self.ready.borrow_mut().push_back(Box::new(callback));
    }

    /// Schedules `callback` to run once the clock reaches `when`.
    /// Python: `loop.call_at(when, callback)`.
    pub fn call_at(&self, when: Duration, callback: impl FnOnce(&Loop) + 'static) {
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        self.timers.borrow_mut().push(Timer {
            when,
            seq,
            callback: Box::new(callback),
        });
    }

    /// Schedules `callback` to run `delay` from now. Python: `loop.call_later(delay, callback)`.
    pub fn call_later(&self, delay: Duration, callback: impl FnOnce(&Loop) + 'static) {
        self.call_at(self.time() + delay, callback);
    }

    /// Whether a callback is ready or a timer is waiting.
    pub fn has_work(&self) -> bool {
        !self.ready.borrow().is_empty() || !self.timers.borrow().is_empty()
    }

    /// One pass: jump the clock if nothing is ready, move the due timers to the ready
    /// queue, run the callbacks ready now.
    pub fn run_once(&self) {
        if self.ready.borrow().is_empty() {
            if let Some(first) = self.timers.borrow().peek() {
                self.now.set(self.now.get().max(first.when));
            }
        }
        loop {
            let mut timers = self.timers.borrow_mut();
            match timers.peek() {
                Some(timer) if timer.when <= self.now.get() => {
                    let timer = timers.pop().expect("peeked");
                    self.ready.borrow_mut().push_back(timer.callback);
                }
                _ => break,
            }
        }
        loop {
            let next = self.ready.borrow_mut().pop_front();
            let Some(callback) = next else { break };
            callback(self);
        }
    }

    /// Runs passes until there is nothing left to do.
    pub fn run(&self) {
        while self.has_work() {
            self.run_once();
        }
    }
}
