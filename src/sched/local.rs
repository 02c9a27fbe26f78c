//! The per-thread core of every scheduler: a slab of task coroutines, the run queue, the
//! timer queue, and the loop that switches tasks in and out.
//!
//! Everything here is used only by its owner thread; other threads reach it through the
//! [`Remote`] inbox.
//!
//! # Return-address prediction
//!
//! corosensei resumes a coroutine with a `call` into it and suspends it with the matching
//! `ret` (its `arch/x86_64.rs`), so the CPU's return-stack buffer predicts both switches,
//! provided the code between them is balanced: a task that is resumed inside a function
//! and returns out of it before its next yield pops the scheduler's return addresses
//! instead of its own, and both sides then mispredict. On the 2-core development machine
//! one level of unbalanced calls around a raw corosensei suspend cost 4 ns → 37 ns per
//! switch, two levels 83 ns. Hence the hot paths are inlined on both sides: `yield_now`
//! down to the suspend in the task's own frame, and the resume into [`Local::run_until`]'s
//! loop; everything rare (starting, finishing, timers, the inbox) stays out of line.

use std::any::Any;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use corosensei::stack::Stack;

use super::work_queue::WorkerQueues;
use super::{context, CancelUnwind, Config, Interrupt, Remote, SlowTask, Switch, TaskYielder};
use crate::coroutine::{Coroutine, CoroutineState};
use crate::stack::PooledStack;
use crate::task::header::Header;
use crate::task::{JoinError, NewTask, TaskSnapshot};
use crate::time::{TimerAction, TimerHandle, TimerQueue};

/// How often (in switches) the timer queue is checked at the latest while tasks are ready,
/// so a long run queue cannot starve sleepers (Go checks its global queue every 61
/// schedules). It is also checked once per pass over the run queue (see `step`).
const TIMER_CHECK_EVERY: u32 = 61;

/// A task's coroutine: sent `()`, yields a [`Switch`], interrupted by [`Interrupt`].
type TaskCoroutine = Coroutine<(), Switch, (), Interrupt>;

/// A task body, boxed; `()` because the body stores its own result for the `JoinHandle`.
pub(crate) type Body = Box<dyn FnOnce()>;

/// A place in the slab for one task: empty (`header` is `None`) or holding a task.
///
/// Slots are boxed and never freed while the scheduler lives: an empty one is reused by
/// the next spawn, so a task's coroutine stays at one address from its start to its end
/// (it is resumed through a pointer, see `run_task`) and starting a task allocates nothing.
#[derive(Default)]
struct Slot {
    header: Option<Arc<Header>>,
    /// A task taken from a work queue, until it starts: the stack reserved for it at spawn
    /// and its boxed body. (A task spawned onto this thread gets its coroutine at once.)
    unstarted: Option<(PooledStack, Body)>,
    /// The task's coroutine, once created; the header's `coroutine` pointer points here.
    /// An `UnsafeCell` because the task is resumed through that pointer while the task
    /// itself may borrow the slab (a spawn adds a slot).
    coroutine: UnsafeCell<Option<TaskCoroutine>>,
}

impl Slot {
    fn is_empty(&self) -> bool {
        self.header.is_none()
    }
}

/// One scheduler thread's tasks, run queue and timers.
pub(crate) struct Local {
    pub(crate) remote: Arc<Remote>,
    pub(crate) config: Arc<Config>,
    /// Boxed on purpose: a running task's coroutine must not move when the vector grows.
    #[allow(clippy::vec_box)]
    slots: RefCell<Vec<Box<Slot>>>,
    /// Empty slots, reused first.
    free_keys: RefCell<Vec<usize>>,
    /// The run queue: tasks ready to be switched in, FIFO.
    ready: RefCell<VecDeque<Arc<Header>>>,
    timers: RefCell<TimerQueue>,
    /// Switches since the loop started, for the periodic timer check.
    ticks: Cell<u32>,
    /// Switches left in the current pass over the run queue; timers are checked when a
    /// pass ends.
    pass_left: Cell<usize>,
    /// Tasks in the slab.
    live: Cell<usize>,
    /// This thread's queues in a work-queue scheduler (`None` for round-robin).
    queues: Option<WorkerQueues>,
    /// The possible-deadlock warning was printed (once per scheduler).
    stall_reported: Cell<bool>,
    /// The panic of the task that just ended, left here by its body (see `start`).
    task_panic: Cell<Option<Box<dyn Any + Send>>>,
}

impl Local {
    pub(crate) fn new(config: Arc<Config>) -> Self {
        Self::with_queues(config, None)
    }

    /// A worker thread's core in a work-queue scheduler.
    pub(crate) fn with_queues(config: Arc<Config>, queues: Option<WorkerQueues>) -> Self {
        Local {
            remote: Remote::for_current_thread(),
            config,
            slots: RefCell::new(Vec::new()),
            free_keys: RefCell::new(Vec::new()),
            ready: RefCell::new(VecDeque::new()),
            timers: RefCell::new(TimerQueue::default()),
            ticks: Cell::new(0),
            pass_left: Cell::new(0),
            live: Cell::new(0),
            queues,
            stall_reported: Cell::new(false),
            task_panic: Cell::new(None),
        }
    }

    /// This worker's queues, on a work-queue scheduler.
    pub(crate) fn queues(&self) -> Option<&WorkerQueues> {
        self.queues.as_ref()
    }

    /// Adds a task taken from a work queue; from now on it stays on this thread.
    pub(crate) fn insert_new(&self, task: NewTask) {
        self.insert(task.header, task.stack, task.body);
    }

    /// Adds a task taken from a work queue at the front of the run queue: it runs next (a
    /// worker's LIFO slot). From now on it stays on this thread.
    pub(crate) fn insert_next(&self, task: NewTask) {
        self.insert_new(task);
        let mut ready = self.ready.borrow_mut();
        if let Some(new) = ready.pop_back() {
            ready.push_front(new);
        }
    }

    /// Whether no task is ready to run.
    pub(crate) fn ready_is_empty(&self) -> bool {
        self.ready.borrow().is_empty()
    }

    /// The earliest timer deadline on this thread.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.borrow().next_deadline()
    }

    /// Adds a new task to this thread and to the back of the run queue.
    pub(crate) fn insert(&self, header: Arc<Header>, stack: PooledStack, body: Body) {
        let key = self.take_slot(&header, |slot| slot.unstarted = Some((stack, body)));
        self.place(header, key);
    }

    /// Adds a new task to this thread with its coroutine created at once, its body on its
    /// own stack (no box), and puts it at the back of the run queue. For tasks that never
    /// move to another thread.
    pub(crate) fn insert_started(
        &self,
        header: Arc<Header>,
        stack: PooledStack,
        body: impl FnOnce() + 'static,
    ) {
        let co = start(&header, stack, body);
        let key = self.take_slot(&header, |slot| {
            let co = slot.coroutine.get_mut().insert(co) as *mut TaskCoroutine;
            header.set_coroutine(co.cast());
        });
        self.place(header, key);
    }

    /// A free slot (reused or new) for `header`'s task, filled by `fill`; its key.
    fn take_slot(&self, header: &Arc<Header>, fill: impl FnOnce(&mut Slot)) -> usize {
        let mut slots = self.slots.borrow_mut();
        let key = match self.free_keys.borrow_mut().pop() {
            Some(key) => key,
            None => {
                slots.push(Box::default());
                slots.len() - 1
            }
        };
        let slot = &mut slots[key];
        slot.header = Some(header.clone());
        fill(slot);
        key
    }

    /// Records that this thread runs the task in slot `key`, and queues it.
    fn place(&self, header: Arc<Header>, key: usize) {
        header.place(&self.remote, key);
        self.live.set(self.live.get() + 1);
        self.ready.borrow_mut().push_back(header);
    }

    /// Puts a task of this thread's at the back of the run queue.
    #[inline]
    pub(crate) fn push_ready(&self, task: Arc<Header>) {
        self.ready.borrow_mut().push_back(task);
    }

    /// Number of tasks on this thread that have not finished.
    pub(crate) fn live(&self) -> usize {
        self.live.get()
    }

    /// Adds a timer to this thread's timer queue; dropping the handle cancels it.
    pub(crate) fn add_timer(&self, deadline: Instant, action: TimerAction) -> TimerHandle {
        self.timers.borrow_mut().push(deadline, action)
    }

    /// Entries in this thread's timer queue (cancelled ones not yet compacted included).
    pub(crate) fn timer_count(&self) -> usize {
        self.timers.borrow().len()
    }

    /// Runs tasks until `main` has finished (checked after each switch and when idle), or
    /// with no `main`, until no task is left. Parks the thread while every task waits.
    ///
    /// `step` is inlined here, so that a task is resumed from this loop's own frame: see
    /// "Return-address prediction" in the module docs.
    pub(crate) fn run_until(&self, main: Option<&Header>) {
        let _running = context::enter_local(self);
        let done = || main.is_some_and(Header::is_finished);
        loop {
            if !self.step() {
                if done() || self.live() == 0 {
                    return;
                }
                self.idle();
            } else if done() {
                return;
            }
        }
    }

    /// Runs one ready task; `false` if none was ready.
    #[inline(always)]
    pub(crate) fn step(&self) -> bool {
        self.absorb_inbox();
        let tick = self.ticks.get().wrapping_add(1);
        self.ticks.set(tick);
        // A pass ends when every task that was ready at its start has run once. Checking the
        // timers once per pass (asyncio's `_run_once` does the same) lets a sleeper that
        // came due run after one round of `yield_now`s, not only every TIMER_CHECK_EVERY
        // switches.
        let pass_left = self.pass_left.get();
        let ready_empty = self.ready.borrow().is_empty();
        if (ready_empty || pass_left == 0 || tick % TIMER_CHECK_EVERY == 0)
            && !self.timers.borrow().is_empty()
        {
            self.fire_timers(Instant::now());
        }
        self.pass_left.set(match pass_left {
            0 => self.ready.borrow().len().saturating_sub(1),
            n => n - 1,
        });
        let next = self.ready.borrow_mut().pop_front();
        match next {
            Some(task) => {
                self.run_task(task);
                true
            }
            None => false,
        }
    }

    #[inline(always)]
    fn absorb_inbox(&self) {
        if self.remote.has_pending() {
            self.drain_inbox();
        }
    }

    #[inline(never)]
    fn drain_inbox(&self) {
        self.ready.borrow_mut().extend(self.remote.drain());
    }

    #[inline(never)]
    fn fire_timers(&self, now: Instant) {
        // Collect first: firing may unpark onto the run queue, which borrows `ready`.
        let due = self.timers.borrow_mut().pop_due(now);
        for action in due {
            action.fire();
        }
    }

    /// Parks the OS thread until a timer is due or another thread wakes a task.
    fn idle(&self) {
        if self.remote.has_pending() {
            return;
        }
        let next = self.timers.borrow().next_deadline();
        match next {
            Some(deadline) => {
                let now = Instant::now();
                if deadline > now {
                    std::thread::park_timeout(deadline - now);
                }
            }
            None => self.park_without_timers(),
        }
    }

    /// Parks while every task waits and no timer is set: only another OS thread can wake
    /// a task now (a channel end it holds, `spawn_blocking`). If none does for
    /// `Config::stall_warning_after`, say so once on stderr, with the waiting tasks: a silent
    /// hang is the worst way to learn about a deadlock.
    fn park_without_timers(&self) {
        let after = self.config.stall_warning_after;
        let started = Instant::now();
        std::thread::park_timeout(after);
        let stalled = started.elapsed() >= after
            && !self.remote.has_pending()
            && self.ready.borrow().is_empty()
            && self.timers.borrow().is_empty();
        if stalled && !self.stall_reported.replace(true) {
            eprintln!("{}", self.stall_report(after));
        }
    }

    fn stall_report(&self, after: std::time::Duration) -> String {
        let mut report = format!(
            "yieldpoint: every task on this scheduler has been parked for {after:?} \
             with no timer set; unless another OS thread wakes one, this is a deadlock:"
        );
        for task in self.snapshot() {
            let name = task.name.as_deref().unwrap_or("<unnamed>");
            report.push_str(&format!(
                "\n  task {} (\"{name}\"): {:?}",
                task.id, task.state
            ));
        }
        report
    }

    /// Switches `header`'s task in until its next yield point, then files it by what it
    /// yielded: run queue, parked, or finished.
    ///
    /// Inlined into `step` (and `step` into the run loop): the hot path, a started task
    /// that yields or parks, stays in the loop's frame; starting and finishing are out of
    /// line.
    #[inline(always)]
    fn run_task(&self, task: Arc<Header>) {
        let co = task.coroutine().cast::<TaskCoroutine>();
        let co = if !co.is_null() {
            co
        } else {
            match self.start_task(task.key(), &task) {
                Some(co) => co,
                None => return,
            }
        };
        let header: *const Header = Arc::as_ptr(&task);
        // SAFETY: the task's slot holds an `Arc` of its header until `finish` removes it, at
        // the very end of this call; `task` itself is lent to the context while it runs.
        let header = unsafe { &*header };
        let running = context::enter_task(task);
        header.count_switch();
        let started = self.config.slow_task_threshold.map(|_| Instant::now());
        // SAFETY: `co` points into the task's slot box, which stays allocated and holds this
        // coroutine until `finish` clears the pointer (slots are freed only by `shutdown`,
        // which clears it too and cannot run while this loop borrows the scheduler).
        // Nothing else reaches the coroutine while it runs: other code touches other slots,
        // or only a slot's header. No `catch_unwind` here: the task's body catches its own
        // panic (see `start`), and its coroutine returns it in `task_panic`; `running`
        // switches the task out even if something unwinds past it.
        let result = self.resume(unsafe { &mut *co }, header);
        header.set_running(false);
        let task = running.leave();
        if let Some(started) = started {
            self.report_if_slow(header, started.elapsed());
        }
        match result {
            Ok(CoroutineState::Yielded(Switch::Yield)) => self.requeue(header, task),
            Ok(CoroutineState::Yielded(Switch::Park)) => {
                if !header.try_park() {
                    self.requeue(header, task);
                }
            }
            Ok(CoroutineState::Complete(())) => self.finish(header, false),
            // A task cancelled before it started, or an expired timeout whose unwind the
            // body swallowed: the task was interrupted, so it ends as cancelled.
            Err(Interrupt::Cancel | Interrupt::Timeout(_)) => self.finish(header, true),
        }
    }

    /// Resumes a task, delivering a pending cancel or expired timeout at its yield point.
    #[inline(always)]
    fn resume(
        &self,
        co: &mut TaskCoroutine,
        header: &Header,
    ) -> Result<CoroutineState<Switch, ()>, Interrupt> {
        if header.cancel_requested() {
            return self.deliver_cancel(co, header);
        }
        match header.take_expired_timeout() {
            0 => Ok(co.send(())),
            id => co.throw(Interrupt::Timeout(id)),
        }
    }

    /// Raises a cancel at the task's yield point, once: the request is used up, so a task
    /// that catches the cancel and goes on is not cancelled again unless it is asked again
    /// (asyncio's `uncancel`). A task that has not started is dropped unrun; a panic from
    /// its captures' `Drop` becomes the task's panic.
    #[cold]
    #[inline(never)]
    fn deliver_cancel(
        &self,
        co: &mut TaskCoroutine,
        header: &Header,
    ) -> Result<CoroutineState<Switch, ()>, Interrupt> {
        header.take_cancel();
        if co.is_started() {
            return co.throw(Interrupt::Cancel);
        }
        match panic::catch_unwind(AssertUnwindSafe(|| co.throw(Interrupt::Cancel))) {
            Ok(result) => result,
            Err(payload) => {
                self.task_panic.set(Some(payload));
                Err(Interrupt::Cancel)
            }
        }
    }

    /// Puts a task that switched out back on the run queue, with the reference it came
    /// with (`task`) or, if a wait took that one, a new one.
    #[inline(always)]
    fn requeue(&self, header: &Header, task: Option<Arc<Header>>) {
        let task = task.unwrap_or_else(|| {
            // SAFETY: `header` is alive (its slot holds an `Arc` of it); see `run_task`.
            unsafe {
                Arc::increment_strong_count(header);
                Arc::from_raw(header)
            }
        });
        self.ready.borrow_mut().push_back(task);
    }

    /// Starts an unstarted task: a pointer to its coroutine, or `None` if there is nothing
    /// to run (it was cancelled before it started, or it already runs).
    #[inline(never)]
    fn start_task(&self, key: usize, header: &Arc<Header>) -> Option<*mut TaskCoroutine> {
        let unstarted = {
            let mut slots = self.slots.borrow_mut();
            let slot = slots.get_mut(key)?;
            if !slot.header.as_ref().is_some_and(|h| Arc::ptr_eq(h, header)) {
                return None;
            }
            slot.unstarted.take()
        };
        let (stack, body) = unstarted?;
        if header.cancel_requested() {
            drop(stack);
            let error = match panic::catch_unwind(AssertUnwindSafe(|| drop(body))) {
                Ok(()) => JoinError::cancelled(header),
                Err(payload) => JoinError::panicked(header, payload),
            };
            self.remove(key, header, Some(error));
            return None;
        }
        let stack = crate::stack::swap_for_warm(stack);
        let co = start(header, stack, body);
        let mut slots = self.slots.borrow_mut();
        let co = slots[key].coroutine.get_mut().insert(co) as *mut TaskCoroutine;
        header.set_coroutine(co.cast());
        Some(co)
    }

    /// Drops a task's finished coroutine (its stack goes back to the pool), then removes
    /// the task: it panicked if its body left a panic in `task_panic`, else it was
    /// `interrupted` (cancelled) or returned.
    #[inline(never)]
    fn finish(&self, header: &Header, interrupted: bool) {
        let error = match self.task_panic.take() {
            Some(payload) if payload.is::<CancelUnwind>() => Some(JoinError::cancelled(header)),
            Some(payload) => Some(JoinError::panicked(header, payload)),
            None => interrupted.then(|| JoinError::cancelled(header)),
        };
        let key = header.key();
        header.set_coroutine(std::ptr::null_mut());
        let co = self.slots.borrow_mut()[key].coroutine.get_mut().take();
        drop(co);
        self.remove(key, header, error);
    }

    /// Removes a finished task from the slab and wakes its joiner.
    fn remove(&self, key: usize, header: &Header, error: Option<JoinError>) {
        let task = self.slots.borrow_mut()[key].header.take();
        self.free_keys.borrow_mut().push(key);
        self.live.set(self.live.get() - 1);
        self.finished(header, error);
        drop(task);
    }

    /// Reports a task's end to its joiner (and to the work queue's count of live tasks).
    fn finished(&self, header: &Header, error: Option<JoinError>) {
        header.finish(error);
        if let Some(queues) = &self.queues {
            queues.finished(header);
        }
    }

    fn report_if_slow(&self, header: &Header, ran: std::time::Duration) {
        let Some(threshold) = self.config.slow_task_threshold else {
            return;
        };
        if ran > threshold {
            let report = SlowTask {
                id: header.id,
                name: header.name.clone(),
                ran,
                threshold,
            };
            let callback = AssertUnwindSafe(|| (self.config.on_slow_task)(&report));
            if panic::catch_unwind(callback).is_err() {
                // The panic hook has printed the panic; the scheduler goes on.
                eprintln!("yieldpoint: the on_slow_task callback panicked (reporting {report}); the scheduler goes on");
            }
        }
    }

    /// A snapshot of every task on this thread.
    pub(crate) fn snapshot(&self) -> Vec<TaskSnapshot> {
        if let Some(queues) = &self.queues {
            return queues.snapshot();
        }
        let slots = self.slots.borrow();
        slots
            .iter()
            .filter_map(|slot| slot.header.as_ref())
            .map(|header| TaskSnapshot::of(header))
            .collect()
    }

    /// Ends every task left, as asyncio's `run` does at its end: cancels them all and runs
    /// them until they have ended, so their cleanup (destructors, code after a caught
    /// cancel) runs with its task context and may wait (sleep, join, channels).
    ///
    /// Whenever [`SHUTDOWN_IDLE`] passes with no task ending, every task left is cancelled
    /// again, [`SHUTDOWN_CANCELS`] times in all. Tasks that still have not ended then (they keep
    /// catching their cancels, or wait for something that never comes) are closed where
    /// they stand: their stacks unwind without switching ([`Coroutine::close`]).
    ///
    /// Dropped inside a green thread or while another scheduler runs on this thread, the
    /// scheduler cannot run its tasks: it closes them at once; so it does when dropped
    /// while the thread unwinds from a panic.
    pub(crate) fn shutdown(&self) {
        // Dropped while this thread unwinds from a panic (a failed assertion, say): end the
        // tasks at once rather than run them.
        if std::thread::panicking() {
            return self.close_remaining();
        }
        if let Some(running) = context::try_enter_local(self) {
            self.cancel_and_run();
            drop(running);
        }
        self.close_remaining();
    }

    /// The cancel-and-run phase of [`shutdown`](Self::shutdown).
    fn cancel_and_run(&self) {
        self.cancel_all();
        let mut cancels = 1;
        let (mut live, mut since) = (self.live(), Instant::now());
        while self.live() > 0 {
            if self.live() != live {
                (live, since) = (self.live(), Instant::now());
            } else if since.elapsed() >= SHUTDOWN_IDLE {
                if cancels == SHUTDOWN_CANCELS {
                    return;
                }
                self.cancel_all();
                cancels += 1;
                since = Instant::now();
            }
            if !self.step() {
                self.wait_until(since + SHUTDOWN_IDLE);
            }
        }
    }

    /// Parks the thread until the next timer, a wakeup from another thread, or `until`,
    /// whichever comes first.
    fn wait_until(&self, until: Instant) {
        if self.remote.has_pending() {
            return;
        }
        let until = self.next_deadline().map_or(until, |timer| timer.min(until));
        let now = Instant::now();
        if until > now {
            std::thread::park_timeout(until - now);
        }
    }

    /// Requests a cancel of every task on this thread.
    fn cancel_all(&self) {
        let headers: Vec<Arc<Header>> = self
            .slots
            .borrow()
            .iter()
            .filter_map(|slot| slot.header.clone())
            .collect();
        for header in headers {
            header.request_cancel();
        }
    }

    /// Closes every task left without running it: unstarted bodies are dropped,
    /// suspended stacks unwind (destructors run), and their `JoinHandle`s report
    /// cancellation, or the panic of a destructor or of a body that ignored the close.
    fn close_remaining(&self) {
        // Entered when possible, so destructors that spawn or wake find this scheduler.
        let _running = context::try_enter_local(self);
        loop {
            // Take the slots out first: destructors may spawn or wake tasks.
            let slots: Vec<Box<Slot>> = self.slots.borrow_mut().drain(..).collect();
            self.free_keys.borrow_mut().clear();
            self.ready.borrow_mut().clear();
            if slots.iter().all(|slot| slot.is_empty()) {
                break;
            }
            self.live.set(0);
            for slot in slots {
                let Slot {
                    header,
                    unstarted,
                    coroutine,
                } = *slot;
                let Some(header) = header else { continue };
                header.set_coroutine(std::ptr::null_mut());
                let error = match close_task(&header, unstarted, coroutine.into_inner()) {
                    Ok(()) => JoinError::cancelled(&header),
                    Err(payload) => JoinError::panicked(&header, payload),
                };
                self.finished(&header, Some(error));
            }
        }
        self.timers.borrow_mut().clear();
    }
}

/// How many times a scheduler's drop cancels the tasks that are left before it closes
/// them (see [`Local::shutdown`]).
const SHUTDOWN_CANCELS: u32 = 3;

/// How long a scheduler's drop runs its tasks with none of them ending before it cancels
/// the tasks left again.
const SHUTDOWN_IDLE: std::time::Duration = std::time::Duration::from_millis(100);

/// Drops a task's unstarted body or closes its coroutine, switched in as "closing" (so its
/// yield points reach its own coroutine, which refuses them, see [`Coroutine::close`]); a
/// panic from a destructor or from a body that ignored the close is returned.
fn close_task(
    header: &Arc<Header>,
    unstarted: Option<(PooledStack, Body)>,
    coroutine: Option<TaskCoroutine>,
) -> Result<(), Box<dyn Any + Send>> {
    panic::catch_unwind(AssertUnwindSafe(|| {
        drop(unstarted);
        if let Some(co) = coroutine {
            let guard = context::try_enter_task(header.clone());
            if let Some(guard) = &guard {
                context::set_closing(guard);
            }
            drop(co);
            drop(guard);
        }
    }))
}

/// Creates the coroutine of a task that starts now.
///
/// The body catches its own panic and leaves it in its scheduler's `task_panic`, so the
/// coroutine returns normally and the scheduler's resume needs no `catch_unwind` (whose
/// extra frame around the switch costs time on every switch).
fn start(header: &Arc<Header>, stack: PooledStack, body: impl FnOnce() + 'static) -> TaskCoroutine {
    header.set_stack(stack.limit().get(), stack.base().get());
    let name = header.name.as_deref().map(Box::from);
    let own: *const Header = Arc::as_ptr(header);
    Coroutine::with_stack(stack, name, move |co: &TaskYielder, ()| {
        // SAFETY: the body starts when its task is first switched in, and the task's slot
        // holds an `Arc` of the header for as long as the task is in the slab.
        let own = unsafe { &*own };
        own.yielder.store(
            co as *const TaskYielder as *mut (),
            std::sync::atomic::Ordering::Relaxed,
        );
        context::set_yielder(co, own.stack_bounds());
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(body)) {
            keep_panic(own, payload);
        }
    })
}

/// Leaves the panic of `own`'s body (or the cancel that ended it) for its scheduler; lets
/// every other unwind go on to the coroutine's root: a thrown error (`Yielder::raise`) and
/// the close that unwinds a task dropped unfinished, which happens while the task is not
/// switched in to run (a scheduler's drop, maybe inside another scheduler's task).
#[cold]
fn keep_panic(own: &Header, payload: Box<dyn Any + Send>) {
    use crate::coroutine::{is_close_payload, is_throw_payload};
    if is_throw_payload(&*payload) || is_close_payload(&*payload) || !context::is_running(own) {
        panic::resume_unwind(payload);
    }
    let payload = context::with_local(|local| local.task_panic.replace(Some(payload)));
    debug_assert!(matches!(payload, Some(None)), "one panic per task end");
}
