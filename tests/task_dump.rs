//! Task dumps: every task's spawn site (`#[track_caller]` through every spawn path), its
//! state, how long it has been parked, its thread and its park backtrace, grouped by
//! state and spawn site.
//!
//! Python: `asyncio.all_tasks()` with `Task.print_stack()`; Go's goroutine dump.

#[macro_use]
mod support;

use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use support::sched_matrix::wait_for_state;
use yieldpoint::sync::{channel, Event};
use yieldpoint::task::{self, Builder, TaskId, TaskState, WaitReason};

/// The spawn site that the dump records for task `id`.
fn spawn_site(id: TaskId) -> &'static Location<'static> {
    task::dump()
        .tasks()
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("task {id} is not in the dump"))
        .spawned_at
}

/// Whether `at` is line `line` of this file.
fn is_here(at: &Location<'_>, line: u32) -> bool {
    at.file() == file!() && at.line() == line
}

/// Parks on `event`: a frame of its own, so that a park backtrace names it.
#[inline(never)]
fn parks_in_a_named_frame(event: &Event) {
    event.wait();
    std::hint::black_box(());
}

on_both_schedulers! {
    /// Every public spawn path records its caller's file and line: the free functions,
    /// the task builder, and the scheduler's own `spawn`, `spawn_with` and `block_on`.
    #[test]
    fn every_spawn_path_records_its_caller() {
        let rt = rt();
        // Every task waits on the gate, so that it is still in the dump at the end.
        let gate = Arc::new(Event::new());
        let wait = |gate: &Arc<Event>| { let gate = gate.clone(); move || gate.wait() };
        let (outside, outside_line) = (rt.spawn(wait(&gate)), line!());
        let (with, with_line) = (rt.spawn_with(Builder::new(), wait(&gate)), line!());
        let with = with.unwrap();
        let main_line = line!() + 1;
        rt.block_on(move || {
            let main_site = spawn_site(yieldpoint::current().id());
            assert!(is_here(main_site, main_line), "main: {main_site}, line {main_line}");
            let (free, free_line) = (yieldpoint::spawn(wait(&gate)), line!());
            let (local, local_line) = (yieldpoint::spawn_local(wait(&gate)), line!());
            let (built, built_line) = (Builder::new().spawn(wait(&gate)), line!());
            let (built_local, built_local_line) = (Builder::new().spawn_local(wait(&gate)), line!());
            let (built, built_local) = (built.unwrap(), built_local.unwrap());
            let handles = [outside, with, free, local, built, built_local];
            let lines = [outside_line, with_line, free_line, local_line, built_line, built_local_line];
            for (handle, line) in handles.iter().zip(lines) {
                let at = spawn_site(handle.id());
                assert!(is_here(at, line), "task {}: recorded {at}, spawned at line {line}", handle.id());
            }
            gate.set();
            assert!(handles.into_iter().all(|h| h.join().is_ok()));
        });
    }

    /// 10,000 tasks parked on one event, from one spawn site, and 10 on a channel from
    /// another: the dump has every task, in three groups (the main task is the third),
    /// largest first, and prints a header per group, not per task.
    #[test]
    fn dump_of_ten_thousand_parked_tasks_groups_them() {
        let rt = builder().stack_size(0).build(); // the minimum: 10,000 stacks
        let event = Arc::new(Event::new());
        let (tx, rx) = channel::unbounded::<()>();
        let waiters: Vec<_> = (0..10_000)
            .map(|_| { let event = event.clone(); rt.spawn(move || event.wait()) })
            .collect();
        let receivers: Vec<_> = (0..10)
            .map(|_| { let rx = rx.clone(); rt.spawn(move || rx.recv()) })
            .collect();
        let dump = rt.block_on(move || loop {
            // Not `wait_for_state`: it takes a snapshot per task, 10,000 here.
            let dump = task::dump();
            let parked = |state| dump.tasks().iter().filter(|t| t.state == state).count();
            if parked(TaskState::Waiting(WaitReason::Event)) == 10_000
                && parked(TaskState::Waiting(WaitReason::ChannelRecv)) == 10
            {
                break dump;
            }
            yieldpoint::yield_now();
        });
        assert_eq!(dump.len(), 10_000 + 10 + 1);
        let groups = dump.groups();
        let shape: Vec<_> = groups.iter().map(|g| (g.state, g.tasks.len())).collect();
        assert_eq!(
            shape,
            [
                (TaskState::Waiting(WaitReason::Event), 10_000),
                (TaskState::Waiting(WaitReason::ChannelRecv), 10),
                (TaskState::Running, 1),
            ]
        );
        assert!(groups[..2].iter().all(|g| g.spawned_at.file() == file!()));
        let text = dump.to_string();
        assert!(text.starts_with("yieldpoint task dump: 10011 tasks in 3 groups"), "{text:.300}");
        assert_eq!(text.matches(", spawned at ").count(), 3);
        assert!(text.contains("10000 tasks waiting on an event, spawned at"));
        let summary = dump.summary(3).to_string();
        assert_eq!(summary.lines().count(), 3, "{summary}");
        event.set();
        drop(tx);
        rt.run();
        assert!(waiters.into_iter().all(|w| w.join().is_ok()));
        assert!(receivers.into_iter().all(|r| r.join().unwrap().is_err()));
    }

    /// With park times recorded, a parked task's dump entry says how long it has waited
    /// (at least as long as the dumping task slept since it saw the park); without, it
    /// says nothing.
    #[test]
    fn park_times_show_only_when_recorded() {
        for record in [true, false] {
            let rt = builder().record_park_times(record).build();
            let waited = rt.block_on(|| {
                let event = Arc::new(Event::new());
                let waiter = { let event = event.clone(); yieldpoint::spawn(move || event.wait()) };
                wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Event));
                yieldpoint::sleep(Duration::from_millis(30));
                let dump = task::dump();
                let entry = dump.tasks().iter().find(|t| t.id == waiter.id()).unwrap().clone();
                event.set();
                waiter.join().unwrap();
                entry.waiting_for
            });
            match record {
                true => assert!(waited.unwrap() >= Duration::from_millis(30), "{waited:?}"),
                false => assert_eq!(waited, None),
            }
        }
    }

    /// With park backtraces on, a parked task's entry holds the stack it parked on (its
    /// own function is in it); off, there is none.
    #[test]
    fn park_backtraces_show_where_a_task_waits() {
        for capture in [true, false] {
            let rt = builder().capture_park_backtraces(capture).build();
            rt.block_on(move || {
                let event = Arc::new(Event::new());
                let waiter = { let event = event.clone(); yieldpoint::spawn(move || parks_in_a_named_frame(&event)) };
                wait_for_state(&[waiter.id()], TaskState::Waiting(WaitReason::Event));
                let dump = task::dump();
                let entry = dump.tasks().iter().find(|t| t.id == waiter.id()).unwrap();
                match (&entry.park_backtrace, capture) {
                    (Some(trace), true) => {
                        let trace = trace.to_string();
                        assert!(trace.contains("parks_in_a_named_frame"), "{trace}");
                        // Printed, the backtrace keeps the task's frames only.
                        let text = dump.to_string();
                        let printed = text.split_once("parked at:\n").unwrap_or_else(|| panic!("{text}")).1;
                        assert!(printed.contains("parks_in_a_named_frame"), "{text}");
                        assert!(!printed.contains("park_with_backtrace"), "{text}");
                        assert!(!printed.contains("run_task"), "{text}");
                        assert!(entry.waiting_for.is_some(), "backtraces imply park times");
                    }
                    (None, false) => {}
                    (trace, _) => panic!("capture {capture}, backtrace {trace:?}"),
                }
                event.set();
                waiter.join().unwrap();
            });
        }
    }

    /// Python: `faulthandler.register(signal.SIGUSR1)`. With `dump_on_signal`, each
    /// SIGUSR1 prints one dump of the scheduler on stderr: while it is idle (its main task
    /// sleeps) and while it is busy (its main task yields in a loop).
    #[test]
    fn sigusr1_prints_a_dump_while_idle_and_while_busy() {
        if support::child_process::in_child() {
            let rt = builder().dump_on_signal(true).build();
            let event = Arc::new(Event::new());
            let waiters: Vec<_> = (0..3)
                .map(|i| {
                    let event = event.clone();
                    let name = format!("signal-waiter-{i}");
                    rt.spawn_with(Builder::new().name(name), move || event.wait()).unwrap()
                })
                .collect();
            let ids: Vec<_> = waiters.iter().map(|w| w.id()).collect();
            rt.block_on(move || {
                wait_for_state(&ids, TaskState::Waiting(WaitReason::Event));
                let raise = || signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
                raise();
                yieldpoint::sleep(Duration::from_millis(300)); // idle: the dump wakes it
                eprintln!("idle phase over");
                raise();
                let busy_until = std::time::Instant::now() + Duration::from_millis(300);
                while std::time::Instant::now() < busy_until {
                    yieldpoint::yield_now(); // busy: the periodic check sees it
                }
                eprintln!("child done");
                event.set();
            });
            return;
        }
        let output = support::child_process::run_child(&test_path("sigusr1_prints_a_dump_while_idle_and_while_busy"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert_eq!(stderr.matches("yieldpoint: SIGUSR1: yieldpoint task dump:").count(), 2, "{stderr}");
        assert!(stderr.contains("3 tasks waiting on an event, spawned at tests/task_dump.rs:"), "{stderr}");
        assert!(stderr.contains("signal-waiter-2"), "{stderr}");
        // Each dump came in its phase, while the program ran.
        let (idle, rest) = stderr.split_once("idle phase over").unwrap_or_else(|| panic!("{stderr}"));
        let (busy, _) = rest.split_once("child done").unwrap_or_else(|| panic!("{stderr}"));
        assert_eq!((idle.matches("SIGUSR1").count(), busy.matches("SIGUSR1").count()), (1, 1), "{stderr}");
    }

    /// The dump names the OS thread each placed task runs on.
    #[test]
    fn dump_names_the_thread_of_each_task() {
        let rt = rt();
        rt.block_on(|| {
            let dump = task::dump();
            let me = dump.tasks().iter().find(|t| t.id == yieldpoint::current().id()).unwrap();
            assert_eq!(me.worker.as_ref().unwrap().id(), std::thread::current().id());
        });
    }
}

/// Outside a scheduler, `task::dump()` is empty, as `all_tasks()` is.
#[test]
fn dump_outside_a_scheduler_is_empty() {
    assert!(task::dump().is_empty());
    assert_eq!(
        task::dump().to_string(),
        "yieldpoint task dump: 0 tasks in 0 groups\n"
    );
}
