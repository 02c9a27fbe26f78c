//! What the current OS thread is doing: which scheduler runs here (as the [`Schedule`]
//! trait object) and which green thread is switched in. Free functions (`yield_now`,
//! `spawn`, `sleep`, channel waits) find their task and scheduler here, and a task
//! switches out here ([`yield_task`], [`park_task`]).
//!
//! The scheduler sets this up ([`enter_scheduler`], [`enter_task`]); nothing here knows
//! which scheduler it is.

use std::any::Any;
use std::cell::Cell;
use std::panic;
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cell::TaskRef;
use super::header::Header;
use super::owner::Owner;
use super::schedule::Schedule;
use super::tick;
use super::WaitReason;
use crate::coroutine::{Coroutine, Yielder};
use crate::stack;

/// What a task yields to its scheduler.
#[derive(Clone, Copy)]
pub(crate) enum Switch {
    /// Back of the run queue (`yield_now`).
    Yield,
    /// Wait until unparked (`sleep`, a sync primitive, `join`).
    Park,
    /// The task's body has ended; its coroutine, a runner (`task::spawn::runner`), waits
    /// for the next task to run.
    Done,
}

/// What a scheduler throws at a task's yield point.
#[derive(Clone, Copy)]
pub(crate) enum Interrupt {
    /// `JoinHandle::cancel`: unwind the whole task.
    Cancel,
    /// The `timeout` with this id expired: unwind to it.
    Timeout(u64),
}

impl Interrupt {
    /// Applies the interrupt here: a cancel unwinds the task, an expired timeout unwinds
    /// to its `timeout` call.
    #[cold]
    pub(crate) fn raise(self) -> ! {
        interrupted(self)
    }

    /// Puts the interrupt back on the current task, raised at its next yield point: for a
    /// wait that completed before the interrupt reached it (a channel receiver that was
    /// handed a message it must keep). An expired timeout whose `timeout` call returns
    /// first is forgotten there, as any expiry that did not interrupt its closure.
    ///
    /// # Panics
    ///
    /// Outside a green thread (only a task's yield point delivers interrupts).
    #[cold]
    #[inline(never)]
    pub(crate) fn defer(self) {
        let task = current_task().expect("only a green thread's yield point is interrupted");
        match self {
            Interrupt::Cancel => task.request_cancel(),
            Interrupt::Timeout(id) => task.expire_timeout(id),
        }
    }
}

/// The panic payload that carries a cancel from a task's yield point up to the root of its
/// stack, where the task ends cancelled; a task that catches it (`catch_unwind`) and goes
/// on is not cancelled (asyncio's `uncancel`).
pub(crate) struct CancelUnwind;

/// The panic payload that carries an expired timeout from a yield point up to its
/// `timeout` call.
pub(crate) struct TimeoutUnwind(pub(crate) u64);

/// The yielder of a task's coroutine.
pub(crate) type TaskYielder = Yielder<(), Switch, Interrupt>;

/// Before a wait for `reason`: yields if exactly one other task is ready on this thread,
/// so that the caller, looking again, may find what it waits for without parking; else
/// does nothing. Nothing outside a green thread, or while its stack unwinds.
///
/// The ready task runs next, and if it answers the wait before it switches out (a reply
/// over a channel), the answer is there when the caller looks again. A park and the
/// wakeup that ends it cost the waiter a wait-list entry, two updates of its state word
/// and two calls into the scheduler; a yield costs a place on the run queue. In a
/// ping-pong between two tasks the peer is the one task ready, and it answers before it
/// switches out, so each wait becomes one yield. When the peer does not answer, the waiter
/// has switched out once more than it would have. With several tasks ready, each of them
/// runs before the waiter anyway, so it parks at once.
///
/// The task's dumps show it ready during the yield, and its timeline shows the yield as a
/// park on `reason` (the wait reason is set across it).
///
/// # Panics
///
/// Raises a cancel or an expired timeout delivered at the yield, as [`yield_task`] does.
#[inline(always)]
pub(crate) fn yield_before_wait(reason: WaitReason) {
    let (task, yielder, scheduler) =
        CONTEXT.with(|cx| (cx.task.get(), cx.yielder.get(), cx.scheduler.get()));
    let (Some(task), Some(scheduler)) = (task, scheduler) else {
        return;
    };
    // SAFETY: set by `enter_scheduler` from a live reference whose guard clears it before
    // that borrow ends (see `with_scheduler`).
    if yielder.is_null() || unsafe { scheduler.as_ref() }.ready_len() != 1 {
        return;
    }
    if std::thread::panicking() && task_unwinds() {
        return;
    }
    // SAFETY: non-null, so set by `enter_task` for the task switched in now, whose
    // `TaskRef` the scheduler holds until `leave_task`; see `with_current`.
    let header = unsafe { task.as_ref() };
    // SAFETY: non-null, so set by `set_yielder`/`enter_task` for the task switched in now;
    // see `switch_with`.
    let switched = switch_waiting(header, unsafe { &*yielder }, reason, Switch::Yield);
    if let Err(interrupt) = switched {
        interrupted(interrupt);
    }
}

/// A task's coroutine: sent `()`, yields a [`Switch`], interrupted by an [`Interrupt`]; its
/// body leaves its value in the task cell, so it returns `()`.
pub(crate) type TaskCoroutine = Coroutine<(), Switch, (), Interrupt>;

struct Context {
    /// The scheduler running on this thread (`None` outside `run`/`block_on` and worker
    /// loops).
    scheduler: Cell<Option<NonNull<dyn Schedule>>>,
    /// Its inbox, to tell a wakeup on this thread from one on another.
    owner: Cell<*const Owner>,
    /// The green thread switched in (null between tasks and outside schedulers).
    task: Cell<Option<NonNull<Header>>>,
    /// `task` holds the run queue's strong reference to it (see `enter_task`).
    lent: Cell<bool>,
    /// The task's `Yielder`, for `switch_with`.
    yielder: Cell<*const TaskYielder>,
    /// The bounds of the task's stack (lowest, one past highest), for `switch_with`.
    stack: Cell<(usize, usize)>,
    /// When the current task's time slice started (set lazily by `maybe_yield`).
    slice_start: Cell<Option<Instant>>,
    /// The tick (`tick::now`) the last `maybe_yield` on this thread looked at.
    seen_tick: Cell<u64>,
    /// The switched-in task is being closed by its scheduler's drop, not run (see
    /// `Local::shutdown`): a panic at the root of its stack is the close, not its own.
    closing: Cell<bool>,
    /// `park_thread` warned of a wait during unwinding on this thread.
    #[cfg_attr(yieldpoint_loom, allow(dead_code))] // the loom build parks loom threads
    unwinding_wait_reported: Cell<bool>,
    /// The running scheduler captures a backtrace at each park (`capture_park_backtraces`).
    park_backtraces: Cell<bool>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            scheduler: Cell::new(None),
            owner: Cell::new(ptr::null()),
            task: Cell::new(None),
            lent: Cell::new(false),
            yielder: Cell::new(ptr::null()),
            stack: Cell::new((0, 0)),
            slice_start: Cell::new(None),
            seen_tick: Cell::new(0),
            closing: Cell::new(false),
            unwinding_wait_reported: Cell::new(false),
            park_backtraces: Cell::new(false),
        }
    };
}

/// Marks `scheduler` as this thread's running scheduler until the guard drops.
///
/// # Panics
///
/// Inside a green thread, or while another scheduler runs on this thread.
pub(crate) fn enter_scheduler(scheduler: &(dyn Schedule + 'static)) -> SchedulerGuard {
    CONTEXT.with(|cx| {
        assert!(
            cx.task.get().is_none(),
            "cannot run a scheduler inside a green thread; spawn the work as a task instead"
        );
        assert!(
            cx.scheduler.get().is_none(),
            "a scheduler is already running on this thread; nested run()/block_on() is not supported"
        );
        cx.scheduler.set(Some(NonNull::from(scheduler)));
        cx.owner.set(Arc::as_ptr(scheduler.owner()));
        cx.park_backtraces.set(scheduler.capture_park_backtraces());
    });
    // Task stacks are not registered for the overflow report: the handler asks which task
    // runs here instead.
    stack::prepare_overflow_report();
    stack::set_running_stack_lookup(running_task_stack);
    SchedulerGuard(())
}

/// The stack of the task switched in on this thread, for the stack-overflow report
/// (`stack/overflow.rs`); `None` between tasks. Runs inside a signal handler: it only
/// reads this thread's context and the task's header.
fn running_task_stack() -> Option<stack::RunningStack> {
    let (task, (limit, base)) = CONTEXT
        .try_with(|cx| (cx.task.get(), cx.stack.get()))
        .ok()?;
    let task = task?;
    if limit == 0 {
        return None; // not started: it has no stack yet
    }
    // SAFETY: a switched-in task is alive (see `with_current`); its name lives as long.
    let header = unsafe { task.as_ref() };
    Some(stack::RunningStack {
        limit,
        base,
        name: header.name.as_deref().map(|name| name as *const str),
    })
}

/// Like [`enter_scheduler`], but `None` instead of a panic when a task or another
/// scheduler is running here (a scheduler dropped inside a green thread shuts down
/// without it).
pub(crate) fn try_enter_scheduler(scheduler: &(dyn Schedule + 'static)) -> Option<SchedulerGuard> {
    let free = CONTEXT.with(|cx| cx.task.get().is_none() && cx.scheduler.get().is_none());
    free.then(|| enter_scheduler(scheduler))
}

/// Clears the running scheduler on drop.
pub(crate) struct SchedulerGuard(());

impl Drop for SchedulerGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| {
            cx.scheduler.set(None);
            cx.owner.set(ptr::null());
            cx.park_backtraces.set(false);
        });
    }
}

/// Runs `f` with this thread's running scheduler, if any.
#[inline]
pub(crate) fn with_scheduler<R>(f: impl FnOnce(&dyn Schedule) -> R) -> Option<R> {
    let scheduler = CONTEXT.try_with(|cx| cx.scheduler.get()).ok()??;
    // SAFETY: set by `enter_scheduler` from a live reference whose guard clears it before
    // that borrow ends; only this thread reads it.
    Some(f(unsafe { scheduler.as_ref() }))
}

/// Whether `owner` is the inbox of the scheduler running on this thread.
#[inline]
pub(crate) fn is_current_owner(owner: &Owner) -> bool {
    CONTEXT
        .try_with(|cx| ptr::eq(cx.owner.get(), owner))
        .unwrap_or(false)
}

/// Whether a scheduler runs on this thread.
pub(crate) fn in_scheduler() -> bool {
    CONTEXT
        .try_with(|cx| cx.scheduler.get().is_some())
        .unwrap_or(false)
}

/// Switches `header`'s task in: free functions called by its body now find it. The
/// returned guard switches it out again ([`TaskGuard::leave`]); if the guard is dropped
/// instead (a panic unwinds past it), it switches the task out all the same, so the
/// thread is never left "inside a task".
///
/// The run queue's reference to the task moves here for the time it runs: the first wait
/// that needs an owned reference to the task (to be woken through) takes it instead of
/// cloning one ([`current_task`]), and [`leave_task`] hands back what is left. A
/// park and its wakeup then cost no reference-count updates.
#[inline(always)]
pub(crate) fn enter_task(task: TaskRef) -> TaskGuard {
    CONTEXT.with(|cx| {
        let task = task.into_raw();
        cx.task.set(Some(task));
        cx.lent.set(true);
        // SAFETY: the reference just moved into `task` keeps the task alive.
        let header = unsafe { task.as_ref() };
        cx.yielder.set(header.yielder().cast());
        cx.stack.set(header.stack_bounds());
        cx.slice_start.set(None);
    });
    TaskGuard(())
}

/// Like [`enter_task`], but `None` when a task is switched in already (a scheduler dropped
/// inside another's green thread closes its tasks without switching them in).
pub(crate) fn try_enter_task(task: TaskRef) -> Option<TaskGuard> {
    let free = CONTEXT.with(|cx| cx.task.get().is_none());
    free.then(|| enter_task(task))
}

/// The switched-in task of [`enter_task`]; switches it out when dropped.
#[must_use = "dropping the guard switches the task out at once"]
pub(crate) struct TaskGuard(());

impl TaskGuard {
    /// Switches the task out; returns the run queue's reference to it unless a wait took
    /// it.
    #[inline(always)]
    pub(crate) fn leave(self) -> Option<TaskRef> {
        std::mem::forget(self);
        leave_task()
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        drop(leave_task());
    }
}

/// Switches the task out again; returns the run queue's reference to it unless a wait
/// took it.
#[inline(always)]
fn leave_task() -> Option<TaskRef> {
    CONTEXT.with(|cx| {
        cx.closing.set(false);
        let task = cx.task.replace(None)?;
        cx.yielder.set(ptr::null());
        // SAFETY: `lent` says `task` still holds the strong reference `enter_task` put there.
        cx.lent
            .replace(false)
            .then(|| unsafe { TaskRef::from_raw(task) })
    })
}

/// Marks the task switched in by `guard` as being closed, not run, until it is switched
/// out.
pub(crate) fn set_closing(_guard: &TaskGuard) {
    CONTEXT.with(|cx| cx.closing.set(true));
}

/// Whether `header`'s task is switched in here to run (not to be closed): a panic that
/// reaches the root of its stack is then the task's own.
pub(crate) fn is_running(header: &Header) -> bool {
    CONTEXT
        .try_with(|cx| {
            cx.task
                .get()
                .is_some_and(|task| ptr::eq(task.as_ptr(), header))
                && !cx.closing.get()
        })
        .unwrap_or(false)
}

/// Records the running body's `Yielder` and the bounds of its stack (called once by the
/// body when it starts).
pub(crate) fn set_yielder(yielder: &TaskYielder, stack: (usize, usize)) {
    CONTEXT.with(|cx| {
        cx.yielder.set(yielder);
        cx.stack.set(stack);
    });
}

/// Runs `f` with the green thread switched in here, if any.
pub(crate) fn with_current<R>(f: impl FnOnce(&Header) -> R) -> Option<R> {
    let task = CONTEXT.try_with(|cx| cx.task.get()).ok()??;
    // SAFETY: `task` points into an `TaskRef` that the scheduler's slab holds for as
    // long as the task exists, which includes the time it is switched in (`enter_task` ..
    // `leave_task`).
    Some(f(unsafe { task.as_ref() }))
}

/// The green thread switched in here, if any, as a pointer (its run queue reference keeps
/// it alive while it is switched in).
pub(crate) fn current_raw() -> Option<NonNull<Header>> {
    CONTEXT.try_with(|cx| cx.task.get()).ok()?
}

/// The green thread switched in here, if any, as an owned reference: the one lent by the
/// run queue if no one took it yet (see [`enter_task`]), else a new one.
///
/// `None` while the task's stack unwinds (a panic, a cancel, a close): a wait there cannot
/// park the green thread (see [`park_task`]), so it waits as an OS thread, and registers
/// the OS thread to be woken.
#[inline]
pub(crate) fn current_task() -> Option<TaskRef> {
    if std::thread::panicking() && task_unwinds() {
        return None;
    }
    let (task, lent) = CONTEXT
        .try_with(|cx| (cx.task.get(), cx.lent.replace(false)))
        .ok()?;
    let task = task?;
    // SAFETY: `task` came from `TaskRef::into_raw` (see `enter_task`), and the task is
    // alive while switched in. If `lent`, that reference is taken over here (and `lent` is
    // now clear); otherwise one more is made.
    unsafe {
        Some(if lent {
            TaskRef::from_raw(task)
        } else {
            TaskRef::clone_raw(task)
        })
    }
}

/// Whether a green thread is switched in on this thread.
pub(crate) fn in_task() -> bool {
    CONTEXT
        .try_with(|cx| cx.task.get().is_some())
        .unwrap_or(false)
}

/// Parks the current green thread until it is unparked; `false` outside a green thread,
/// and while the task's stack unwinds.
///
/// No yield point suspends while a panic (or a cancel, or a close) unwinds its stack:
/// the suspended unwind would leave `std::thread::panicking()` true for every other task
/// of this OS thread. A wait reached from a destructor then blocks the OS thread instead,
/// as outside a scheduler ([`current_task`] registers the OS thread as the waiter).
///
/// Inlined down to the stack switch, like [`yield_task`].
#[inline(always)]
pub(crate) fn park_task(reason: WaitReason) -> bool {
    match park_task_or_interrupt(reason) {
        Ok(parked) => parked,
        Err(interrupt) => interrupted(interrupt),
    }
}

/// [`park_task`] that returns an interrupt delivered at the park (a cancel, an expired
/// timeout) instead of raising it, for a wait that may have completed meanwhile: the
/// caller then [`raise`](Interrupt::raise)s it, or, if it keeps what came,
/// [`defer`](Interrupt::defer)s it to the task's next yield point.
#[inline(always)]
pub(crate) fn park_task_or_interrupt(reason: WaitReason) -> Result<bool, Interrupt> {
    let (task, yielder, backtraces) =
        CONTEXT.with(|cx| (cx.task.get(), cx.yielder.get(), cx.park_backtraces.get()));
    let Some(task) = task else {
        return Ok(false);
    };
    if std::thread::panicking() && task_unwinds() {
        return Ok(false);
    }
    // SAFETY: non-null, so set by `enter_task` for the task switched in now, whose
    // `TaskRef` the scheduler holds until `leave_task`; see `with_current`.
    let header = unsafe { task.as_ref() };
    if backtraces {
        // SAFETY: as in `yield_task`.
        return park_with_backtrace(header, unsafe { &*yielder }, reason);
    }
    // SAFETY: as in `yield_task`.
    switch_waiting(header, unsafe { &*yielder }, reason, Switch::Park).map(|()| true)
}

/// [`try_switch`] with the task's wait reason set to `reason` across the switch, for dumps
/// and the timeline: a park, or the yield that starts a wait ([`yield_before_wait`]).
#[inline(always)]
fn switch_waiting(
    header: &Header,
    yielder: &TaskYielder,
    reason: WaitReason,
    what: Switch,
) -> Result<(), Interrupt> {
    header.set_wait(reason);
    let switched = try_switch(yielder, what);
    header.clear_wait();
    switched
}

/// The park of [`park_task_or_interrupt`] with a backtrace of where the task parks, kept
/// in the task until it is woken, for dumps (`capture_park_backtraces`). Out of line and
/// cold, so that with backtraces off a park only tests the flag; it switches one frame
/// deeper than the inlined park, which costs the return-address predictor a miss or two
/// (see "Return-address prediction" in `sched/local.rs`): nothing beside the stack walk.
#[cold]
#[inline(never)]
fn park_with_backtrace(
    header: &Header,
    yielder: &TaskYielder,
    reason: WaitReason,
) -> Result<bool, Interrupt> {
    header.set_park_backtrace(std::backtrace::Backtrace::force_capture());
    let switched = switch_waiting(header, yielder, reason, Switch::Park);
    header.clear_park_backtrace();
    switched.map(|()| true)
}

/// Whether the switched-in task's own stack is unwinding (a panic, a cancel, a close of
/// its own), as opposed to its scheduler running it from code that unwinds (a scheduler
/// dropped during a panic). Only asked while `std::thread::panicking()`.
#[cold]
#[inline(never)]
fn task_unwinds() -> bool {
    let yielder = CONTEXT.with(|cx| cx.yielder.get());
    // SAFETY: non-null, so set by `set_yielder`/`enter_task` for the task switched in now,
    // whose coroutine (and so its `Yielder`) lives until `leave_task`.
    yielder.is_null() || unsafe { (*yielder).is_unwinding() }
}

/// Parks the OS thread: a wait outside a green thread, or in one whose stack unwinds (see
/// [`park_task`]). In the second case no other task of this thread can run until another
/// OS thread wakes this one; if none does within the scheduler's stall warning time, say
/// so on stderr (once per thread) instead of hanging silently.
#[cfg_attr(yieldpoint_loom, allow(dead_code))] // the loom build parks loom threads
pub(crate) fn park_thread(reason: WaitReason) {
    if !in_task() {
        return std::thread::park();
    }
    park_unwinding_task(reason);
}

#[cold]
#[inline(never)]
#[cfg_attr(yieldpoint_loom, allow(dead_code))]
fn park_unwinding_task(reason: WaitReason) {
    let after = with_scheduler(|s| s.stall_warning_after()).unwrap_or(Duration::from_secs(10));
    let started = Instant::now();
    std::thread::park_timeout(after);
    if started.elapsed() < after || CONTEXT.with(|cx| cx.unwinding_wait_reported.replace(true)) {
        return;
    }
    let task = with_current(|h| match &h.name {
        Some(name) => format!("task {} (\"{name}\", spawned at {})", h.id, h.spawned_at),
        None => format!("task {} (spawned at {})", h.id, h.spawned_at),
    })
    .unwrap_or_default();
    eprintln!(
        "yieldpoint: {task} has waited {after:?} for {reason:?} while its stack unwinds (in a \
         destructor, during a panic, a cancel or a close). A green thread cannot switch out \
         while it unwinds, so the wait blocks its OS thread, and no other task of that thread \
         can run until another OS thread wakes it. Wait after catch_unwind instead of in Drop \
         (see JoinHandle::cancel)."
    );
}

/// Puts the current green thread at the back of the run queue; `false` outside one.
///
/// While the task's stack unwinds it does not switch (see [`park_task`]) and returns `true`:
/// a `yield_now` in a destructor is a no-op.
///
/// Inlined down to the stack switch, like [`switch_with`].
#[inline(always)]
pub(crate) fn yield_task() -> bool {
    let yielder = CONTEXT.with(|cx| cx.yielder.get());
    if yielder.is_null() {
        return false;
    }
    if std::thread::panicking() && task_unwinds() {
        return true;
    }
    // SAFETY: non-null, so set by `set_yielder`/`enter_task` for the task switched in now;
    // see `switch_with`.
    switch_with(unsafe { &*yielder }, Switch::Yield);
    true
}

/// Whether the clock tick changed since this thread's last look: then `maybe_yield` looks
/// at the clock ([`slice_spent`]).
///
/// Inlined into the caller's loop: a load of the tick, a load of this thread's copy (a
/// const-initialised thread local without destructor: no lazy initialisation or liveness
/// check), a compare; no store, so a loop of calls carries no dependency through memory.
#[inline(always)]
pub(crate) fn tick_changed() -> bool {
    let now = tick::now();
    CONTEXT.with(|cx| cx.seen_tick.get() != now)
}

/// `true` when the current task has used up its time slice; called when [`tick_changed`]
/// says so. Takes the new tick as seen, and keeps the tick thread running while green
/// threads look (see `tick`).
pub(crate) fn slice_spent() -> bool {
    CONTEXT
        .try_with(|cx| {
            let now_tick = tick::now();
            cx.seen_tick.set(now_tick);
            if cx.task.get().is_none() {
                return false;
            }
            tick::looked(now_tick);
            let now = Instant::now();
            match cx.slice_start.get() {
                None => {
                    cx.slice_start.set(Some(now));
                    false
                }
                Some(start) => {
                    let slice = with_scheduler(|s| s.time_slice()).unwrap_or_default();
                    now.duration_since(start) >= slice
                }
            }
        })
        .unwrap_or(false)
}

/// Suspends the current task's coroutine with `what`, and applies an interrupt delivered
/// when it is resumed: a cancel unwinds the whole task, an expired timeout unwinds to its
/// `timeout` call.
///
/// Always inlined, so the stack switch happens in the frame of whoever called
/// `yield_now`: corosensei resumes a coroutine with a `call` and suspends it with the
/// matching `ret`, and a task that suspends and resumes at the same call depth keeps the
/// CPU's return-address predictor in step (see "Return-address prediction" in
/// `sched/local.rs`).
#[inline(always)]
fn switch_with(yielder: &TaskYielder, what: Switch) {
    if let Err(interrupt) = try_switch(yielder, what) {
        interrupted(interrupt);
    }
}

/// [`switch_with`] that returns the interrupt instead of applying it.
///
/// Every caller has returned early if the task's own stack unwinds (`task_unwinds`), so
/// the yielder need not ask `std::thread::panicking()` again.
#[inline(always)]
fn try_switch(yielder: &TaskYielder, what: Switch) -> Result<(), Interrupt> {
    check_on_task_stack(yielder);
    yielder.try_yield_not_unwinding(what)
}

/// Applies an interrupt delivered at a yield point.
#[cold]
#[inline(never)]
fn interrupted(interrupt: Interrupt) -> ! {
    match interrupt {
        // Not `Yielder::raise`: a thrown error that the body swallows with `catch_unwind` is
        // raised again at its next yield point, but a caught cancel is handled: the task
        // goes on, not cancelled (asyncio's `uncancel`). The cancel is raised once.
        Interrupt::Cancel => panic::resume_unwind(Box::new(CancelUnwind)),
        Interrupt::Timeout(id) => panic::resume_unwind(Box::new(TimeoutUnwind(id))),
    }
}

/// A yield from inside a coroutine nested in the task (a `Generator` the task drives)
/// would suspend the wrong stack; refuse it with a clear message.
#[inline(always)]
fn check_on_task_stack(yielder: &TaskYielder) {
    let here = &yielder as *const _ as usize;
    let (low, high) = CONTEXT.with(|cx| cx.stack.get());
    if !(low..high).contains(&here) {
        not_on_task_stack();
    }
}

/// Whether the caller runs on the current task's own stack, not on a coroutine the task
/// drives (`false` outside a task). Out of line: `here` is then in this frame, which is
/// on the caller's stack.
#[inline(never)]
pub(crate) fn on_task_stack() -> bool {
    let here = 0_u8;
    let here = std::hint::black_box(&here) as *const u8 as usize;
    let (low, high) = CONTEXT.with(|cx| cx.stack.get());
    (low..high).contains(&here)
}

#[cold]
#[inline(never)]
fn not_on_task_stack() -> ! {
    panic!(
        "a green thread cannot yield (yield_now, sleep, a channel wait, ...) from inside a \
         coroutine it is driving; yield through that coroutine's Yielder, or do the wait \
         outside its body"
    )
}

thread_local! {
    /// The panic of the task that just ended on this thread, left by its body for the
    /// scheduler (see `task::spawn::runner`). Apart from `CONTEXT`, which must stay free of
    /// destructors for `tick_changed`.
    static TASK_PANIC: Cell<Option<Box<dyn Any + Send>>> = const { Cell::new(None) };
}

/// Leaves the panic that ended the task switched in here, for its scheduler.
pub(crate) fn set_task_panic(payload: Box<dyn Any + Send>) {
    let previous = TASK_PANIC.with(|p| p.replace(Some(payload)));
    debug_assert!(previous.is_none(), "one panic per task end");
}

/// Takes the panic that ended the task that just switched out, if it panicked.
pub(crate) fn take_task_panic() -> Option<Box<dyn Any + Send>> {
    TASK_PANIC.with(Cell::take)
}
