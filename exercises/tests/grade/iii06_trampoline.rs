//! Grader for exercise III.6 (`src/part3/trampoline.rs`).

mod support;

support::exercise!(
    trampoline,
    "../../src/part3/trampoline.rs",
    "../../solutions/part3/trampoline.rs"
);

use std::rc::Rc;

use crate::support::grading;
use crate::support::part3::{in_child, numbers, run_child};
use trampoline::{run, sum_to, Frame, Log, Step};
use yieldpoint::Coroutine;

/// A generated program: each function prints numbers and calls other functions, in order.
#[derive(Debug)]
enum Op {
    Print(u64),
    Call(Rc<Function>),
}

#[derive(Debug)]
struct Function {
    id: u64,
    body: Vec<Op>,
}

fn program(seed: u64) -> Rc<Function> {
    fn grow(next: &mut impl FnMut() -> u64, depth: u32, id: &mut u64) -> Rc<Function> {
        *id += 1;
        let me = *id;
        let body = (0..next() % 5)
            .map(|_| {
                if depth > 0 && next() % 2 == 0 {
                    Op::Call(grow(next, depth - 1, id))
                } else {
                    Op::Print(next() % 1000)
                }
            })
            .collect();
        Rc::new(Function { id: me, body })
    }
    let mut next = numbers(seed);
    let mut id = 0;
    grow(&mut next, 2 + (seed % 4) as u32, &mut id)
}

/// The program as trampolined frames: each logs when it starts and returns, and returns
/// its id plus what it printed plus what its callees returned, times 3.
fn frame(function: Rc<Function>, log: Log) -> Frame {
    Coroutine::new(move |co, _| {
        log.borrow_mut().push(format!("enter {}", function.id));
        let mut total = function.id;
        for op in &function.body {
            match op {
                Op::Print(n) => {
                    let sent = co.yield_(Step::Print(*n));
                    assert_eq!(sent, 0, "after a Print, a frame is sent 0");
                    total += n;
                }
                Op::Call(callee) => {
                    total += 3 * co.yield_(Step::Call(frame(callee.clone(), log.clone())))
                }
            }
        }
        log.borrow_mut().push(format!("return {}", function.id));
        total
    })
}

/// The same program with plain calls: what the trampoline must reproduce.
fn direct(function: &Function, log: &mut Vec<String>) -> u64 {
    log.push(format!("enter {}", function.id));
    let mut total = function.id;
    for op in &function.body {
        match op {
            Op::Print(n) => {
                log.push(format!("print {n}"));
                total += n;
            }
            Op::Call(callee) => total += 3 * direct(callee, log),
        }
    }
    log.push(format!("return {}", function.id));
    total
}

#[test]
fn run_gives_the_same_output_as_plain_calls() {
    grading("trampoline");
    for seed in [1, 4, 9, 16, 25, 36, 1_234_567] {
        let program = program(seed);
        let mut want = Vec::new();
        let result = direct(&program, &mut want);
        let log = Log::default();
        let got = run(frame(program.clone(), log.clone()), &log);
        assert_eq!(
            *log.borrow(),
            want,
            "program {seed}: the frames' enters, prints and returns, in the order plain \
             calls make them"
        );
        assert_eq!(
            got, result,
            "program {seed}: each callee's result is sent to its caller, and run returns \
             main's"
        );
    }
}

#[test]
fn sum_to_recurses_through_the_trampoline() {
    grading("trampoline");
    for n in [0, 1, 2, 7, 30, 123] {
        let log = Log::default();
        assert_eq!(run(sum_to(n), &log), n * (n + 1) / 2, "run(sum_to({n}))");
        assert!(log.borrow().is_empty(), "sum_to prints nothing");
    }
}

#[test]
fn sum_to_yields_a_call() {
    grading("trampoline");
    let mut frame = sum_to(5);
    match frame.send(0).yielded() {
        Some(Step::Call(mut callee)) => {
            assert!(
                matches!(callee.send(0).yielded(), Some(Step::Call(_))),
                "sum_to(4) calls sum_to(3) in turn"
            );
        }
        _ => panic!("sum_to(5) first yields a Call to sum_to(4)"),
    }
}

#[test]
fn ten_thousand_nested_calls_do_not_grow_the_os_stack() {
    grading("trampoline");
    let name = "ten_thousand_nested_calls_do_not_grow_the_os_stack";
    if in_child(name) {
        // 10,000 frames at once: each has its own coroutine stack; `run` itself runs on a
        // thread with a 256 KiB stack, too small for 10,000 levels of Rust recursion.
        let result = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| run(sum_to(10_000), &Log::default()))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(result, 50_005_000);
        return;
    }
    let child = run_child(name);
    assert!(
        child.status.success(),
        "run(sum_to(10_000)) on a thread with a 256 KiB stack must return 50005000: the \
         trampoline keeps its frames in a Vec and never calls itself; the run printed:\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
}
