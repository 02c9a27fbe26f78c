//! Which scheduler core runs on this OS thread, for the parts of `sched` that need it
//! (the timer queue for `time`, the run loop). The task layer's own view of the thread —
//! the running task, and the scheduler as a [`Schedule`] — is `task::context`; entering a
//! core sets both.

use std::cell::Cell;
use std::ptr;

use super::local::Local;
use crate::task::context::{self as task_context, SchedulerGuard};
use crate::task::schedule::Schedule;

thread_local! {
    /// The core whose loop runs on this thread (null outside `run`/`block_on` and workers).
    static LOCAL: Cell<*const Local> = const { Cell::new(ptr::null()) };
}

/// Marks `local`, run by `scheduler`, as this thread's running scheduler until the guard
/// drops.
///
/// # Panics
///
/// Inside a green thread, or while another scheduler runs on this thread.
pub(crate) fn enter<'a>(local: &'a Local, scheduler: &(dyn Schedule + 'static)) -> Entered<'a> {
    let scheduler = task_context::enter_scheduler(scheduler);
    LOCAL.with(|cell| cell.set(local));
    Entered::new(scheduler, local)
}

/// Like [`enter`], but `None` instead of a panic when a task or another scheduler is
/// running here.
pub(crate) fn try_enter<'a>(
    local: &'a Local,
    scheduler: &(dyn Schedule + 'static),
) -> Option<Entered<'a>> {
    let scheduler = task_context::try_enter_scheduler(scheduler)?;
    LOCAL.with(|cell| cell.set(local));
    Some(Entered::new(scheduler, local))
}

/// The scheduler entered by [`enter`]; leaves it when dropped.
pub(crate) struct Entered<'a> {
    _scheduler: SchedulerGuard,
    /// The tokio runtime given to the scheduler (`Builder::tokio_handle`), entered for as
    /// long as the scheduler runs here: its loop and every green thread it switches to run
    /// inside it, so tokio's constructors (`time::sleep`, `net::TcpStream::connect`,
    /// `spawn`) find it. The guard lives on the scheduler's own stack, below every switch
    /// to a green thread, so no switch ever crosses it.
    #[cfg(feature = "tokio")]
    _tokio: Option<tokio::runtime::EnterGuard<'a>>,
    #[cfg(not(feature = "tokio"))]
    _local: std::marker::PhantomData<&'a Local>,
}

impl<'a> Entered<'a> {
    fn new(scheduler: SchedulerGuard, local: &'a Local) -> Self {
        Entered {
            _scheduler: scheduler,
            #[cfg(feature = "tokio")]
            _tokio: local
                .config
                .tokio
                .as_ref()
                .map(tokio::runtime::Handle::enter),
            #[cfg(not(feature = "tokio"))]
            _local: {
                let _ = local;
                std::marker::PhantomData
            },
        }
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let _ = LOCAL.try_with(|cell| cell.set(ptr::null()));
    }
}

/// Runs `f` with the core running on this thread, if any.
pub(crate) fn with_local<R>(f: impl FnOnce(&Local) -> R) -> Option<R> {
    let local = LOCAL.try_with(Cell::get).ok()?;
    // SAFETY: set by `enter` from a live `&Local` whose guard clears it before that borrow
    // ends; only this thread reads it.
    unsafe { local.as_ref() }.map(f)
}
