//! A property test of the coroutine protocol (issue 10): random sequences of `send`,
//! `throw`, `close` and drop on coroutines whose bodies are random straight-line programs
//! (yield, try_yield, return, panic, values with a panicking `Drop`, `catch_unwind` around a
//! yield), checked against a model of the semantics table in DESIGN.md ("Semantics") and
//! the rules of `Coroutine::close`: what each call returns, `state()` afterwards, and that
//! every counted value is dropped exactly once (or, for a body that ignored its close,
//! leaked with its stack and never dropped).
//!
//! Deterministic: a fixed list of seeds and a small PRNG (splitmix64). A failure prints the
//! seed, the program and the operations so far; `YIELDPOINT_FUZZ_SEED=n` runs one seed,
//! and `YIELDPOINT_FUZZ_VERBOSE=1` prints each seed before it runs (to find the seed of a
//! crash, which is how a use-after-free shows up here).
//!
//! Excluded from the random space, deliberately: scenarios that abort the process. A
//! second panic while unwinding aborts (Rust's rule, not yieldpoint's), so the values with
//! a panicking `Drop` panic only when the thread is not already panicking; and no `Drop`
//! yields (a yield while unwinding stops the process: `tests/coroutine_unwind.rs` checks
//! that in a child process). Bodies have no loops, so a body that ignores its close is
//! given up on after its refused yield instead of looping (also checked there).

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;

use yieldpoint::{Coroutine, CoroutineState, Exception, Lifecycle, Yielder};

/// splitmix64: small, fast and good enough to pick test cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One statement of a body.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stmt {
    /// `co.yield_(v)`: a throw propagates, a close unwinds.
    Yield(u32),
    /// `co.try_yield(v)`: a throw is handled (the body goes on).
    TryYield(u32),
    /// `catch_unwind(|| co.yield_(v))`: catches a throw or a close raised there.
    CatchYield(u32),
    Return(u32),
    Panic,
    /// Holds a counted value until the body ends.
    Hold,
    /// Holds a counted value whose `Drop` panics (when not already unwinding).
    HoldPanicking,
}

/// The value a body returns when it runs off its end.
const END: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Send,
    Throw,
    Close,
    Drop,
}

/// What an operation returned, as compared with the model.
#[derive(Debug, Clone, PartialEq)]
enum Observed {
    Yielded(u32),
    Complete(u32),
    /// `throw` returned `Err(e)`: the error's text.
    Thrown(String),
    /// `try_send` on a finished coroutine.
    Finished,
    /// `close` or drop returned.
    Done,
    /// The call panicked with this message.
    Panicked(String),
}

const BODY_PANIC: &str = "body panicked";
const DROP_PANIC: &str = "drop panicked";
const IGNORED_CLOSE: &str = "coroutine ignored close";

/// Per-value drop counts: each counted value has an index, and its count must end at 1
/// (or 0 if it was leaked with an abandoned stack).
#[derive(Clone, Default)]
struct Drops(Rc<std::cell::RefCell<Vec<u32>>>);

impl Drops {
    fn token(&self) -> Token {
        let mut counts = self.0.borrow_mut();
        counts.push(0);
        Token(self.clone(), counts.len() - 1)
    }

    fn created(&self) -> usize {
        self.0.borrow().len()
    }

    fn counts(&self) -> Vec<u32> {
        self.0.borrow().clone()
    }
}

struct Token(Drops, usize);

impl Drop for Token {
    fn drop(&mut self) {
        (self.0).0.borrow_mut()[self.1] += 1;
    }
}

/// A counted value whose `Drop` panics, unless the thread is already unwinding (a second
/// panic would abort: excluded, see the module doc).
struct PanicsOnDrop(#[allow(dead_code)] Token);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", DROP_PANIC);
        }
    }
}

#[allow(dead_code)]
enum Held {
    Plain(Token),
    Panicky(PanicsOnDrop),
}

type Co = Coroutine<u32, u32, u32>;

/// Builds the real coroutine for `prog`; it captures a counted value, and one with a
/// panicking `Drop` if `panicky_capture`.
fn build(prog: &[Stmt], panicky_capture: bool, drops: &Drops) -> Co {
    let prog = prog.to_vec();
    let cap = drops.token();
    let cap_p = panicky_capture.then(|| PanicsOnDrop(drops.token()));
    let drops = drops.clone();
    Coroutine::new(move |co: &Yielder<u32, u32>, _first: u32| {
        let _cap = cap;
        let _cap_p = cap_p;
        let mut held = Vec::new();
        for stmt in prog.iter().copied() {
            match stmt {
                Stmt::Yield(v) => {
                    co.yield_(v);
                }
                Stmt::TryYield(v) => {
                    let _ = co.try_yield(v);
                }
                Stmt::CatchYield(v) => {
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| co.yield_(v)));
                }
                Stmt::Return(v) => return v,
                Stmt::Panic => panic!("{}", BODY_PANIC),
                Stmt::Hold => held.push(Held::Plain(drops.token())),
                Stmt::HoldPanicking => held.push(Held::Panicky(PanicsOnDrop(drops.token()))),
            }
        }
        END
    })
}

/// Where the model's coroutine is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum At {
    Created,
    Suspended { pc: usize, stmt: Stmt },
    Closed,
}

/// How the model resumes a body.
#[derive(Clone, Copy, PartialEq)]
enum Resume {
    Send,
    /// Thrown and caught by `catch_unwind`: raised again at each later yield point.
    ThrowPending,
    /// The close was caught once (its next yield point is refused).
    CloseCaught,
    /// The close was caught again at a refused yield point (its next yield is ignored).
    CloseRefusedCaught,
}

/// The semantics table as a model.
struct Model {
    prog: Vec<Stmt>,
    at: At,
    /// Counted values alive in the coroutine (captures, then held values).
    alive: usize,
    /// Whether one of them panics when dropped.
    panicky: bool,
    /// Counted values leaked with an abandoned stack.
    leaked: usize,
}

impl Model {
    fn new(prog: &[Stmt], panicky_capture: bool) -> Self {
        Model {
            prog: prog.to_vec(),
            at: At::Created,
            alive: 1 + usize::from(panicky_capture),
            panicky: panicky_capture,
            leaked: 0,
        }
    }

    fn state(&self) -> Lifecycle {
        match self.at {
            At::Created => Lifecycle::Created,
            At::Suspended { .. } => Lifecycle::Suspended,
            At::Closed => Lifecycle::Closed,
        }
    }

    /// The coroutine finished: everything alive is dropped. Returns whether a drop
    /// panicked (on a normal end; during unwinding the panicking drops stay quiet).
    fn finish(&mut self) -> bool {
        self.at = At::Closed;
        self.alive = 0;
        std::mem::take(&mut self.panicky)
    }

    fn apply(&mut self, op: Op, error: &str) -> Observed {
        match (self.at, op) {
            (At::Closed, Op::Send) => Observed::Finished,
            (At::Closed, Op::Throw) => Observed::Thrown(error.into()),
            (At::Closed, Op::Close | Op::Drop) => Observed::Done,
            (At::Created, Op::Send) => self.run(0, Resume::Send, error),
            // The body is dropped unstarted: a panicking capture's panic propagates.
            (At::Created, _) => match (self.finish(), op) {
                (true, _) => Observed::Panicked(DROP_PANIC.into()),
                (false, Op::Throw) => Observed::Thrown(error.into()),
                (false, _) => Observed::Done,
            },
            (At::Suspended { pc, .. }, Op::Send) => self.run(pc + 1, Resume::Send, error),
            (At::Suspended { pc, stmt }, Op::Throw) => match stmt {
                Stmt::TryYield(_) => self.run(pc + 1, Resume::Send, error),
                Stmt::CatchYield(_) => self.run(pc + 1, Resume::ThrowPending, error),
                _ => {
                    self.finish();
                    Observed::Thrown(error.into())
                }
            },
            (At::Suspended { pc, stmt }, Op::Close | Op::Drop) => match stmt {
                Stmt::CatchYield(_) => self.run(pc + 1, Resume::CloseCaught, error),
                _ => {
                    self.finish();
                    Observed::Done
                }
            },
        }
    }

    /// Runs the body from `pc` until it suspends or ends.
    fn run(&mut self, mut pc: usize, mut how: Resume, error: &str) -> Observed {
        loop {
            let stmt = self.prog.get(pc).copied().unwrap_or(Stmt::Return(END));
            match stmt {
                Stmt::Return(v) => {
                    if self.finish() {
                        return Observed::Panicked(DROP_PANIC.into());
                    }
                    return match how {
                        Resume::Send => Observed::Complete(v),
                        Resume::ThrowPending => Observed::Thrown(error.into()),
                        Resume::CloseCaught | Resume::CloseRefusedCaught => Observed::Done,
                    };
                }
                Stmt::Panic => {
                    self.finish();
                    return Observed::Panicked(BODY_PANIC.into());
                }
                Stmt::Hold => self.alive += 1,
                Stmt::HoldPanicking => {
                    self.alive += 1;
                    self.panicky = true;
                }
                Stmt::Yield(v) | Stmt::TryYield(v) | Stmt::CatchYield(v) => {
                    let caught = matches!(stmt, Stmt::CatchYield(_));
                    match how {
                        // A swallowed throw is raised again at each yield point.
                        Resume::ThrowPending if caught => {}
                        Resume::ThrowPending => {
                            self.finish();
                            return Observed::Thrown(error.into());
                        }
                        // The first yield after a caught close is refused.
                        Resume::CloseCaught if caught => how = Resume::CloseRefusedCaught,
                        Resume::CloseCaught => {
                            self.finish();
                            return Observed::Done;
                        }
                        // The body ignored the close: given up on, its values leaked.
                        Resume::CloseRefusedCaught => {
                            self.at = At::Closed;
                            self.leaked += std::mem::take(&mut self.alive);
                            self.panicky = false;
                            return Observed::Panicked(IGNORED_CLOSE.into());
                        }
                        Resume::Send => {
                            self.at = At::Suspended { pc, stmt };
                            return Observed::Yielded(v);
                        }
                    }
                }
            }
            pc += 1;
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string payload>".into());
    if text.starts_with(IGNORED_CLOSE) {
        IGNORED_CLOSE.into()
    } else {
        text
    }
}

/// Applies `op` to the real coroutine (`None` once dropped).
fn apply(co: &mut Option<Co>, op: Op, sent: u32, error: &str) -> Observed {
    let result = panic::catch_unwind(AssertUnwindSafe(|| match op {
        Op::Send => match co.as_mut().unwrap().try_send(sent) {
            Ok(CoroutineState::Yielded(y)) => Observed::Yielded(y),
            Ok(CoroutineState::Complete(r)) => Observed::Complete(r),
            Err(_) => Observed::Finished,
        },
        Op::Throw => match co.as_mut().unwrap().throw(Exception::from(error)) {
            Ok(CoroutineState::Yielded(y)) => Observed::Yielded(y),
            Ok(CoroutineState::Complete(r)) => Observed::Complete(r),
            Err(e) => Observed::Thrown(e.to_string()),
        },
        Op::Close => {
            co.as_mut().unwrap().close();
            Observed::Done
        }
        Op::Drop => {
            drop(co.take());
            Observed::Done
        }
    }));
    if op == Op::Drop {
        // A panicking drop has still consumed the coroutine.
        *co = None;
    }
    result.unwrap_or_else(|payload| Observed::Panicked(panic_message(payload)))
}

fn random_program(rng: &mut Rng) -> Vec<Stmt> {
    let len = rng.below(9) as usize;
    (0..len)
        .map(|_| {
            let v = rng.below(100) as u32;
            match rng.below(20) {
                0..=4 => Stmt::Yield(v),
                5..=7 => Stmt::TryYield(v),
                8..=11 => Stmt::CatchYield(v),
                12 => Stmt::Return(v),
                13 => Stmt::Panic,
                14..=17 => Stmt::Hold,
                _ => Stmt::HoldPanicking,
            }
        })
        .collect()
}

fn random_ops(rng: &mut Rng) -> Vec<Op> {
    let len = 1 + rng.below(10) as usize;
    let mut ops: Vec<Op> = (0..len)
        .map(|_| match rng.below(20) {
            0..=8 => Op::Send,
            9..=14 => Op::Throw,
            15..=17 => Op::Close,
            _ => Op::Drop,
        })
        .collect();
    if let Some(end) = ops.iter().position(|&op| op == Op::Drop) {
        ops.truncate(end + 1);
    } else {
        ops.push(Op::Drop);
    }
    ops
}

/// Runs one seed; returns a description of the first mismatch.
fn check_seed(seed: u64) -> Result<(), String> {
    let mut rng = Rng(seed);
    let prog = random_program(&mut rng);
    let panicky_capture = rng.below(4) == 0;
    let ops = random_ops(&mut rng);
    let drops = Drops::default();
    let mut model = Model::new(&prog, panicky_capture);
    let mut co = Some(build(&prog, panicky_capture, &drops));
    let mut log = String::new();
    let fail = |log: &str, what: String| {
        Err(format!(
            "seed {seed}: {what}\n  program: {prog:?}\n  panicking capture: \
             {panicky_capture}\n  operations: {ops:?}\n  so far:\n{log}"
        ))
    };
    for (i, &op) in ops.iter().enumerate() {
        let error = format!("error {i}");
        let expected = model.apply(op, &error);
        let observed = apply(&mut co, op, i as u32, &error);
        let _ = writeln!(log, "    {op:?} -> {observed:?}");
        if observed != expected {
            return fail(
                &log,
                format!("{op:?} returned {observed:?}, expected {expected:?}"),
            );
        }
        if let Some(co) = &co {
            if co.state() != model.state() {
                return fail(
                    &log,
                    format!(
                        "state {:?} after {op:?}, expected {:?}",
                        co.state(),
                        model.state()
                    ),
                );
            }
        }
    }
    let counts = drops.counts();
    if let Some(twice) = counts.iter().position(|&n| n > 1) {
        return fail(
            &log,
            format!("counted value {twice} dropped {} times", counts[twice]),
        );
    }
    let dropped = counts.iter().filter(|&&n| n == 1).count();
    if dropped + model.leaked != drops.created() {
        return fail(
            &log,
            format!(
                "{dropped} of {} counted values dropped, {} leaked by the model",
                drops.created(),
                model.leaked
            ),
        );
    }
    Ok(())
}

/// Keeps the expected panics of the fuzzed bodies off stderr.
fn quiet_expected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            let expected = text.is_some_and(|t| {
                t == BODY_PANIC || t == DROP_PANIC || t.starts_with(IGNORED_CLOSE)
            });
            if !expected {
                default(info);
            }
        }));
    });
}

/// Seeds checked by `cargo test`; each is one program and one sequence of operations.
const SEEDS: u64 = 3000;

#[test]
fn random_send_throw_close_drop_sequences_follow_the_semantics_table() {
    quiet_expected_panics();
    let seeds: Vec<u64> = match std::env::var("YIELDPOINT_FUZZ_SEED") {
        Ok(seed) => vec![seed.parse().expect("YIELDPOINT_FUZZ_SEED is a number")],
        Err(_) => (0..SEEDS).collect(),
    };
    let verbose = std::env::var_os("YIELDPOINT_FUZZ_VERBOSE").is_some();
    let failures: Vec<String> = seeds
        .into_iter()
        .filter_map(|seed| {
            if verbose {
                eprintln!("seed {seed}");
            }
            check_seed(seed).err()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of the seeds failed; the first:\n{}",
        failures.len(),
        failures[0]
    );
}
