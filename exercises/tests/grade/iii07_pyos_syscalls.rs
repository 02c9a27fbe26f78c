//! Grader for exercise III.7 (`src/part3/pyos_syscalls.rs`): exact, ordered logs of
//! scripted programs with generated sizes.

mod support;

support::exercise!(
    pyos_syscalls,
    "../../src/part3/pyos_syscalls.rs",
    "../../solutions/part3/pyos_syscalls.rs"
);

use std::collections::VecDeque;

use crate::support::grading;
use crate::support::part3::numbers;
use pyos_syscalls::{Log, Os, Reply, SysCall, Task, Tid};
use yieldpoint::Coroutine;

/// Writes `"guard of <name> dropped"` to the log when the task holding it is dropped.
struct Guard(String, Log);

impl Drop for Guard {
    fn drop(&mut self) {
        self.1
            .borrow_mut()
            .push(format!("guard of {} dropped", self.0));
    }
}

/// Logs `"step <i>"` `steps` times, then returns.
fn worker(steps: u32) -> Task {
    Coroutine::new(move |co, _| {
        for i in 1..=steps {
            assert_eq!(co.yield_(SysCall::Log(format!("step {i}"))), Reply::Logged);
        }
    })
}

/// Logs `"tick"` until it is killed, holding a guard. It gives up with a panic after
/// 1,000 ticks, so that an OS that runs it to its end fails instead of hanging.
fn ticker(name: &str, log: Log) -> Task {
    let name = name.to_string();
    Coroutine::new(move |co, _| {
        let _guard = Guard(name.clone(), log);
        for _ in 0..1_000 {
            co.yield_(SysCall::Log("tick".into()));
        }
        panic!(
            "task {name} ticked 1,000 times and was never killed: does run() switch tasks \
             at each system call?"
        );
    })
}

fn sizes(seed: u64, n: usize) -> Vec<u32> {
    let mut next = numbers(seed);
    (0..n).map(|_| next() as u32 % 6).collect()
}

#[test]
fn ready_tasks_take_turns_one_system_call_each() {
    grading("pyos_syscalls");
    for seed in [1u64, 2, 3, 50, 999] {
        let steps = sizes(seed, 2 + seed as usize % 4);
        let log = Log::default();
        let mut os = Os::new(log.clone());
        let mut queue = VecDeque::new();
        for (i, &n) in steps.iter().enumerate() {
            assert_eq!(os.spawn(worker(n)), i as Tid + 1, "ids count from 1");
            queue.push_back((i + 1, 1, n));
        }
        // The round-robin the rules describe, on counters.
        let mut want = Vec::new();
        while let Some((tid, next, last)) = queue.pop_front() {
            if next <= last {
                want.push(format!("{tid}: step {next}"));
                queue.push_back((tid, next + 1, last));
            } else {
                want.push(format!("{tid} exited"));
            }
        }
        os.run();
        assert_eq!(
            *log.borrow(),
            want,
            "workers with {steps:?} steps: one system call per turn, round-robin, then \
             each exits"
        );
    }
}

#[test]
fn get_tid_and_new_task() {
    grading("pyos_syscalls");
    for children in [1u32, 2, 4] {
        let log = Log::default();
        let mut os = Os::new(log.clone());
        let parent: Task = Coroutine::new(move |co, _| {
            for _ in 0..children {
                let child: Task = Coroutine::new(|co, _| {
                    let Reply::Tid(me) = co.yield_(SysCall::GetTid) else {
                        panic!("GetTid replies Tid");
                    };
                    co.yield_(SysCall::Log(format!("I am {me}")));
                });
                let Reply::Tid(tid) = co.yield_(SysCall::NewTask(child)) else {
                    panic!("NewTask replies Tid");
                };
                co.yield_(SysCall::Log(format!("spawned {tid}")));
            }
        });
        os.spawn(worker(0));
        os.spawn(parent);
        os.run();
        let log = log.borrow();
        for child in 3..3 + children {
            let spawned = log.iter().position(|l| *l == format!("2: spawned {child}"));
            let said = log
                .iter()
                .position(|l| *l == format!("{child}: I am {child}"));
            let exited = log.iter().position(|l| *l == format!("{child} exited"));
            assert!(
                spawned.is_some() && said.is_some() && said < exited,
                "task 2 spawns {children} children, ids 3, 4, ...; each learns its id \
                 with GetTid, then exits; log: {log:?}"
            );
        }
        assert_eq!(log.len(), 2 + 3 * children as usize, "log: {log:?}");
    }
}

#[test]
fn wait_task_resumes_the_waiter_when_the_task_exits() {
    grading("pyos_syscalls");
    for steps in [1u32, 2, 3, 5] {
        let log = Log::default();
        let mut os = Os::new(log.clone());
        let parent: Task = Coroutine::new(move |co, _| {
            let Reply::Tid(child) = co.yield_(SysCall::NewTask(worker(steps))) else {
                panic!("NewTask replies Tid");
            };
            let Reply::Done(waited) = co.yield_(SysCall::WaitTask(child)) else {
                panic!("WaitTask replies Done");
            };
            co.yield_(SysCall::Log(format!("waited {waited}")));
            let Reply::Done(again) = co.yield_(SysCall::WaitTask(child)) else {
                panic!("WaitTask replies Done");
            };
            co.yield_(SysCall::Log(format!("again {again}")));
        });
        os.spawn(parent);
        os.run();
        let mut want: Vec<String> = (1..=steps).map(|i| format!("2: step {i}")).collect();
        want.extend(["2 exited", "1: waited true", "1: again false", "1 exited"].map(String::from));
        assert_eq!(
            *log.borrow(),
            want,
            "the parent waits for a child with {steps} steps, then waits for a task that \
             has ended"
        );
    }
}

#[test]
fn kill_task_drops_the_task_at_once() {
    grading("pyos_syscalls");
    for rounds in [0u32, 1, 2, 6] {
        let log = Log::default();
        let mut os = Os::new(log.clone());
        let ticker_log = log.clone();
        let parent: Task = Coroutine::new(move |co, _| {
            let Reply::Tid(child) = co.yield_(SysCall::NewTask(ticker("2", ticker_log))) else {
                panic!("NewTask replies Tid");
            };
            for i in 1..=rounds {
                co.yield_(SysCall::Log(format!("round {i}")));
            }
            let Reply::Done(killed) = co.yield_(SysCall::KillTask(child)) else {
                panic!("KillTask replies Done");
            };
            co.yield_(SysCall::Log(format!("killed {killed}")));
            let Reply::Done(again) = co.yield_(SysCall::KillTask(child)) else {
                panic!("KillTask replies Done");
            };
            co.yield_(SysCall::Log(format!("again {again}")));
            let Reply::Done(me) = co.yield_(SysCall::KillTask(1)) else {
                panic!("KillTask replies Done");
            };
            co.yield_(SysCall::Log(format!("myself {me}")));
        });
        os.spawn(parent);
        os.run();
        let mut want = Vec::new();
        for i in 1..=rounds {
            want.push("2: tick".to_string());
            want.push(format!("1: round {i}"));
        }
        want.extend(
            [
                "2: tick",
                "guard of 2 dropped",
                "2 killed",
                "1: killed true",
                "1: again false",
                "1: myself false",
                "1 exited",
            ]
            .map(String::from),
        );
        assert_eq!(
            *log.borrow(),
            want,
            "the parent kills a ticker after {rounds} rounds: the ticker is dropped (its \
             guard runs) before \"2 killed\" is written, and never runs again"
        );
    }
}

// ANCHOR: example_test
#[test]
fn a_killed_task_wakes_its_waiters_in_order() {
    grading("pyos_syscalls");
    let log = Log::default();
    let mut os = Os::new(log.clone());
    let waiter = |name: &'static str| -> Task {
        Coroutine::new(move |co, _| {
            let reply = co.yield_(SysCall::WaitTask(1));
            co.yield_(SysCall::Log(format!("{name} woke with {reply:?}")));
        })
    };
    let ticker_log = log.clone();
    os.spawn(ticker("1", ticker_log));
    os.spawn(waiter("a"));
    os.spawn(waiter("b"));
    os.spawn(Coroutine::new(|co, _| {
        co.yield_(SysCall::Log("killing".into()));
        co.yield_(SysCall::KillTask(1));
        co.yield_(SysCall::Log("done".into()));
    }));
    os.run();
    let want = [
        "1: tick",
        "4: killing",
        "1: tick",
        "guard of 1 dropped",
        "1 killed",
        "2: a woke with Done(true)",
        "3: b woke with Done(true)",
        "4: done",
        "2 exited",
        "3 exited",
        "4 exited",
    ];
    assert_eq!(
        *log.borrow(),
        want,
        "tasks 2 and 3 wait for task 1, task 4 kills it: they wake in order, \
         before the killer"
    );
}
// ANCHOR_END: example_test

#[test]
fn tasks_left_waiting_are_dropped_with_the_os() {
    grading("pyos_syscalls");
    let log = Log::default();
    let mut os = Os::new(log.clone());
    for (me, other) in [(1, 2), (2, 1)] {
        let guard_log = log.clone();
        os.spawn(Coroutine::new(move |co, _| {
            let _guard = Guard(me.to_string(), guard_log);
            co.yield_(SysCall::WaitTask(other));
        }));
    }
    os.run();
    assert!(
        log.borrow().is_empty(),
        "tasks 1 and 2 wait for each other: run returns with both waiting"
    );
    drop(os);
    let mut dropped = log.borrow().clone();
    dropped.sort();
    assert_eq!(
        dropped,
        ["guard of 1 dropped", "guard of 2 dropped"],
        "dropping the Os drops its waiting tasks"
    );
}
