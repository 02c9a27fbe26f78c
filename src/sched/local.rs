//! The per-thread core of every scheduler: a slab of task coroutines, the run queue, the
//! timer queue, and the loop that switches tasks in and out.
//!
//! Everything here is used only by its owner thread; other threads reach it through the
//! [`Owner`] inbox. What differs between schedulers (where a new task goes, what a task's
//! end means to the others) is asked of the [`Schedule`] that runs the core, passed to the
//! loop.
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
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::context;
use super::run_queue::RunQueue;
use super::signal;
use super::stall;
use super::timeline::Recorder;
use super::timer::{TimerAction, TimerHandle, TimerQueue};
use super::{Config, SlowTask};
use crate::coroutine::CoroutineState;
use crate::reactor::Reactor;
use crate::stack::{self, GuardRegistration};
use crate::task::cell::TaskRef;
use crate::task::context::{self as task_context, CancelUnwind, Interrupt, Switch, TaskCoroutine};
use crate::task::header::Header;
use crate::task::owner::Owner;
use crate::task::schedule::Schedule;
use crate::task::spawn::{self, NewTask, StartOn};
use crate::task::{DumpedTask, JoinError, TaskDump, TaskSnapshot};

/// How often (in switches) a busy thread polls its reactor without waiting and checks its
/// timer queue at the latest, so a long run queue cannot starve I/O or sleepers (Go checks
/// its global queue and netpoller every 61 schedules, tokio its I/O driver every 61 ticks).
/// Timers are also checked once per pass over the run queue (see `step`).
const PERIODIC_CHECK_EVERY: u32 = 61;

/// Most runners of ended tasks a thread keeps for its next tasks (see "Runners" in
/// `task::spawn`); as many as the stack pool keeps per thread.
const IDLE_RUNNERS_MAX: usize = 64;

/// A place in the slab for one task: empty (`header` is `None`) or holding a task.
///
/// Slots are boxed and never freed while the scheduler lives: an empty one is reused by
/// the next spawn, so a task's coroutine stays at one address from its start to its end
/// (it is resumed through a pointer, see `run_task`) and starting a task allocates nothing.
#[derive(Default)]
struct Slot {
    header: Option<TaskRef>,
    /// What the task will start on, until it starts (its closure is in the task cell).
    unstarted: Option<StartOn>,
    /// The runner the task runs on, once started (the header's `coroutine` pointer points
    /// here), or the runner of an ended task that waits here for the next task placed in
    /// this slot (see "Runners" in `task::spawn`). An `UnsafeCell` because the task is
    /// resumed through that pointer while the task itself may borrow the slab (a spawn
    /// adds a slot).
    coroutine: UnsafeCell<Option<TaskCoroutine>>,
    /// The bounds of the runner's stack, `(lowest, one past highest)` address.
    bounds: (usize, usize),
    /// The runner's stack has the default size: it may run the next task placed here.
    reusable: bool,
}

impl Slot {
    fn is_empty(&self) -> bool {
        self.header.is_none()
    }
}

/// One scheduler thread's tasks, run queue, timers and reactor.
pub(crate) struct Local {
    pub(crate) owner: Arc<Owner>,
    /// This thread's poller: where its tasks wait for I/O, and where the thread waits when
    /// it has nothing to run.
    pub(crate) reactor: Arc<Reactor>,
    pub(crate) config: Arc<Config>,
    /// Boxed on purpose: a running task's coroutine must not move when the vector grows.
    #[allow(clippy::vec_box)]
    slots: RefCell<Vec<Box<Slot>>>,
    /// Empty slots, reused first.
    free_keys: RefCell<Vec<usize>>,
    /// The run queue: tasks ready to be switched in, FIFO.
    ready: RunQueue,
    timers: RefCell<TimerQueue>,
    /// Switches since the loop started, for the periodic timer check.
    ticks: Cell<u32>,
    /// Switches left in the current pass over the run queue; timers are checked when a
    /// pass ends.
    pass_left: Cell<usize>,
    /// Tasks in the slab.
    live: Cell<usize>,
    /// The last SIGUSR1 request this thread looked at (`sched::signal`).
    signals_seen: Cell<u64>,
    /// The possible-deadlock warning was printed (once per scheduler).
    stall_reported: Cell<bool>,
    /// `config.instrumented()`: the run loop reads the clock around switches (slow-task
    /// reports, park times, the timeline). Copied here so that the loop tests one flag of
    /// its own, the one branch before and after each switch that slow-task reports alone
    /// took before.
    instrumented: bool,
    /// This thread's side of the timeline, if the scheduler records one.
    timeline: Option<Recorder>,
    /// Empty slots that keep the runner of the task that ended there, with a stack of
    /// `default_stack`, for the next task (see "Runners" in `task::spawn`). The other
    /// empty slots are in `free_keys`.
    runner_keys: RefCell<Vec<usize>>,
    /// How many of `runner_keys` are promised to tasks being spawned
    /// ([`StartOn::Runner`]), not yet placed.
    promised: Cell<usize>,
    /// The usable size of a stack of the scheduler's default size, in bytes.
    default_stack: usize,
    /// A task started here on a stack of the default size: that size can be mapped.
    default_stack_mapped: Cell<bool>,
}

impl Local {
    /// The core of scheduler thread `worker` (its index among the scheduler's threads):
    /// call it on that thread.
    pub(crate) fn new(config: Arc<Config>, worker: usize) -> Self {
        let reactor = Reactor::current();
        let owner = Owner::for_current_thread(reactor.clone());
        if config.dump_on_signal {
            signal::listen(&owner);
        }
        let timeline = config
            .timeline
            .as_ref()
            .map(|sink| Recorder::new(sink.clone(), worker));
        Local {
            default_stack: stack::rounded_size(config.stack_size).unwrap_or(0),
            default_stack_mapped: Cell::new(false),
            runner_keys: RefCell::new(Vec::new()),
            promised: Cell::new(0),
            signals_seen: Cell::new(signal::requests()),
            instrumented: config.instrumented(),
            timeline,
            owner,
            reactor,
            config,
            slots: RefCell::new(Vec::new()),
            free_keys: RefCell::new(Vec::new()),
            ready: RunQueue::new(),
            timers: RefCell::new(TimerQueue::default()),
            ticks: Cell::new(0),
            pass_left: Cell::new(0),
            live: Cell::new(0),
            stall_reported: Cell::new(false),
        }
    }

    /// Adds a new task at the front of the run queue: it runs next (a worker's LIFO slot).
    /// From now on it stays on this thread.
    pub(crate) fn insert_next(&self, task: NewTask) {
        self.insert(task);
        self.ready.move_last_to_front();
    }

    /// Steps taken so far (wrapping): the run loop's clock.
    pub(crate) fn ticks(&self) -> u32 {
        self.ticks.get()
    }

    /// Whether no task is ready to run.
    pub(crate) fn ready_is_empty(&self) -> bool {
        self.ready.is_empty()
    }

    /// How many tasks are on the run queue.
    #[inline]
    pub(crate) fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// The earliest timer deadline on this thread.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.timers.borrow().next_deadline()
    }

    /// Adds a new task to this thread and to the back of the run queue; from now on it
    /// stays on this thread.
    pub(crate) fn insert(&self, task: NewTask) {
        let NewTask { task, start, .. } = task;
        let key = match self.runner_slot(start) {
            Ok(key) => self.fill_slot(key, &task, StartOn::Runner),
            Err(start) => self.take_slot(&task, |slot| slot.unstarted = Some(start)),
        };
        self.place(task, key);
    }

    /// An empty slot whose runner will run a task that starts on `start`: the one promised
    /// to it, or a free one if the task needs a stack of the default size (a reserved
    /// stack goes back to the pool); `Err(start)` if there is none.
    fn runner_slot(&self, start: StartOn) -> Result<usize, StartOn> {
        let mut keys = self.runner_keys.borrow_mut();
        match start {
            StartOn::Runner => {
                self.promised.set(self.promised.get() - 1);
                let key = keys.pop();
                Ok(key.expect("a promised runner waits in its slot until its task is placed"))
            }
            StartOn::Fresh => {
                let free = keys.len() > self.promised.get();
                if free {
                    Ok(keys.pop().expect("a free runner (counted above)"))
                } else {
                    Err(StartOn::Fresh)
                }
            }
            StartOn::Stack(stack, reserved) => {
                let free = keys.len() > self.promised.get();
                if free && stack::usable_size(&stack) == self.default_stack {
                    let key = keys.pop().expect("a free runner (counted above)");
                    stack::release(stack);
                    Ok(key)
                } else {
                    Err(StartOn::Stack(stack, reserved))
                }
            }
        }
    }

    /// Promises a free runner of this thread to a task about to be spawned with a stack of
    /// `size` bytes (see `Schedule::reserve_runner`); `false` if none is free or the size
    /// is not the default.
    #[inline]
    pub(crate) fn promise_runner(&self, size: usize) -> bool {
        let promised = self.promised.get();
        let free = size == self.config.stack_size && self.runner_keys.borrow().len() > promised;
        if free {
            self.promised.set(promised + 1);
        }
        free
    }

    /// Whether `size` is the scheduler's default stack size and a task started on this
    /// thread on a stack of that size: then a stack of it can be mapped, and only running
    /// out of memory or mappings can stop the next one (see `Schedule::takes_stack_at_start`).
    #[inline]
    pub(crate) fn mapped_default_stack(&self, size: usize) -> bool {
        size == self.config.stack_size && self.default_stack_mapped.get()
    }

    /// How many runners wait in empty slots for a next task.
    #[cfg(test)]
    pub(crate) fn idle_runners(&self) -> usize {
        self.runner_keys.borrow().len()
    }

    /// Drops the runners kept in empty slots, but those promised to tasks being spawned;
    /// how many (see `Schedule::drop_idle_runners`).
    pub(crate) fn drop_idle_runners(&self) -> usize {
        let keys: Vec<usize> = {
            let mut runner_keys = self.runner_keys.borrow_mut();
            let keep = self.promised.get().min(runner_keys.len());
            runner_keys.drain(keep..).collect()
        };
        let runners: Vec<TaskCoroutine> = {
            let mut slots = self.slots.borrow_mut();
            keys.iter()
                .filter_map(|&key| {
                    slots[key].reusable = false;
                    slots[key].coroutine.get_mut().take()
                })
                .collect()
        };
        self.free_keys.borrow_mut().extend(&keys);
        let dropped = runners.len();
        drop(runners);
        dropped
    }

    /// Gives up what an unstarted task was to start on: a reserved stack goes back to the
    /// pool; a runner stays in the task's slot, for the next task placed there.
    fn release_start(&self, start: StartOn) {
        match start {
            StartOn::Runner | StartOn::Fresh => {}
            StartOn::Stack(stack, _) => stack::release(stack),
        }
    }

    /// Places `header`'s task in the empty slot `key`, to start on `start`; returns `key`.
    fn fill_slot(&self, key: usize, header: &TaskRef, start: StartOn) -> usize {
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[key];
        slot.header = Some(header.clone());
        slot.unstarted = Some(start);
        key
    }

    /// Empties slot `key` of an ended task: its runner stays there for the next task if it
    /// waits for one and fewer than [`IDLE_RUNNERS_MAX`] do; otherwise it is dropped (its
    /// stack goes back to the pool).
    fn free_slot(&self, key: usize) {
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[key];
        let co = slot.coroutine.get_mut();
        let waits = co.as_ref().is_some_and(|co| !co.is_finished());
        let mut runner_keys = self.runner_keys.borrow_mut();
        if slot.reusable && waits && runner_keys.len() < IDLE_RUNNERS_MAX {
            runner_keys.push(key);
            return;
        }
        let co = co.take();
        slot.reusable = false;
        drop((slots, runner_keys));
        drop(co);
        self.free_keys.borrow_mut().push(key);
    }

    /// A free slot (reused or new) for `header`'s task, filled by `fill`; its key.
    fn take_slot(&self, header: &TaskRef, fill: impl FnOnce(&mut Slot)) -> usize {
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
    fn place(&self, header: TaskRef, key: usize) {
        header.place(&self.owner, key);
        self.live.set(self.live.get() + 1);
        self.ready.push_back(header);
    }

    /// Puts a task of this thread's at the back of the run queue.
    #[inline]
    pub(crate) fn push_ready(&self, task: TaskRef) {
        self.ready.push_back(task);
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
    pub(crate) fn run_until(&self, scheduler: &(dyn Schedule + 'static), main: Option<&Header>) {
        let _running = context::enter(self, scheduler);
        let done = || main.is_some_and(Header::is_finished);
        loop {
            if !self.step(scheduler) {
                if done() || self.live() == 0 {
                    return;
                }
                self.idle();
                self.dump_if_signalled(scheduler);
            } else if done() {
                return;
            }
        }
    }

    /// Runs one ready task; `false` if none was ready.
    #[inline(always)]
    pub(crate) fn step(&self, scheduler: &dyn Schedule) -> bool {
        self.absorb_inbox();
        let tick = self.ticks.get().wrapping_add(1);
        self.ticks.set(tick);
        // A pass ends when every task that was ready at its start has run once. Checking the
        // timers once per pass (asyncio's `_run_once` does the same) lets a sleeper that
        // came due run after one round of `yield_now`s, not only every PERIODIC_CHECK_EVERY
        // switches.
        let pass_left = self.pass_left.get();
        let periodic = tick % PERIODIC_CHECK_EVERY == 0;
        if periodic {
            self.periodic_check(scheduler);
        }
        if (pass_left == 0 || periodic || self.ready.is_empty()) && !self.timers.borrow().is_empty()
        {
            self.fire_timers(Instant::now());
        }
        self.pass_left.set(match pass_left {
            0 => self.ready.len().saturating_sub(1),
            n => n - 1,
        });
        let next = self.ready.pop_front();
        match next {
            Some(task) => {
                self.run_task(task, scheduler);
                true
            }
            None => false,
        }
    }

    #[inline(always)]
    fn absorb_inbox(&self) {
        if self.owner.has_pending() {
            self.drain_inbox();
        }
    }

    #[inline(never)]
    fn drain_inbox(&self) {
        self.ready.append(self.owner.drain());
    }

    /// Wakes the tasks whose descriptors are ready, without waiting: while tasks are
    /// ready the thread does not wait in its poller, so I/O gets its turn here. Prints a
    /// task dump if SIGUSR1 asked for one.
    #[inline(never)]
    fn periodic_check(&self, scheduler: &dyn Schedule) {
        self.reactor.poll_now();
        self.dump_if_signalled(scheduler);
    }

    /// Whether SIGUSR1 asked for a dump that this thread has not looked at (`false` unless
    /// `dump_on_signal` is on): work that must keep the thread from waiting.
    pub(crate) fn dump_signal_pending(&self) -> bool {
        self.config.dump_on_signal && signal::requests() != self.signals_seen.get()
    }

    /// Prints the scheduler's dump on stderr if SIGUSR1 asked for one since this thread
    /// last looked, unless another thread of the scheduler printed it already.
    pub(crate) fn dump_if_signalled(&self, scheduler: &dyn Schedule) {
        if !self.dump_signal_pending() {
            return;
        }
        let request = signal::requests();
        self.signals_seen.set(request);
        let printed = &self.config.signal_dumps_printed;
        if printed.fetch_max(request, Ordering::AcqRel) < request {
            eprintln!("yieldpoint: SIGUSR1: {}", scheduler.dump());
        }
    }

    #[inline(never)]
    fn fire_timers(&self, now: Instant) {
        // Collect first: firing may unpark onto the run queue, which borrows `ready`.
        let due = self.timers.borrow_mut().pop_due(now);
        for action in due {
            action.fire();
        }
    }

    /// Waits in the reactor until I/O, a timer comes due, or another thread wakes a task.
    fn idle(&self) {
        let next = self.timers.borrow().next_deadline();
        match next {
            Some(deadline) => self.park(Some(deadline)),
            None => self.park_without_timers(),
        }
    }

    /// Waits in the reactor until `deadline` at the latest (`None`: no deadline), unless a
    /// wakeup from another thread is already in the inbox.
    fn park(&self, deadline: Option<Instant>) {
        self.reactor.park(deadline, || {
            self.owner.has_pending() || self.dump_signal_pending()
        });
    }

    /// Waits while every task waits and no timer is set: only I/O or another OS thread can
    /// wake a task now (a channel end it holds, `spawn_blocking`). If nothing does for
    /// `Config::stall_warning_after` and no task waits for I/O, say so once on stderr, with
    /// the waiting tasks: a silent hang is the worst way to learn about a deadlock.
    fn park_without_timers(&self) {
        let after = self.config.stall_warning_after;
        let started = Instant::now();
        let Some(deadline) = started.checked_add(after) else {
            // `stall_warning_after(Duration::MAX)`: never warn.
            return self.park(None);
        };
        self.park(Some(deadline));
        let stalled = started.elapsed() >= after
            && !self.owner.has_pending()
            && self.ready.is_empty()
            && self.timers.borrow().is_empty();
        if stalled && !self.stall_reported.get() && !stall::waits_for_io(&self.snapshot()) {
            self.stall_reported.set(true);
            let report = stall::report(&self.dump(), after, self.config.dump_on_stall);
            eprintln!("{report}");
        }
    }

    /// Switches `header`'s task in until its next yield point, then files it by what it
    /// yielded: run queue, parked, or finished.
    ///
    /// Inlined into `step` (and `step` into the run loop): the hot path, a started task
    /// that yields or parks, stays in the loop's frame; starting and finishing are out of
    /// line.
    #[inline(always)]
    fn run_task(&self, task: TaskRef, scheduler: &dyn Schedule) {
        let co = task.coroutine().cast::<TaskCoroutine>();
        let co = if !co.is_null() {
            co
        } else {
            match self.start_task(task.key(), &task, scheduler) {
                Some(co) => co,
                None => return,
            }
        };
        let raw = task.as_raw();
        // SAFETY: the task's slot holds a reference to it until `finish` removes it, at the
        // very end of this call; `task` itself is lent to the context while it runs.
        let header = unsafe { raw.as_ref() };
        let running = task_context::enter_task(task);
        header.count_switch();
        let started = if self.instrumented {
            self.switch_in_time()
        } else {
            None
        };
        // SAFETY: `co` points into the task's slot box, which stays allocated and holds this
        // coroutine until `finish` clears the pointer (slots are freed only by `shutdown`,
        // which clears it too and cannot run while this loop borrows the scheduler).
        // Nothing else reaches the coroutine while it runs: other code touches other slots,
        // or only a slot's header. No `catch_unwind` here: the task's body catches its own
        // panic (see `task::spawn::runner`) and leaves it in the task context; `running`
        // switches the task out even if something unwinds past it.
        let result = self.resume(unsafe { &mut *co }, header);
        header.set_running(false);
        let task = running.leave();
        if self.instrumented {
            // By value (a copy): a reference would keep `result` in memory on every switch.
            self.after_instrumented_run(header, started, result);
        }
        match result {
            Ok(CoroutineState::Yielded(Switch::Yield)) => self.requeue(raw, task),
            Ok(CoroutineState::Yielded(Switch::Park)) => {
                if !header.try_park() {
                    self.requeue(raw, task);
                }
            }
            // The body ended (`Done`: its runner waits for the next task), or an unwind that
            // was not the task's own ended the runner too (`Complete`).
            Ok(CoroutineState::Yielded(Switch::Done) | CoroutineState::Complete(())) => {
                self.finish(header, false, scheduler)
            }
            // A task cancelled before it started (on a new runner), or an expired timeout
            // whose unwind the body swallowed: the task was interrupted, so it ends as
            // cancelled.
            Err(Interrupt::Cancel | Interrupt::Timeout(_)) => self.finish(header, true, scheduler),
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
    /// its captures' `Drop` becomes the task's panic (see `finish`).
    #[cold]
    #[inline(never)]
    fn deliver_cancel(
        &self,
        co: &mut TaskCoroutine,
        header: &Header,
    ) -> Result<CoroutineState<Switch, ()>, Interrupt> {
        header.take_cancel();
        co.throw(Interrupt::Cancel)
    }

    /// Puts a task that switched out back on the run queue, with the reference it came
    /// with (`task`) or, if a wait took that one, a new one.
    #[inline(always)]
    fn requeue(&self, raw: NonNull<Header>, task: Option<TaskRef>) {
        // SAFETY: the task is alive (its slot holds a reference to it); see `run_task`.
        let task = task.unwrap_or_else(|| unsafe { TaskRef::clone_raw(raw) });
        self.ready.push_back(task);
    }

    /// Starts an unstarted task: a pointer to its runner, or `None` if there is nothing to
    /// run (it was cancelled before it started, or it already runs).
    #[inline(never)]
    fn start_task(
        &self,
        key: usize,
        header: &TaskRef,
        scheduler: &dyn Schedule,
    ) -> Option<*mut TaskCoroutine> {
        let unstarted = {
            let mut slots = self.slots.borrow_mut();
            let slot = slots.get_mut(key)?;
            if !slot
                .header
                .as_ref()
                .is_some_and(|h| TaskRef::ptr_eq(h, header))
            {
                return None;
            }
            slot.unstarted.take()
        }?;
        if header.cancel_requested() {
            self.release_start(unstarted);
            self.end_unstarted(key, header, JoinError::cancelled(header), scheduler);
            return None;
        }
        if let StartOn::Fresh = unstarted {
            return self.start_fresh(key, header, scheduler);
        }
        self.install(key, header, unstarted)
    }

    /// Puts the unstarted task of slot `key` on its runner: the one in the slot, or one
    /// made on its stack. Returns a pointer to the runner.
    #[inline(always)]
    fn install(
        &self,
        key: usize,
        header: &TaskRef,
        unstarted: StartOn,
    ) -> Option<*mut TaskCoroutine> {
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[key];
        let co = match unstarted {
            // The runner waits in the slot already.
            StartOn::Runner => slot.coroutine.get_mut().as_mut(),
            StartOn::Stack(stack, reserved) => {
                // A stack reserved long ago (among thousands of spawns, or on another
                // thread) has gone cold: trade it for the one released last. One reserved
                // a moment ago is as warm as any, and the trade would cost more than it
                // saves.
                let stack = stack::swap_if_stale(stack, reserved);
                slot.reusable = stack::usable_size(&stack) == self.default_stack;
                self.default_stack_mapped
                    .set(self.default_stack_mapped.get() | slot.reusable);
                slot.bounds = spawn::bounds(&stack);
                Some(slot.coroutine.get_mut().insert(spawn::runner(stack)))
            }
            StartOn::Fresh => unreachable!("a fresh start takes its stack first (start_fresh)"),
        };
        let co: *mut TaskCoroutine =
            co.expect("a task placed on a runner's slot finds the runner there");
        spawn::assign(header, slot.bounds);
        header.set_coroutine(co.cast());
        Some(co)
    }

    /// Starts the task in slot `key`, which takes its stack now ([`StartOn::Fresh`]): on a
    /// stack of the default size, as if reserved a moment ago. If none can be mapped, the
    /// task ends with the error (`None`). Out of line: the round-robin scheduler never
    /// takes this path, and its starts are hot.
    #[inline(never)]
    fn start_fresh(
        &self,
        key: usize,
        header: &TaskRef,
        scheduler: &dyn Schedule,
    ) -> Option<*mut TaskCoroutine> {
        // Dropped runners give their stacks back for the retry, as at a spawn.
        let stack = stack::acquire_or_free(self.config.stack_size, header.name.as_deref(), || {
            self.drop_idle_runners()
        });
        match stack {
            Ok(stack) => self.install(key, header, StartOn::Stack(stack, stack::reserve())),
            Err(error) => {
                let error = JoinError::no_stack(header, error);
                self.end_unstarted(key, header, error, scheduler);
                None
            }
        }
    }

    /// Ends a task that never started, in slot `key`, with `error`: its closure is
    /// dropped unrun, and a panic in its captures' `Drop` is the task's instead.
    #[inline(never)]
    fn end_unstarted(
        &self,
        key: usize,
        header: &TaskRef,
        error: JoinError,
        scheduler: &dyn Schedule,
    ) {
        let error = match drop_unrun(header) {
            None => error,
            Some(payload) => JoinError::panicked(header, payload),
        };
        let task = self.slots.borrow_mut()[key].header.take();
        let task = task.expect("an unstarted task is in its slot");
        self.remove(key, task, Some(error), scheduler);
    }

    /// Removes a task whose body ended (its runner stays in its slot for the next task, or
    /// is dropped, see `free_slot`): it panicked if its body left a panic
    /// (`task_context::take_task_panic`), else it was `interrupted` (cancelled) or
    /// returned.
    #[inline(never)]
    fn finish(&self, header: &Header, interrupted: bool, scheduler: &dyn Schedule) {
        let key = header.key();
        header.set_coroutine(std::ptr::null_mut());
        let task = self.slots.borrow_mut()[key].header.take();
        let task = task.expect("a running task is in its slot");
        // A task cancelled after its coroutine was made but before its body started still
        // has its closure: drop it here, a panic of its captures' `Drop` being the task's.
        let panic = task_context::take_task_panic().or_else(|| drop_unrun(&task));
        let error = match panic {
            Some(payload) if payload.is::<CancelUnwind>() => Some(JoinError::cancelled(header)),
            Some(payload) => Some(JoinError::panicked(header, payload)),
            None => interrupted.then(|| JoinError::cancelled(header)),
        };
        self.remove(key, task, error, scheduler);
    }

    /// Frees the slot of a finished task, taken out of it, and wakes its joiner. Inlined
    /// into `finish`, which is out of line already.
    #[inline(always)]
    fn remove(
        &self,
        key: usize,
        task: TaskRef,
        error: Option<JoinError>,
        scheduler: &dyn Schedule,
    ) {
        self.free_slot(key);
        self.live.set(self.live.get() - 1);
        task.finish(error);
        scheduler.finished(&task);
    }

    /// When an instrumented loop switches a task in: the time, if slow-task reports or the
    /// timeline need it.
    #[inline(never)]
    fn switch_in_time(&self) -> Option<Instant> {
        let timed = self.config.slow_task_threshold.is_some() || self.timeline.is_some();
        timed.then(Instant::now)
    }

    /// What an instrumented loop does after a task switched out (switched in at `started`,
    /// if timed): records the switch on the timeline, reports the task if it ran too long,
    /// and records when it parked. One clock read at most. Out of line, so that the run
    /// loop pays only the check of `instrumented` when all of them are off.
    #[cold]
    #[inline(never)]
    fn after_instrumented_run(
        &self,
        header: &Header,
        started: Option<Instant>,
        result: Result<CoroutineState<Switch, ()>, Interrupt>,
    ) {
        let parked = matches!(result, Ok(CoroutineState::Yielded(Switch::Park)));
        let record_park = parked && self.config.records_park_times();
        if !record_park && started.is_none() {
            return;
        }
        let now = Instant::now();
        if record_park {
            header.set_parked_at(now);
        }
        if let Some(started) = started {
            if let Some(timeline) = &self.timeline {
                timeline.record(header, started, now, &result);
            }
            self.report_if_slow(header, now.saturating_duration_since(started));
        }
    }

    /// Moves this thread's buffered timeline intervals to the scheduler's record (see the
    /// `timeline` module); nothing if it keeps none.
    pub(crate) fn flush_timeline(&self) {
        if let Some(timeline) = &self.timeline {
            timeline.flush();
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
        self.each_task(TaskSnapshot::of)
    }

    /// A dump of every task on this thread.
    pub(crate) fn dump(&self) -> TaskDump {
        let now = Instant::now();
        TaskDump::new(self.each_task(|header| DumpedTask::of(header, now)))
    }

    /// `f` of every task on this thread.
    fn each_task<T>(&self, f: impl Fn(&Header) -> T) -> Vec<T> {
        let slots = self.slots.borrow();
        slots
            .iter()
            .filter_map(|slot| slot.header.as_deref())
            .map(f)
            .collect()
    }

    /// Ends every task left, as asyncio's `run` does at its end: cancels them all and runs
    /// them until they have ended, so their cleanup (destructors, code after a caught
    /// cancel) runs with its task context and may wait (sleep, join, channels).
    ///
    /// Whenever [`SHUTDOWN_IDLE`] passes with no task ending, every task left is cancelled
    /// again, [`SHUTDOWN_CANCELS`] times in all. Tasks that still have not ended then (they keep
    /// catching their cancels, or wait for something that never comes) are closed where
    /// they stand: their stacks unwind without switching ([`Coroutine::close`](crate::Coroutine::close)).
    ///
    /// Dropped inside a green thread or while another scheduler runs on this thread, the
    /// scheduler cannot run its tasks: it closes them at once; so it does when dropped
    /// while the thread unwinds from a panic.
    pub(crate) fn shutdown(&self, scheduler: &(dyn Schedule + 'static)) {
        // Dropped while this thread unwinds from a panic (a failed assertion, say): end the
        // tasks at once rather than run them.
        if std::thread::panicking() {
            return self.close_remaining(scheduler);
        }
        if let Some(running) = context::try_enter(self, scheduler) {
            self.cancel_and_run(scheduler);
            drop(running);
        }
        self.close_remaining(scheduler);
    }

    /// The cancel-and-run phase of [`shutdown`](Self::shutdown).
    fn cancel_and_run(&self, scheduler: &dyn Schedule) {
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
            if !self.step(scheduler) {
                self.wait_until(since + SHUTDOWN_IDLE);
            }
        }
    }

    /// Parks the thread until the next timer, a wakeup from another thread, or `until`,
    /// whichever comes first.
    fn wait_until(&self, until: Instant) {
        self.park(Some(
            self.next_deadline().map_or(until, |timer| timer.min(until)),
        ));
    }

    /// Requests a cancel of every task on this thread.
    fn cancel_all(&self) {
        let headers: Vec<TaskRef> = self
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
    fn close_remaining(&self, scheduler: &(dyn Schedule + 'static)) {
        // Entered when possible, so destructors that spawn or wake find this scheduler.
        let _running = context::try_enter(self, scheduler);
        loop {
            // Take the slots out first: destructors may spawn or wake tasks.
            let slots: Vec<Box<Slot>> = self.slots.borrow_mut().drain(..).collect();
            self.free_keys.borrow_mut().clear();
            self.runner_keys.borrow_mut().clear();
            drop(self.ready.take_all());
            if slots.iter().all(|slot| slot.is_empty()) {
                break;
            }
            self.live.set(0);
            for slot in slots {
                let Slot {
                    header,
                    unstarted,
                    coroutine,
                    ..
                } = *slot;
                let Some(header) = header else { continue };
                header.set_coroutine(std::ptr::null_mut());
                if let Some(start) = unstarted {
                    self.release_start(start);
                }
                let error = match close_task(&header, coroutine.into_inner()) {
                    Ok(()) => JoinError::cancelled(&header),
                    Err(payload) => JoinError::panicked(&header, payload),
                };
                header.finish(Some(error));
                scheduler.finished(&header);
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
/// yield points reach its own coroutine, which refuses them, see [`Coroutine::close`](crate::Coroutine::close)); a
/// panic from a destructor or from a body that ignored the close is returned.
fn close_task(
    header: &TaskRef,
    coroutine: Option<TaskCoroutine>,
) -> Result<(), Box<dyn Any + Send>> {
    panic::catch_unwind(AssertUnwindSafe(|| {
        if let Some(co) = coroutine {
            let guard = task_context::try_enter_task(header.clone());
            // Not switched in, the task's stack is not the running task's, which is how the
            // overflow report finds a task's stack: register it for the time it unwinds.
            let registration = match &guard {
                Some(guard) => {
                    task_context::set_closing(guard);
                    None
                }
                None => {
                    let (limit, base) = header.stack_bounds();
                    let name = header.name.as_deref();
                    Some(GuardRegistration::for_bounds(limit, base, name))
                }
            };
            drop(co);
            drop(guard);
            drop(registration); // also when the close panics: it unregisters on drop
        }
        header.drop_unrun();
    }))
}

/// Drops a task's closure if it never ran; the panic of a capture's `Drop`, if any.
fn drop_unrun(task: &TaskRef) -> Option<Box<dyn Any + Send>> {
    panic::catch_unwind(AssertUnwindSafe(|| task.drop_unrun())).err()
}
