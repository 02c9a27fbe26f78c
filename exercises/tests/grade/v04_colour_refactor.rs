//! Grader for exercise V.4 (`src/part5/colour_refactor.rs`): the report's text, alone and
//! on generated ids; then each chain beside a heartbeat task, the plain one in a green
//! thread of a round-robin scheduler and the async one on a small executor here, with one
//! log of heartbeats and database calls: the heartbeat must get exactly one turn before
//! each database call, in both worlds.

mod support;

support::exercise!(
    colour_refactor,
    "../../src/part5/colour_refactor.rs",
    "../../solutions/part5/colour_refactor.rs"
);

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use crate::support::gen::Rng;
use crate::support::grading;
use colour_refactor::{report, report_async};
use exercises::part5::YieldNow;
use yieldpoint::sched::RoundRobin;

type Log = Rc<RefCell<Vec<String>>>;

/// The database's value for an id.
fn value(id: u32) -> u32 {
    id * 7 + 1
}

/// What the report says for these ids.
fn expected_report(ids: &[u32]) -> String {
    let lines: Vec<String> = ids
        .iter()
        .map(|&id| format!("{id}: {}", value(id)))
        .collect();
    lines.join("\n")
}

/// The log when the heartbeat gets one turn before each database call.
fn expected_log(ids: &[u32]) -> Vec<String> {
    ids.iter()
        .flat_map(|id| ["beat".to_string(), format!("db {id}")])
        .collect()
}

fn generated_ids(rng: &mut Rng) -> Vec<u32> {
    (0..rng.range(0..7))
        .map(|_| rng.range(0..100) as u32)
        .collect()
}

/// A database that logs each call.
fn logging_db(log: &Log) -> impl Fn(u32) -> u32 {
    let log = log.clone();
    move |id| {
        log.borrow_mut().push(format!("db {id}"));
        value(id)
    }
}

/// Runs the plain `report` in a green thread beside a heartbeat green thread.
fn stackful_beside_heartbeat(ids: Vec<u32>) -> (String, Vec<String>) {
    let log = Log::default();
    let done = Rc::new(Cell::new(false));
    let rt = RoundRobin::new();
    let reporter = {
        let (log, done) = (log.clone(), done.clone());
        rt.spawn(move || {
            let text = report(&ids, &logging_db(&log));
            done.set(true);
            text
        })
    };
    {
        let log = log.clone();
        rt.spawn(move || {
            while !done.get() {
                log.borrow_mut().push("beat".to_string());
                yieldpoint::yield_now();
            }
        });
    }
    rt.run();
    let text = reporter.join().expect("report() ran to its end");
    let log = log.borrow().clone();
    (text, log)
}

/// Queues a task's id when woken (the executor of exercise V.2, for two tasks).
struct TaskWaker {
    id: usize,
    ready: Arc<Mutex<VecDeque<usize>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.ready.lock().unwrap().push_back(self.id);
    }
}

/// Runs `report_async` beside a heartbeat task on a small executor: tasks polled in the
/// order they were woken, the report first.
fn stackless_beside_heartbeat(ids: &[u32]) -> (String, Vec<String>) {
    let log = Log::default();
    let done = Rc::new(Cell::new(false));
    let db = logging_db(&log);
    let text = RefCell::new(None);
    let reporter = async {
        *text.borrow_mut() = Some(report_async(ids, &db).await);
        done.set(true);
    };
    let heartbeat = async {
        while !done.get() {
            log.borrow_mut().push("beat".to_string());
            YieldNow::default().await;
        }
    };
    let mut tasks: [Option<Pin<&mut dyn Future<Output = ()>>>; 2] =
        [Some(pin!(reporter)), Some(pin!(heartbeat))];
    let ready = Arc::new(Mutex::new(VecDeque::from([0, 1])));
    let wakers: Vec<Waker> = (0..2)
        .map(|id| {
            Waker::from(Arc::new(TaskWaker {
                id,
                ready: ready.clone(),
            }))
        })
        .collect();
    let mut polls = 0;
    loop {
        let next = ready.lock().unwrap().pop_front();
        let Some(id) = next else { break };
        let Some(task) = tasks[id].as_mut() else {
            continue;
        };
        polls += 1;
        assert!(polls < 10_000, "report_async never finished");
        if task
            .as_mut()
            .poll(&mut Context::from_waker(&wakers[id]))
            .is_ready()
        {
            tasks[id] = None;
        }
    }
    assert!(
        tasks[0].is_none(),
        "report_async returned Pending and woke nobody: it never finished"
    );
    let log = log.borrow().clone();
    let text = text.borrow_mut().take().expect("report_async finished");
    (text, log)
}

#[test]
fn the_report_is_one_line_per_id() {
    grading("colour_refactor");
    let mut rng = Rng::new();
    for ids in [vec![], vec![1, 2, 3], generated_ids(&mut rng)] {
        // Outside a scheduler `yield_now` returns at once: the plain chain still works.
        assert_eq!(
            report(&ids, &value),
            expected_report(&ids),
            "report({ids:?}, db)"
        );
        let (async_text, _) = stackless_beside_heartbeat(&ids);
        assert_eq!(
            async_text,
            expected_report(&ids),
            "report_async({ids:?}, db)"
        );
    }
}

// ANCHOR: example_test
#[test]
fn the_plain_chain_yields_in_a_green_thread() {
    grading("colour_refactor");
    let ids = vec![1, 2, 3];
    let (text, log) = stackful_beside_heartbeat(ids.clone());
    assert_eq!(text, expected_report(&ids));
    assert_eq!(
        log,
        ["beat", "db 1", "beat", "db 2", "beat", "db 3"],
        "report() in a green thread beside a heartbeat: fetch waits at one yield point, \
         then asks the database"
    );
}
// ANCHOR_END: example_test

#[test]
fn the_async_chain_yields_on_an_executor() {
    grading("colour_refactor");
    let ids = [1, 2, 3];
    let (text, log) = stackless_beside_heartbeat(&ids);
    assert_eq!(text, expected_report(&ids));
    assert_eq!(
        log,
        ["beat", "db 1", "beat", "db 2", "beat", "db 3"],
        "report_async() on an executor beside a heartbeat: fetch_async awaits one yield \
         point, then asks the database"
    );
}

#[test]
fn both_chains_interleave_alike_on_generated_ids() {
    grading("colour_refactor");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let ids = generated_ids(&mut rng);
        let expected = expected_log(&ids);
        let (stackful_text, stackful_log) = stackful_beside_heartbeat(ids.clone());
        let (stackless_text, stackless_log) = stackless_beside_heartbeat(&ids);
        assert_eq!(stackful_log, expected, "report({ids:?}) beside a heartbeat");
        assert_eq!(
            stackless_log, expected,
            "report_async({ids:?}) beside a heartbeat"
        );
        assert_eq!(stackful_text, stackless_text, "the two reports of {ids:?}");
    }
}
