//! Loom models of the task protocols in `state.rs`: every interleaving (up to loom's
//! preemption bound, `LOOM_MAX_PREEMPTIONS`) of two or three threads driving the real
//! [`State`] word and [`Inbox`], with the task cell's value stage (`cell.rs`) as a loom
//! cell, so that an access to the value that the state word does not order is reported.
//!
//! Run: `RUSTFLAGS="--cfg yieldpoint_loom" cargo test --release --lib loom_task`
//! (`.ci/run` does, in its own target directory).
//!
//! The scheduler around the protocols is modelled as small as it is: a waker on another
//! thread runs `TaskRef::unpark` (or `request_cancel`) and `Owner::send` ([`Owner::wake`],
//! [`Owner::cancel`]); an owner thread whose task parked runs its loop's inbox check and
//! idle park ([`Owner::wait_for_wakeups`], as `Local::step` and `Local::idle`).
//!
//! Every party of a task changes the one word, so each model that mixes parties (a
//! wakeup and a cancel, a park and a join, an end and a detach) also checks that no
//! party's change is lost to another's.

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread::{self, Thread};

use super::{Inbox, State};

/// A task as the protocols see it: its state word (with its joiner's waiter `W`), and the
/// value stage of its task cell (`cell.rs`).
struct Task<W = Thread> {
    state: State<W, &'static str>,
    value: UnsafeCell<Option<Value>>,
}

// SAFETY: as `TaskRef`'s: `value` is written before `FINISHED` and taken after it by the
// one party the state word picks.
unsafe impl<W: Send> Sync for Task<W> {}

impl<W> Task<W> {
    fn new() -> Arc<Self> {
        Arc::new(Task {
            state: State::new(),
            value: UnsafeCell::new(None),
        })
    }

    /// The owner's side of the end: the body stores its value, then the owner publishes
    /// the end (`TaskRef::finish`), dropping the value if the handle is gone: the joiner
    /// to wake, if one waits.
    fn finish_with(&self, value: Value) -> Option<W> {
        // SAFETY: once, by the owner, before `finish`.
        self.value.with_mut(|slot| unsafe { *slot = Some(value) });
        let finished = self.state.finish(None);
        if finished.detached {
            // SAFETY: the state word picked the owner to drop the value.
            drop(self.value.with_mut(|slot| unsafe { (*slot).take() }));
        }
        finished.joiner
    }

    /// The joiner's side after `wait` returned (`JoinHandle::into_result`).
    fn take(&self) -> Result<Value, &'static str> {
        if let Some(error) = self.state.take_error() {
            return Err(error);
        }
        // SAFETY: the one joiner, after the end was published.
        self.value
            .with_mut(|slot| unsafe { (*slot).take() })
            .ok_or("no value")
    }

    /// The handle's drop (`JoinHandle::drop`): drops the value if the task has finished.
    fn detach(&self) {
        if self.state.detach() {
            // SAFETY: the state word picked the handle to drop the value.
            drop(self.value.with_mut(|slot| unsafe { (*slot).take() }));
        }
    }
}

/// The owner of `task` on another thread: the task ends with a value that counts its drops
/// in `drops`, and its joiner, if one is registered, is woken with `wake`.
fn end_on_another_thread<W: Send + 'static>(
    task: &Arc<Task<W>>,
    drops: &Arc<AtomicUsize>,
    wake: impl FnOnce(W) + Send + 'static,
) -> thread::JoinHandle<()> {
    let (task, drops) = (task.clone(), drops.clone());
    thread::spawn(move || {
        if let Some(joiner) = task.finish_with(Value { drops }) {
            wake(joiner);
        }
    })
}

/// A scheduler thread as its wakers see it: its inbox and its OS thread.
struct Owner {
    inbox: Inbox<Arc<Task>>,
    thread: Thread,
}

impl Owner {
    fn for_current_thread() -> Arc<Owner> {
        Arc::new(Owner {
            inbox: Inbox::new(),
            thread: thread::current(),
        })
    }

    /// A wakeup from another thread: `TaskRef::unpark`, then `Owner::send` if it was
    /// parked.
    fn wake(&self, task: &Arc<Task>) {
        if task.state.unpark() {
            self.send(task);
        }
    }

    /// A cancel from another thread: `TaskRef::request_cancel`, then `Owner::send` if the
    /// task was parked.
    fn cancel(&self, task: &Arc<Task>) {
        if task.state.request_cancel() {
            self.send(task);
        }
    }

    fn send(&self, task: &Arc<Task>) {
        self.inbox.push(task.clone());
        self.thread.unpark();
    }

    /// The owner's loop while its task is parked and nothing else is ready: take the inbox
    /// when it has something (`Local::absorb_inbox`), else park the OS thread unless it
    /// has something now (`Local::idle`).
    fn wait_for_wakeups(&self) -> Vec<Arc<Task>> {
        loop {
            if self.inbox.has_pending() {
                let woken = self.inbox.drain();
                if !woken.is_empty() {
                    return woken;
                }
            }
            if !self.inbox.has_pending() {
                thread::park();
            }
        }
    }

    /// Parks `task` (its owner's `try_park` after it switched out) and, if it parked, runs
    /// the loop until the wakeup arrives: a parked task is queued exactly once.
    fn park(&self, task: &Arc<Task>) {
        if task.state.try_park() {
            let woken = self.wait_for_wakeups();
            assert_eq!(woken.len(), 1, "a parked task was queued more than once");
            assert!(Arc::ptr_eq(&woken[0], task));
        }
    }
}

/// Something a waker writes before its wakeup and the woken task reads: loom reports a
/// data race if the wakeup does not order the two.
struct Message(UnsafeCell<u32>);

// SAFETY: the test's point: its accesses are ordered by the protocol under test, and
// loom checks that they are.
unsafe impl Sync for Message {}

/// A task's value that counts its drops.
struct Value {
    drops: Arc<AtomicUsize>,
}

impl Drop for Value {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn loom_task_park_a_wakeup_before_the_park_is_not_lost() {
    loom::model(|| {
        let owner = Owner::for_current_thread();
        let task = Task::new();
        let message = Arc::new(Message(UnsafeCell::new(0)));
        let waker = {
            let (owner, task, message) = (owner.clone(), task.clone(), message.clone());
            thread::spawn(move || {
                // SAFETY: the task reads only after this wakeup (checked by loom).
                message.0.with_mut(|m| unsafe { *m = 42 });
                owner.wake(&task);
            })
        };
        // The task registered with its waker, decided to park and switched out; the wakeup
        // may come before `try_park`, between it and the idle park, or during that park.
        owner.park(&task);
        // It runs again, and sees what its waker wrote before waking it.
        // SAFETY: as above.
        assert_eq!(message.0.with(|m| unsafe { *m }), 42);
        waker.join().unwrap();
    });
}

#[test]
fn loom_task_park_two_wakers_requeue_the_task_once() {
    loom::model(|| {
        let owner = Owner::for_current_thread();
        let task = Task::new();
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let (owner, task) = (owner.clone(), task.clone());
                thread::spawn(move || owner.wake(&task))
            })
            .collect();
        let parked = task.state.try_park();
        let mut requeued = 0;
        if parked {
            requeued += owner.wait_for_wakeups().len();
        }
        for waker in wakers {
            waker.join().unwrap();
        }
        requeued += owner.inbox.drain().len();
        // One park is answered once: by the token (`try_park` failed) or by one requeue.
        assert_eq!(requeued + usize::from(!parked), 1);
        assert!(!task.state.is_parked());
    });
}

#[test]
fn loom_task_park_wakeups_across_parks_are_never_lost() {
    loom::model(|| {
        let owner = Owner::for_current_thread();
        let task = Task::new();
        let sent = Arc::new(AtomicUsize::new(0));
        let waker = {
            let (owner, task, sent) = (owner.clone(), task.clone(), sent.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    sent.fetch_add(1, Ordering::Release);
                    owner.wake(&task);
                }
            })
        };
        // The task's wait loop (as `WaitList`'s check–register–recheck–park): a stale
        // token makes a park return early, never a wakeup get lost.
        let mut seen = 0;
        while seen < 2 {
            let now = sent.load(Ordering::Acquire);
            if now > seen {
                seen = now;
            } else {
                owner.park(&task);
            }
        }
        waker.join().unwrap();
    });
}

#[test]
fn loom_task_inbox_wakeups_from_two_threads_both_arrive() {
    loom::model(|| {
        let owner = Owner::for_current_thread();
        let tasks = [Task::new(), Task::new()];
        for task in &tasks {
            assert!(task.state.try_park());
        }
        // Two threads wake one parked task each: their pushes race with each other and
        // with the owner's drains.
        let done = Arc::new(AtomicUsize::new(0));
        for task in &tasks {
            let (owner, task, done) = (owner.clone(), task.clone(), done.clone());
            thread::spawn(move || {
                owner.wake(&task);
                done.fetch_add(1, Ordering::Release);
                owner.thread.unpark();
            });
        }
        let mut woken = Vec::new();
        while woken.len() < 2 {
            woken.extend(owner.wait_for_wakeups());
        }
        assert!(woken.iter().any(|t| Arc::ptr_eq(t, &tasks[0])));
        assert!(woken.iter().any(|t| Arc::ptr_eq(t, &tasks[1])));
        // Waits for the wakers with park, not `JoinHandle::join`: the owner can take both
        // tasks while one waker has yet to unpark it, and loom's unpark of a thread blocked
        // in `join` (unlike std's) wakes that `join` and fails an assertion inside loom.
        while done.load(Ordering::Acquire) < 2 {
            thread::park();
        }
    });
}

#[test]
fn loom_task_inbox_two_wakeups_from_one_thread_both_arrive() {
    loom::model(|| {
        let owner = Owner::for_current_thread();
        let tasks = [Task::new(), Task::new()];
        for task in &tasks {
            assert!(task.state.try_park());
        }
        // One thread wakes both tasks: its second push races with the owner's drain of
        // the first.
        let done = Arc::new(AtomicBool::new(false));
        {
            let (owner, tasks, done) = (owner.clone(), tasks.clone(), done.clone());
            thread::spawn(move || {
                for task in &tasks {
                    owner.wake(task);
                }
                done.store(true, Ordering::Release);
                owner.thread.unpark();
            });
        }
        let mut woken = Vec::new();
        while woken.len() < 2 {
            woken.extend(owner.wait_for_wakeups());
        }
        assert!(Arc::ptr_eq(&woken[0], &tasks[0]) && Arc::ptr_eq(&woken[1], &tasks[1]));
        // Park, not `join`: see `loom_task_inbox_wakeups_from_two_threads_both_arrive`.
        while !done.load(Ordering::Acquire) {
            thread::park();
        }
    });
}

#[test]
fn loom_task_join_that_starts_before_the_end_is_woken() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let task = Task::<Thread>::new();
        let owner = end_on_another_thread(&task, &drops, |joiner: Thread| joiner.unpark());
        // An OS thread joins (`Waiter::Thread`): it may register before the end or find
        // the task finished.
        task.state.wait(thread::current, thread::park);
        let value = task.take().expect("the task's value");
        task.detach(); // the handle's drop after `join` took the value: nothing is left
        assert_eq!(drops.load(Ordering::Relaxed), 0);
        drop(value);
        owner.join().unwrap();
        drop(task);
        assert_eq!(
            drops.load(Ordering::Relaxed),
            1,
            "the value is dropped once"
        );
    });
}

/// A green thread as a joiner: woken through its state word and its owner's inbox.
struct GreenWaiter {
    task: Arc<Task>,
    owner: Arc<Owner>,
}

#[test]
fn loom_task_join_from_a_green_thread_is_woken() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let task = Task::<GreenWaiter>::new();
        // The joiner is a task of the scheduler on this thread; the joined task ends on
        // another scheduler thread, which wakes the joiner with `Waiter::wake`.
        let scheduler = Owner::for_current_thread();
        let joiner = Task::new();
        let owner = end_on_another_thread(&task, &drops, |waiter| waiter.owner.wake(&waiter.task));
        task.state.wait(
            || GreenWaiter {
                task: joiner.clone(),
                owner: scheduler.clone(),
            },
            || scheduler.park(&joiner),
        );
        drop(task.take().expect("the task's value"));
        owner.join().unwrap();
        drop(task);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    });
}

#[test]
fn loom_task_value_of_a_detached_task_is_dropped_once_by_the_owner_or_the_handle() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let task = Task::<Thread>::new();
        let owner = {
            let (task, drops) = (task.clone(), drops.clone());
            thread::spawn(move || assert!(task.finish_with(Value { drops }).is_none()))
        };
        task.detach(); // the `JoinHandle` is dropped, before or after the end
        owner.join().unwrap();
        assert_eq!(
            drops.load(Ordering::Relaxed),
            1,
            "dropped once, not left in the cell"
        );
        // SAFETY: both parties are done.
        assert!(task.value.with_mut(|slot| unsafe { (*slot).is_none() }));
    });
}

/// A joiner's waiter that counts how often it is woken and (through its `Value`) dropped.
struct CountedWaiter {
    wakes: Arc<AtomicUsize>,
    _drops: Value,
}

impl CountedWaiter {
    fn wake(self) {
        self.wakes.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn loom_task_end_while_a_joiner_registers_and_its_handle_detaches() {
    loom::model(|| {
        // A joiner that is cancelled while it waits in `join`: it registered its waiter,
        // then its handle is dropped as it unwinds, while the task ends on its owner.
        let (value_drops, wakes, waiter_drops) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let task = Task::<CountedWaiter>::new();
        let owner = end_on_another_thread(&task, &value_drops, CountedWaiter::wake);
        let finished_first = task.state.register_joiner(|| CountedWaiter {
            wakes: wakes.clone(),
            _drops: Value {
                drops: waiter_drops.clone(),
            },
        });
        task.detach();
        owner.join().unwrap();
        // The value is dropped once, by the owner or by the handle.
        assert_eq!(value_drops.load(Ordering::Relaxed), 1);
        // The waiter went to exactly one party: back to the joiner if the task had ended
        // or if the detach took it back first (never woken), else to the owner, which
        // woke it.
        assert_eq!(waiter_drops.load(Ordering::Relaxed), 1);
        assert!(wakes.load(Ordering::Relaxed) <= usize::from(!finished_first));
    });
}

#[test]
fn loom_task_end_while_a_joiner_replaces_its_waiter() {
    loom::model(|| {
        // A `JoinHandle` future polled twice, with two wakers, while the task ends on its
        // owner: the waiter of the first poll is woken or dropped, never both nor neither;
        // if the second registered before the end, it is woken once.
        let (value_drops, first_wakes, second_wakes, waiter_drops) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let created = Arc::new(AtomicUsize::new(0));
        let task = Task::<CountedWaiter>::new();
        let owner = end_on_another_thread(&task, &value_drops, CountedWaiter::wake);
        let waiter = |wakes: &Arc<AtomicUsize>| {
            created.fetch_add(1, Ordering::Relaxed);
            CountedWaiter {
                wakes: wakes.clone(),
                _drops: Value {
                    drops: waiter_drops.clone(),
                },
            }
        };
        task.state.register_joiner(|| waiter(&first_wakes));
        let second_saw_end = task.state.register_joiner(|| waiter(&second_wakes));
        owner.join().unwrap();
        let (first, second) = (
            first_wakes.load(Ordering::Relaxed),
            second_wakes.load(Ordering::Relaxed),
        );
        // Registered before the end, the second waiter is woken, once; the first is woken
        // only if the end came before the second registration replaced it.
        assert_eq!(second, usize::from(!second_saw_end));
        assert!(first + second <= 1);
        // Every waiter went to one party (woken by the owner, or taken back) and is gone.
        assert_eq!(
            waiter_drops.load(Ordering::Relaxed),
            created.load(Ordering::Relaxed)
        );
        task.detach();
        assert_eq!(value_drops.load(Ordering::Relaxed), 1);
    });
}

/// A task whose `JoinHandle` is joined on one thread and cancelled on another, while its
/// owner (the calling thread) runs it.
struct CancelRace {
    task: Arc<Task>,
    owner: Arc<Owner>,
    canceller: thread::JoinHandle<()>,
    joiner: thread::JoinHandle<Result<(), &'static str>>,
}

impl CancelRace {
    fn start() -> CancelRace {
        let task = Task::new();
        let owner = Owner::for_current_thread();
        let canceller = {
            let (task, owner) = (task.clone(), owner.clone());
            // `JoinHandle::cancel` from another thread (`TaskRef::request_cancel`).
            thread::spawn(move || owner.cancel(&task))
        };
        let joiner = {
            let task = task.clone();
            thread::spawn(move || {
                task.state.wait(thread::current, thread::park);
                task.take().map(drop)
            })
        };
        CancelRace {
            task,
            owner,
            canceller,
            joiner,
        }
    }

    /// The owner ends the task, cancelled (`None`) or with its value, and wakes the joiner.
    fn end(&self, value: Option<Value>) {
        let joiner = match value {
            None => self.task.state.finish(Some("cancelled")).joiner,
            Some(value) => self.task.finish_with(value),
        };
        if let Some(joiner) = joiner {
            joiner.unpark();
        }
    }

    /// What the join returned, once the canceller is done too.
    fn joined(self) -> Result<(), &'static str> {
        let joined = self.joiner.join().unwrap();
        self.canceller.join().unwrap();
        joined
    }
}

#[test]
fn loom_task_cancel_racing_with_the_end() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let race = CancelRace::start();
        // The task reaches a yield point, where its owner raises a requested cancel
        // (`Local::resume`), then returns.
        let cancelled = race.task.state.cancel_requested() && race.task.state.take_cancel();
        if cancelled {
            race.end(None);
        } else {
            race.end(Some(Value {
                drops: drops.clone(),
            }));
        }
        let task = race.task.clone();
        match race.joined() {
            Ok(()) => assert_eq!(drops.load(Ordering::Relaxed), 1),
            Err(error) => {
                assert_eq!(error, "cancelled");
                assert!(cancelled);
                assert_eq!(drops.load(Ordering::Relaxed), 0);
            }
        }
        // A cancel that came after the end found the task finished and left the word
        // alone, so it asks for nothing more.
        assert!(!task.state.request_cancel());
    });
}

#[test]
fn loom_task_cancel_of_a_parked_task_wakes_it_and_its_joiner() {
    loom::model(|| {
        let race = CancelRace::start();
        // The task waits for something only the cancel will bring: each time it runs, its
        // owner checks for the cancel at its yield point, else it parks again. The
        // canceller's, the joiner's and the owner's changes all race on the one word.
        while !race.task.state.cancel_requested() {
            race.owner.park(&race.task);
        }
        assert!(race.task.state.take_cancel());
        race.end(None);
        assert_eq!(race.joined(), Err("cancelled"));
    });
}

#[test]
fn loom_task_cancel_and_a_wakeup_at_once_requeue_the_task_once() {
    loom::model(|| {
        let owner = Owner::for_current_thread();
        let task = Task::new();
        // What the waker writes before its wakeup, relaxed: only the wakeup orders it.
        let sent = Arc::new(AtomicBool::new(false));
        let waker = {
            let (owner, task, sent) = (owner.clone(), task.clone(), sent.clone());
            thread::spawn(move || {
                sent.store(true, Ordering::Relaxed);
                owner.wake(&task);
            })
        };
        let canceller = {
            let (owner, task) = (owner.clone(), task.clone());
            thread::spawn(move || owner.cancel(&task))
        };
        // The task parks; the wakeup and the cancel race to requeue it, and `Owner::park`
        // checks that it is queued once.
        owner.park(&task);
        // It runs again, for one of the two: its owner raises the cancel at its yield
        // point, or it sees the waker's message.
        let raised = task.state.cancel_requested() && task.state.take_cancel();
        assert!(
            raised || sent.load(Ordering::Relaxed),
            "run again for nothing"
        );
        waker.join().unwrap();
        canceller.join().unwrap();
        // The other left a token or was answered by the same requeue, never a second one;
        // and the one request is raised once: now, or at the next yield point.
        assert!(owner.inbox.drain().is_empty(), "a second requeue");
        assert_eq!(
            usize::from(raised) + usize::from(task.state.take_cancel()),
            1
        );
    });
}
