//! Task snapshots: `all_tasks()` inside a scheduler and `RoundRobin::tasks()` outside,
//! with each task's state (ready, running, sleeping, waiting on what) and switch count.
//!
//! Python: `asyncio.all_tasks()`, `asyncio.current_task()`.

#[macro_use]
mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use support::sched_matrix::wait_for_state;
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::{channel, Event, Mutex, Semaphore};
use yieldpoint::task::{self, Builder, TaskSnapshot, TaskState, WaitReason};

const FOREVER: Duration = Duration::from_secs(3600);

fn by_name(snapshots: &[TaskSnapshot]) -> HashMap<String, TaskState> {
    snapshots
        .iter()
        .filter_map(|t| Some((t.name.as_deref()?.to_string(), t.state)))
        .collect()
}

fn named<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> yieldpoint::JoinHandle<T> {
    Builder::new().name(name).spawn(f).unwrap()
}

on_both_schedulers! {
    /// Both schedulers' `Debug` name their count of unfinished tasks `tasks`.
    #[test]
    fn debug_counts_the_unfinished_tasks() {
        let rt = rt();
        let event = Arc::new(Event::new());
        let waiter = {
            let event = event.clone();
            rt.spawn(move || event.wait())
        };
        assert!(format!("{rt:?}").contains("tasks: 1"), "{rt:?}");
        event.set();
        rt.run();
        assert!(waiter.is_finished());
        assert!(format!("{rt:?}").contains("tasks: 0"), "{rt:?}");
    }

    /// Every kind of wait shows in a snapshot taken by the running task, which sees itself
    /// as `Running`; a task that only yields is `Ready` (or `Running`, on another worker).
    #[test]
    fn snapshot_shows_each_state() {
        let rt = rt();
        rt.block_on(|| {
            let (_tx_empty, rx_empty) = channel::unbounded::<()>();
            let (tx_full, _rx_full) = channel::bounded::<()>(1);
            tx_full.send(()).unwrap();
            let lock = Arc::new(Mutex::new(()));
            let guard = lock.lock();
            let event = Arc::new(Event::new());
            let sem = Arc::new(Semaphore::new(0));
            let (release, released) = std::sync::mpsc::channel::<()>();

            let mut handles = vec![
                named("sleeper", || yieldpoint::sleep(FOREVER)),
                named("receiver", move || {
                    let _ = rx_empty.recv();
                }),
                named("sender", move || {
                    let _ = tx_full.send(());
                }),
                {
                    let lock = lock.clone();
                    named("locker", move || drop(lock.lock()))
                },
                {
                    let event = event.clone();
                    named("event", move || event.wait())
                },
                {
                    let sem = sem.clone();
                    named("semaphore", move || sem.acquire().forget())
                },
                named("blocking", move || {
                    yieldpoint::spawn_blocking(move || {
                        let _ = released.recv();
                    })
                }),
                named("future", || {
                    yieldpoint::future::await_(std::future::pending::<()>())
                }),
                named("yielder", || loop {
                    yieldpoint::yield_now();
                }),
            ];
            let sleeper_joiner = {
                let target = named("join-target", || yieldpoint::sleep(FOREVER));
                let id = target.id();
                handles.push(named("joiner", move || drop(target.join())));
                id
            };
            let expected = [
                ("main", TaskState::Running),
                ("sleeper", TaskState::Sleeping),
                ("join-target", TaskState::Sleeping),
                ("receiver", TaskState::Waiting(WaitReason::ChannelRecv)),
                ("sender", TaskState::Waiting(WaitReason::ChannelSend)),
                ("locker", TaskState::Waiting(WaitReason::Mutex)),
                ("event", TaskState::Waiting(WaitReason::Event)),
                ("semaphore", TaskState::Waiting(WaitReason::Semaphore)),
                ("blocking", TaskState::Waiting(WaitReason::Blocking)),
                ("future", TaskState::Waiting(WaitReason::Future)),
                ("joiner", TaskState::Waiting(WaitReason::Join)),
            ];
            // Every task runs to its wait (a task that never gets there fails the time limit).
            let states = loop {
                let states = by_name(&task::all_tasks());
                if expected.iter().all(|(name, state)| states.get(*name) == Some(state)) {
                    break states;
                }
                yieldpoint::yield_now();
            };
            assert!(
                matches!(states["yielder"], TaskState::Ready | TaskState::Running),
                "{states:?}"
            );
            assert_eq!(states.len(), expected.len() + 1, "{states:?}");
            assert!(task::all_tasks().iter().any(|t| t.id == sleeper_joiner));

            // Clean up: cancel everything, release the pool thread.
            drop(guard);
            release.send(()).unwrap();
            for h in &handles {
                h.cancel();
            }
            for h in handles {
                let _ = h.join();
            }
        });
    }

    /// A woken task that has not run yet is `Ready` again, not still waiting (on one
    /// thread, so that it cannot run before the snapshot).
    #[test]
    fn woken_task_is_ready_until_it_runs() {
        one_thread().block_on(|| {
            let event = Arc::new(Event::new());
            let e = event.clone();
            let h = named("waiter", move || e.wait());
            wait_for_state(&[h.id()], TaskState::Waiting(WaitReason::Event));
            event.set();
            assert_eq!(by_name(&task::all_tasks())["waiter"], TaskState::Ready);
            h.join().unwrap();
            assert!(
                !by_name(&task::all_tasks()).contains_key("waiter"),
                "finished tasks leave"
            );
        });
    }

    /// A task's switch count is how many times it was switched in: one per run to a yield
    /// point (the first start included). On one thread, so that the task cannot start
    /// before the first snapshot.
    #[test]
    fn switch_counts_count_switch_ins() {
        one_thread().block_on(|| {
            let event = Arc::new(Event::new());
            let e = event.clone();
            let h = named("counted", move || {
                for _ in 0..3 {
                    yieldpoint::yield_now();
                }
                e.wait();
            });
            let fresh = task::all_tasks()
                .into_iter()
                .find(|t| t.id == h.id())
                .unwrap();
            assert_eq!(fresh.switches, 0);
            // It starts (1), resumes after each of 3 yields (4), then parks.
            wait_for_state(&[h.id()], TaskState::Waiting(WaitReason::Event));
            let parked = task::all_tasks()
                .into_iter()
                .find(|t| t.id == h.id())
                .unwrap();
            assert_eq!(parked.state, TaskState::Waiting(WaitReason::Event));
            assert_eq!(parked.switches, 4);
            event.set();
            h.join().unwrap();
            let me = task::all_tasks()
                .into_iter()
                .find(|t| t.state == TaskState::Running)
                .unwrap();
            assert_eq!(me.name.as_deref(), Some("main"));
            // Started, then switched in again at least once after `counted` ran.
            assert!(me.switches >= 2, "{me:?}");
        });
    }

    /// Ids are unique and grow in spawn order.
    #[test]
    fn task_ids_grow_in_spawn_order() {
        let rt = rt();
        let ids: Vec<_> = (0..10).map(|_| rt.spawn(|| ()).id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        rt.run();
    }
}

/// Outside the scheduler, `RoundRobin::tasks()` lists the tasks left behind; nothing is
/// `Running`. `all_tasks()` outside any scheduler is empty. Round-robin only: a task is
/// left unstarted (`Ready`) only by a scheduler that runs nothing between `block_on`s.
#[test]
fn tasks_outside_the_scheduler() {
    let rt = RoundRobin::new();
    assert!(rt.tasks().is_empty());
    rt.block_on(|| {
        named("left-sleeping", || yieldpoint::sleep(FOREVER));
        yieldpoint::yield_now();
        named("left-ready", || ());
    });
    let states = by_name(&rt.tasks());
    assert_eq!(states.len(), 2, "{states:?}");
    assert_eq!(states["left-sleeping"], TaskState::Sleeping);
    assert_eq!(states["left-ready"], TaskState::Ready);
    assert!(task::all_tasks().is_empty());
    // Snapshots list tasks in no particular order but with their ids and names.
    for snapshot in rt.tasks() {
        assert!(snapshot.id.as_u64() > 0);
        assert_eq!(snapshot.id.to_string(), snapshot.id.as_u64().to_string());
    }
}
