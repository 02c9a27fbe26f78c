//! Part III: Delegation (PEP 380). Compiled and run by `tests/book_listings.rs`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::rc::Rc;
use std::time::Instant;

use yieldpoint::coroutine::Builder;
use yieldpoint::{Coroutine, CoroutineState, Exception, Generator, Lifecycle, Yielder};

// ANCHOR: plain_call
/// A plain function that yields: it takes the body's `&Yielder` as an argument.
fn emit_words(co: &Yielder<(), String>, line: &str) -> usize {
    let mut count = 0;
    for word in line.split_whitespace() {
        // Suspends the whole coroutine, not just this call:
        co.yield_(word.to_uppercase());
        count += 1;
    }
    count
}

/// Calls `emit_words` once per line: no `yield from`, just a call.
fn shout(text: &'static str) -> Generator<String, usize> {
    Generator::new(move |co| text.lines().map(|line| emit_words(co, line)).sum())
}

#[test]
fn a_plain_call_can_yield() {
    let mut words = shout("yield from\nis not needed");
    assert_eq!(words.next().as_deref(), Some("YIELD"));
    let rest: Vec<String> = words.by_ref().collect();
    assert_eq!(rest, ["FROM", "IS", "NOT", "NEEDED"]);
    assert_eq!(words.return_value(), Some(&5));
}
// ANCHOR_END: plain_call

// ANCHOR: chains
/// The innermost generator: yields `0..n`.
fn leaf(n: u64) -> Coroutine<(), u64, ()> {
    Coroutine::new(move |co, ()| co.yield_from_iter(0..n))
}

/// `depth` coroutines, each delegating to the next with `yield_from`, then
/// the leaf: Python's chain of `yield from`, translated word for word.
fn delegating_chain(depth: usize, n: u64) -> Coroutine<(), u64, ()> {
    if depth == 0 {
        return leaf(n);
    }
    Coroutine::new(move |co, ()| co.yield_from(delegating_chain(depth - 1, n), ()))
}

/// `depth` nested plain calls inside one coroutine; the deepest yields `0..n`.
fn relay(co: &Yielder<(), u64>, depth: usize, n: u64) -> usize {
    if depth == 0 {
        co.yield_from_iter(0..n);
        return 0;
    }
    relay(co, depth - 1, n) + 1 // work after the call: a real frame, not a loop
}

/// One coroutine whose stack holds the whole chain of calls.
fn calling_chain(depth: usize, n: u64) -> Generator<u64, usize> {
    Builder::new()
        .name("calling_chain")
        .stack_size(1 << 20) // room for a few thousand debug-build frames
        .generator(move |co| relay(co, depth, n))
        .expect("a 1 MiB stack")
}
// ANCHOR_END: chains

/// Pulls every value of a delegating chain and returns them.
fn drain(mut chain: Coroutine<(), u64, ()>) -> Vec<u64> {
    let mut values = Vec::new();
    while let CoroutineState::Yielded(v) = chain.send(()) {
        values.push(v);
    }
    values
}

#[test]
fn both_chains_yield_the_same_values() {
    for depth in [0, 1, 7, 100] {
        let want: Vec<u64> = (0..5).collect();
        assert_eq!(drain(delegating_chain(depth, 5)), want);
        let mut calls = calling_chain(depth, 5);
        assert_eq!(calls.by_ref().collect::<Vec<_>>(), want);
        assert_eq!(calls.return_value(), Some(&depth));
    }
}

/// Nanoseconds per value of `f`, which pulls `values` values and returns how many it got:
/// the best of three runs, so that a busy machine disturbs the table less.
fn ns_per_value(values: u64, f: impl Fn() -> usize) -> f64 {
    let run = || {
        let start = Instant::now();
        let got = f();
        assert_eq!(got as u64, values, "every value came through");
        start.elapsed().as_nanos() as f64 / values as f64
    };
    (0..3).map(|_| run()).fold(f64::INFINITY, f64::min)
}

/// Python's side of the table: `book/python/delegation_depth.py` prints `depth ns` lines
/// and a first line with its version. `None` when python3 is not installed.
fn python_column(values: u64, depths: &[usize]) -> Option<(String, Vec<f64>)> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/book/python/delegation_depth.py"
    );
    let mut command = std::process::Command::new("python3");
    command.arg(script).arg(values.to_string());
    command.args(depths.iter().map(usize::to_string));
    let output = command.output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8(output.stdout).ok()?;
    let mut lines = text.lines();
    let version = lines.next()?.to_string();
    let ns = lines
        .map(|line| line.split_whitespace().nth(1)?.parse().ok())
        .collect::<Option<Vec<f64>>>()?;
    (ns.len() == depths.len()).then_some((version, ns))
}

/// The chapter's table: the cost of one value through a chain of depth `d`, measured here
/// and now. No assertion looks at a time.
fn depth_table(values: u64, depths: &[usize]) -> String {
    let python = python_column(values, depths);
    let mut table = String::from(
        "| depth d | Python `yield from` chain | `yield_from` chain | plain calls |\n\
         |---:|---:|---:|---:|\n",
    );
    for (row, &depth) in depths.iter().enumerate() {
        let chain = ns_per_value(values, || drain(delegating_chain(depth, values)).len());
        let calls = ns_per_value(values, || calling_chain(depth, values).count());
        let py = python
            .as_ref()
            .map_or("not measured".to_string(), |(_, ns)| {
                format!("{:.0} ns", ns[row])
            });
        writeln!(table, "| {depth} | {py} | {chain:.0} ns | {calls:.0} ns |").unwrap();
    }
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let python = python.map_or(
        "python3 was not found, so Python's column is empty".to_string(),
        |(version, _)| format!("Python's column: {version}"),
    );
    writeln!(
        table,
        "\nNanoseconds per value, {values} values per chain, yieldpoint built in {profile} \
         mode; {python}."
    )
    .unwrap();
    table
}

/// Prints the table; with `YIELDPOINT_DEPTH_TABLE=<file>` it measures more values and
/// writes the table there (how `book/src/part3/depth-table.md` was made).
#[test]
fn the_depth_table() {
    let out = std::env::var_os("YIELDPOINT_DEPTH_TABLE");
    let values = if out.is_some() { 50_000 } else { 500 };
    let depths = [1, 10, 100, 500];
    let table = depth_table(values, &depths);
    assert_eq!(table.lines().filter(|l| l.starts_with("| ")).count(), 5);
    println!("{table}");
    if let Some(path) = out {
        std::fs::write(path, table).expect("the table's file is writable");
    }
}

// ANCHOR: pipe_send
/// Sums what it is sent, yielding the running total; `0` ends it with the total.
fn adder() -> Coroutine<i64, i64, i64> {
    Coroutine::new(|co, first: i64| {
        let mut total = first;
        loop {
            match co.yield_(total) {
                0 => return total,
                n => total += n,
            }
        }
    })
}

#[test]
fn send_reaches_the_inner_coroutine_and_its_return_value_comes_back() {
    let mut outer: Coroutine<i64, i64, String> = Coroutine::new(|co, first| {
        // Python: total = yield from adder()
        let total = co.yield_from(adder(), first);
        format!("total {total}")
    });
    // Yielded by adder, through outer; then sent to adder, through outer.
    assert_eq!(outer.send(2), CoroutineState::Yielded(2));
    assert_eq!(outer.send(3), CoroutineState::Yielded(5));
    assert_eq!(
        outer.send(0),
        CoroutineState::Complete("total 5".to_string())
    );
}
// ANCHOR_END: pipe_send

/// A trace of events, shared by the coroutines of a listing.
type Trace = Rc<RefCell<Vec<String>>>;

/// Writes "<name> dropped" to the trace when dropped: Python's `finally`.
struct Guard(&'static str, Trace);

impl Drop for Guard {
    fn drop(&mut self) {
        self.1.borrow_mut().push(format!("{} dropped", self.0));
    }
}

// ANCHOR: pipe_throw
/// Yields what it is sent; catches an error whose message is "skip", lets
/// the others through.
fn careful(trace: Trace) -> Coroutine<u32, u32, (), Exception> {
    Coroutine::new(move |co, first| {
        let _guard = Guard("inner", trace.clone());
        let mut value = first;
        loop {
            match co.try_yield(value) {
                Ok(sent) => value = sent,
                Err(e) if e.to_string() == "skip" => {
                    trace.borrow_mut().push("inner skipped".into())
                }
                Err(e) => co.raise(e), // not ours: propagate, as a bare `raise`
            }
        }
    })
}

fn delegator(trace: Trace) -> Coroutine<u32, u32, (), Exception> {
    Coroutine::new(move |co, first| {
        let _guard = Guard("outer", trace.clone());
        co.yield_from(careful(trace), first)
    })
}

#[test]
fn a_throw_goes_to_the_inner_coroutine_first() {
    let trace = Trace::default();
    let mut outer = delegator(trace.clone());
    assert_eq!(outer.send(1), CoroutineState::Yielded(1));
    // Caught inside: the delegation goes on.
    let caught = outer.throw(Exception::from("skip")).unwrap();
    assert_eq!(caught, CoroutineState::Yielded(1));
    assert_eq!(outer.send(2), CoroutineState::Yielded(2));
    // Not caught inside: it unwinds the inner coroutine, then the outer one.
    let escaped = outer.throw(Exception::from("abort")).unwrap_err();
    assert_eq!(escaped.to_string(), "abort");
    assert_eq!(
        *trace.borrow(),
        ["inner skipped", "inner dropped", "outer dropped"]
    );
    assert_eq!(outer.state(), Lifecycle::Closed);
}
// ANCHOR_END: pipe_throw

// ANCHOR: pipe_close
#[test]
fn close_closes_the_inner_coroutine_first() {
    let trace = Trace::default();
    let mut outer = delegator(trace.clone());
    let _ = outer.send(1);
    // Python: GeneratorExit closes the subiterator, then is raised here.
    outer.close();
    assert_eq!(*trace.borrow(), ["inner dropped", "outer dropped"]);
}
// ANCHOR_END: pipe_close

// ANCHOR: try_yield_from
#[test]
fn try_yield_from_hands_back_the_error_the_inner_let_through() {
    let trace = Trace::default();
    let inner_trace = trace.clone();
    let mut outer: Coroutine<u32, u32, String> = Coroutine::new(move |co, first| {
        match co.try_yield_from(careful(inner_trace), first) {
            Ok(()) => "inner returned".to_string(),
            Err(e) => format!("recovered from {e}"), // Python: except Abort as e
        }
    });
    let _ = outer.send(1);
    let done = outer.throw(Exception::from("abort")).unwrap();
    assert_eq!(
        done,
        CoroutineState::Complete("recovered from abort".into())
    );
    assert_eq!(*trace.borrow(), ["inner dropped"]);
}
// ANCHOR_END: try_yield_from

// ANCHOR: results
/// Reads numbers until it is sent `None`; returns how many it read and their sum.
fn batch() -> Coroutine<Option<u32>, (), (usize, u32)> {
    Coroutine::new(|co, first| {
        let (mut count, mut sum) = (0, 0);
        let mut next = first;
        while let Some(n) = next {
            count += 1;
            sum += n;
            next = co.yield_(());
        }
        (count, sum)
    })
}

/// Each batch's count and sum.
type Results = Rc<RefCell<Vec<(usize, u32)>>>;

/// Delegates to one `batch` after another and records each batch's result.
fn batches(results: Results) -> Coroutine<Option<u32>, (), ()> {
    Coroutine::new(move |co, mut first| loop {
        let result = co.yield_from(batch(), first); // the sub's return value
        results.borrow_mut().push(result);
        first = co.yield_(()); // the next batch starts with the next value sent
    })
}

#[test]
fn each_inner_result_arrives_in_the_delegator() {
    let results = Results::default();
    let mut all = batches(results.clone());
    for value in [Some(1), Some(2), None, Some(10), None] {
        let _ = all.send(value);
    }
    assert_eq!(*results.borrow(), [(2, 3), (1, 10)]);
}
// ANCHOR_END: results

// ANCHOR: tree
/// A directory tree.
enum Entry {
    File(&'static str),
    Dir(&'static str, Vec<Entry>),
}

/// Yields each path under `entry`, depth first: a recursive plain function.
fn walk(co: &Yielder<(), String>, entry: &Entry, prefix: &str) {
    match entry {
        Entry::File(name) => {
            co.yield_(format!("{prefix}{name}"));
        }
        Entry::Dir(name, entries) => {
            let prefix = format!("{prefix}{name}/");
            co.yield_(prefix.clone());
            for child in entries {
                walk(co, child, &prefix); // Python: yield from walk(child, prefix)
            }
        }
    }
}

#[test]
fn a_recursive_walk_is_a_recursive_call() {
    use Entry::{Dir, File};
    let tree = Dir(
        "book",
        vec![File("SUMMARY.md"), Dir("part3", vec![File("trees.md")])],
    );
    let paths = Generator::new(move |co| walk(co, &tree, ""));
    let want = [
        "book/",
        "book/SUMMARY.md",
        "book/part3/",
        "book/part3/trees.md",
    ];
    assert_eq!(paths.collect::<Vec<_>>(), want);
}
// ANCHOR_END: tree

/// Nested directories `depth` deep, one file at the bottom.
fn deep(depth: usize) -> Entry {
    (0..depth).fold(Entry::File("bottom"), |inner, _| {
        Entry::Dir("d", vec![inner])
    })
}

// ANCHOR: overflow
#[test]
fn a_deep_recursion_is_reported_by_name() {
    use crate::child_process::{in_child, run_child};
    if in_child() {
        // In a child process: this aborts it.
        let tree = deep(100_000);
        let mut paths = Builder::new()
            .name("walker")
            .stack_size(64 * 1024)
            .generator(move |co| walk(co, &tree, ""))
            .unwrap();
        let _ = paths.by_ref().count();
        unreachable!("100,000 frames do not fit in 64 KiB");
    }
    let child = run_child("part3::a_deep_recursion_is_reported_by_name");
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(!child.status.success());
    let report = "coroutine \"walker\" has overflowed its stack (65536 bytes)";
    assert!(stderr.contains(report), "{stderr}");
}
// ANCHOR_END: overflow

#[test]
fn a_big_enough_stack_walks_a_deep_tree() {
    let tree = deep(2_000);
    let paths = Builder::new()
        .name("walker")
        // 16 MiB of address space, touched only as deep as it goes:
        .stack_size(16 << 20)
        .generator(move |co| walk(co, &tree, ""))
        .unwrap();
    assert_eq!(paths.count(), 2_001);
}

// ANCHOR: trampoline_types
/// What a trampolined function yields to its scheduler.
enum Step {
    /// Call this function and send me its result (Python: `r = yield add(2, 2)`).
    Call(Frame),
    /// Print a line.
    Print(String),
}

/// A function run by the trampoline: sent the result of its last call,
/// returns a value.
type Frame = Coroutine<u64, Step, u64>;
// ANCHOR_END: trampoline_types

// ANCHOR: trampoline
fn add(x: u64, y: u64) -> Frame {
    Coroutine::new(move |_co, _| x + y) // returns at once: Beazley's `yield x+y`
}

fn main_task() -> Frame {
    Coroutine::new(|co, _| {
        let r = co.yield_(Step::Call(add(2, 2)));
        co.yield_(Step::Print(format!("{r}")));
        0
    })
}

/// The trampoline: a stack of frames; the top one runs; a return pops it
/// and sends its value to the frame below.
fn trampoline(main: Frame) -> Vec<String> {
    let mut printed = Vec::new();
    let mut stack = vec![main];
    let mut value = 0; // what the top frame is sent next
    while let Some(top) = stack.last_mut() {
        match top.send(value) {
            CoroutineState::Yielded(Step::Call(frame)) => {
                stack.push(frame);
                value = 0; // a new frame's first send
            }
            CoroutineState::Yielded(Step::Print(line)) => {
                printed.push(line);
                value = 0;
            }
            CoroutineState::Complete(result) => {
                stack.pop();
                value = result;
            }
        }
    }
    printed
}

#[test]
fn beazley_trampoline() {
    assert_eq!(trampoline(main_task()), ["4"]);
}
// ANCHOR_END: trampoline

// ANCHOR: trampoline_calls
/// The same program without a trampoline: a call is a call.
fn add_plain(x: u64, y: u64) -> u64 {
    x + y
}

fn main_plain(printed: &mut Vec<String>) {
    let r = add_plain(2, 2);
    printed.push(format!("{r}"));
}

/// With a subroutine that itself yields: `yield_from` runs it as a
/// coroutine of its own.
fn main_delegating() -> Generator<String> {
    Generator::new(|co| {
        let add_and_print = Coroutine::new(|co, ()| {
            co.yield_(format!("adding {} and {}", 2, 2));
            2 + 2
        });
        let r = co.yield_from(add_and_print, ());
        co.yield_(format!("{r}"));
    })
}

#[test]
fn the_same_program_without_a_trampoline() {
    let mut printed = Vec::new();
    main_plain(&mut printed);
    assert_eq!(printed, trampoline(main_task()));
    assert_eq!(
        main_delegating().collect::<Vec<_>>(),
        ["adding 2 and 2", "4"]
    );
}
// ANCHOR_END: trampoline_calls

// ANCHOR: pyos
/// A task's identifier.
type Tid = u32;

/// What a task asks the operating system for (Beazley's `SystemCall` subclasses).
enum SysCall {
    GetTid,
    NewTask(Task),
}

/// Tasks yield a system call and are sent its answer: a task id.
type Task = Coroutine<Tid, SysCall, ()>;

/// Runs tasks round-robin; each yield is a system call, answered at the next send.
fn pyos(main: Task) -> Vec<Tid> {
    let mut ready: VecDeque<(Tid, Task, Tid)> = VecDeque::from([(1, main, 0)]);
    let mut next_tid = 2;
    let mut ran = Vec::new();
    while let Some((tid, mut task, answer)) = ready.pop_front() {
        ran.push(tid);
        let reply = match task.send(answer) {
            CoroutineState::Complete(()) => continue, // the task exited
            CoroutineState::Yielded(SysCall::GetTid) => tid,
            CoroutineState::Yielded(SysCall::NewTask(child)) => {
                ready.push_back((next_tid, child, 0));
                next_tid += 1;
                next_tid - 1
            }
        };
        ready.push_back((tid, task, reply));
    }
    ran
}

#[test]
fn tasks_ask_the_scheduler_with_system_calls() {
    let tids = Rc::new(RefCell::new(Vec::new()));
    let (a, b) = (tids.clone(), tids.clone());
    let main: Task = Coroutine::new(move |co, _| {
        let child: Task = Coroutine::new(move |co, _| {
            let tid = co.yield_(SysCall::GetTid);
            b.borrow_mut().push(tid);
        });
        let child_tid = co.yield_(SysCall::NewTask(child));
        let my_tid = co.yield_(SysCall::GetTid);
        a.borrow_mut().push(my_tid * 10 + child_tid);
    });
    // Task 1 runs, spawns 2; 2 asks its tid; 1 asks its tid; 2 exits; 1 exits.
    assert_eq!(pyos(main), [1, 2, 1, 2, 1]);
    assert_eq!(*tids.borrow(), [2, 12]);
}
// ANCHOR_END: pyos
