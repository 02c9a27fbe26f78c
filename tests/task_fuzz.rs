//! A property test of tasks: random programs of green threads that yield, sleep, panic,
//! catch their cancels and hold values with destructors, cancelled, detached, joined and
//! left to the scheduler's drop at random, on both schedulers.
//!
//! Checked for every program: the run ends (no hang), every value a task held is dropped
//! exactly once, each `join` result is one the task's own record allows (a value only if
//! the body returned it, a panic only if the body panicked, a cancel only if one was
//! requested), and no task catches more cancels than were requested of it (a cancel is
//! raised once).
//!
//! Left out on purpose: a destructor that panics while its task unwinds (Rust aborts the
//! process for a panic during unwinding, whatever the library does).
//!
//! The seeds are fixed, so a failure reproduces: the message names the seed and the
//! program.

#[path = "support/sync_drop_counter.rs"]
mod sync_drop_counter;

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use sync_drop_counter::DropCounter;
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::JoinHandle;

/// How many programs each scheduler runs.
const SEEDS: u64 = 300;

/// xorshift64*: small, deterministic, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// One step of a task's body.
#[derive(Debug, Clone, Copy)]
enum Step {
    Yield,
    Sleep(u64),
    /// A yield point inside `catch_unwind`: a cancel raised there is caught.
    CatchYield,
    Panic,
    Return,
}

/// One step of the main task.
#[derive(Debug, Clone, Copy)]
enum Action {
    Cancel(usize),
    Detach(usize),
    Yield,
    Sleep(u64),
}

#[derive(Debug)]
struct Program {
    tasks: Vec<Vec<Step>>,
    actions: Vec<Action>,
    /// Join what is left (true), or leave it to the scheduler's drop (false).
    join_rest: bool,
}

fn program(seed: u64) -> Program {
    let mut rng = Rng::new(seed);
    let tasks = (0..2 + rng.below(4))
        .map(|_| {
            (0..1 + rng.below(6))
                .map(|_| match rng.below(10) {
                    0..=2 => Step::Yield,
                    3 | 4 => Step::Sleep(rng.below(3)),
                    5..=7 => Step::CatchYield,
                    8 => Step::Panic,
                    _ => Step::Return,
                })
                .collect()
        })
        .collect::<Vec<Vec<Step>>>();
    let n = tasks.len() as u64;
    let actions = (0..rng.below(8))
        .map(|_| match rng.below(8) {
            0..=2 => Action::Cancel(rng.below(n) as usize),
            3 => Action::Detach(rng.below(n) as usize),
            4 | 5 => Action::Yield,
            _ => Action::Sleep(rng.below(2)),
        })
        .collect();
    Program {
        tasks,
        actions,
        join_rest: rng.below(3) != 0,
    }
}

/// A task's handle and its index in the program.
type Indexed = (usize, JoinHandle<usize>);

/// What a task's body reports about itself.
#[derive(Default)]
struct Record {
    returned: AtomicUsize,
    panicked: AtomicUsize,
    caught: AtomicUsize,
    cancels: AtomicUsize,
    /// Not joined by the main task: the scheduler's drop may cancel it too (three times
    /// at most).
    unjoined: AtomicBool,
}

fn body(steps: Vec<Step>, record: Arc<Record>, token: impl Send + 'static) -> usize {
    let _token = token;
    for (i, step) in steps.into_iter().enumerate() {
        match step {
            Step::Yield => yieldpoint::yield_now(),
            Step::Sleep(ms) => yieldpoint::sleep(Duration::from_millis(ms)),
            Step::CatchYield => {
                let turn = panic::catch_unwind(AssertUnwindSafe(yieldpoint::yield_now));
                if turn.is_err() {
                    record.caught.fetch_add(1, Ordering::SeqCst);
                }
            }
            Step::Panic => {
                record.panicked.fetch_add(1, Ordering::SeqCst);
                panic!("step {i}");
            }
            Step::Return => break,
        }
    }
    record.returned.fetch_add(1, Ordering::SeqCst);
    7
}

/// Runs `program` inside `block_on` of a scheduler made by `new`, then drops it; checks the
/// properties. Returns a description of the first violation.
fn check<S>(
    seed: u64,
    program: &Program,
    new: impl Fn() -> S,
    block_on: impl Fn(&S, Box<dyn FnOnce() -> Vec<Outcome> + Send>) -> Vec<Outcome>,
) -> Result<(), String> {
    let drops = DropCounter::new();
    let records: Vec<Arc<Record>> = program.tasks.iter().map(|_| Arc::default()).collect();
    let outcomes = {
        let rt = new();
        let tasks = program.tasks.clone();
        let actions = program.actions.clone();
        let join_rest = program.join_rest;
        let (records2, drops2) = (records.clone(), drops.clone());
        let left: Arc<Mutex<Vec<Indexed>>> = Arc::default();
        let left2 = left.clone();
        let mut outcomes = block_on(
            &rt,
            Box::new(move || {
                let mut handles: Vec<Option<JoinHandle<usize>>> = tasks
                    .into_iter()
                    .zip(&records2)
                    .map(|(steps, record)| {
                        let (record, token) = (record.clone(), drops2.token());
                        Some(yieldpoint::spawn(move || body(steps, record, token)))
                    })
                    .collect();
                for action in actions {
                    match action {
                        Action::Cancel(i) => {
                            if let Some(h) = &handles[i] {
                                if !h.is_finished() {
                                    records2[i].cancels.fetch_add(1, Ordering::SeqCst);
                                }
                                h.cancel();
                            }
                        }
                        Action::Detach(i) => {
                            records2[i].unjoined.store(true, Ordering::SeqCst);
                            drop(handles[i].take());
                        }
                        Action::Yield => yieldpoint::yield_now(),
                        Action::Sleep(ms) => yieldpoint::sleep(Duration::from_millis(ms)),
                    }
                }
                let mut outcomes = Vec::new();
                for (i, h) in handles.into_iter().enumerate() {
                    match h {
                        Some(h) if join_rest => outcomes.push(Outcome::of(i, h.join())),
                        Some(h) => {
                            records2[i].unjoined.store(true, Ordering::SeqCst);
                            left2.lock().unwrap().push((i, h));
                        }
                        None => {}
                    }
                }
                outcomes
            }),
        );
        drop(rt);
        // Handles left to the scheduler's drop: every such task has ended now.
        for (i, h) in left.lock().unwrap().drain(..) {
            if !h.is_finished() {
                return Err(format!(
                    "seed {seed}: a task outlived its scheduler: {program:?}"
                ));
            }
            let mut outcome = Outcome::of(i, h.join());
            outcome.by_drop = true;
            outcomes.push(outcome);
        }
        outcomes
    };
    if drops.dropped() != program.tasks.len() {
        return Err(format!(
            "seed {seed}: {} of {} values dropped: {program:?}",
            drops.dropped(),
            program.tasks.len()
        ));
    }
    for (i, record) in records.iter().enumerate() {
        let caught = record.caught.load(Ordering::SeqCst);
        let mut cancels = record.cancels.load(Ordering::SeqCst);
        if record.unjoined.load(Ordering::SeqCst) {
            cancels += 3;
        }
        if caught > cancels {
            return Err(format!(
                "seed {seed}: task {i} caught {caught} cancels of {cancels} requested: {program:?}"
            ));
        }
    }
    for outcome in outcomes {
        let Some(record) = records.get(outcome.index) else {
            continue;
        };
        let allowed = match outcome.kind {
            Kind::Value => record.returned.load(Ordering::SeqCst) == 1,
            Kind::Panic => record.panicked.load(Ordering::SeqCst) == 1,
            Kind::Cancelled => outcome.by_drop || record.cancels.load(Ordering::SeqCst) > 0,
        };
        if !allowed {
            return Err(format!(
                "seed {seed}: task {} ended {:?} against its record: {program:?}",
                outcome.index, outcome.kind
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Value,
    Panic,
    Cancelled,
}

struct Outcome {
    index: usize,
    kind: Kind,
    /// The task was left to the scheduler's drop, which cancels it.
    by_drop: bool,
}

impl Outcome {
    fn of(index: usize, result: Result<usize, yieldpoint::JoinError>) -> Self {
        let kind = match result {
            Ok(7) => Kind::Value,
            Ok(other) => panic!("task {index} returned {other}"),
            Err(e) if e.is_panic() => Kind::Panic,
            Err(_) => Kind::Cancelled,
        };
        Outcome {
            index,
            kind,
            by_drop: false,
        }
    }
}

/// Runs every seed on a thread of its own with a deadline, so a hang fails the test.
fn run_all(name: &str, one: fn(u64) -> Result<(), String>) {
    static SILENCE: std::sync::Once = std::sync::Once::new();
    // The programs panic on purpose; their messages would drown the test output.
    SILENCE.call_once(|| panic::set_hook(Box::new(|_| {})));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send((0..SEEDS).try_for_each(one));
    });
    // Printed, not only panicked with: the panic hook is silent.
    let failure = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(Ok(())) => return,
        Ok(Err(failure)) => failure,
        Err(_) => format!("{name}: the programs did not finish within 120 s"),
    };
    eprintln!("{failure}");
    panic!("{failure}");
}

#[test]
fn random_task_programs_on_round_robin() {
    run_all("round-robin", |seed| {
        check(seed, &program(seed), RoundRobin::new, |rt, main| {
            rt.block_on(main)
        })
    });
}

#[test]
fn random_task_programs_on_the_work_queue() {
    run_all("work-queue", |seed| {
        check(
            seed,
            &program(seed),
            || WorkQueue::builder().workers(2).build(),
            |rt, main| rt.block_on(main),
        )
    });
}
