//! Known-wrong solution of exercise III.6 (cheat class: easy inputs only (the results of nested calls never checked)).
//!
//! See the `// WRONG:` comment below.
//!
//! Exercise III.6: Beazley's trampoline, with a stack of coroutines (PEP 342, then 380)
//!
//! You learn what `yield from` replaced: before PEP 380, a generator "called" another by
//! yielding it to a scheduler, which kept a stack of generators, ran the top one, and sent
//! each one's result to the one below. Here each frame is a `Coroutine`; `run` is the
//! trampoline, and it must not recurse: the frames' stack is a `Vec`.
//!
//! ```python
//! # Python 2.5 (David Beazley, "A Curious Course on Coroutines and Concurrency", 2009)
//! def add(x, y):
//!     yield x + y          # the last value a subroutine yields is its result
//!
//! def main():
//!     r = yield add(2, 2)  # a call: yield the generator to the trampoline
//!     print r
//!     yield
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::{Coroutine, CoroutineState};

/// What a frame yields to the trampoline.
pub enum Step {
    /// Call this frame; its return value is sent back to the caller.
    Call(Frame),
    /// Print this number: the trampoline writes `"print <n>"` to its log at once.
    Print(u64),
}

/// A trampolined function: sent `0` to start and after a `Print`, sent the callee's return
/// value after a `Call`; yields [`Step`]s; returns its result.
pub type Frame = Coroutine<u64, Step, u64>;

/// The log the trampoline and the frames write to.
pub type Log = Rc<RefCell<Vec<String>>>;

/// Runs `main` and every frame it calls on a stack of frames (a `Vec`, not Rust calls):
/// the top frame runs; a `Call` pushes the callee; a return pops the frame and sends its
/// value to the frame below; a `Print(n)` writes `"print <n>"` to `log`. Returns `main`'s
/// result.
pub fn run(main: Frame, log: &Log) -> u64 {
    let mut stack = vec![main];
    let mut value = 0;
    loop {
        let top = stack.last_mut().expect("a frame runs until main returns");
        match top.send(value) {
            CoroutineState::Yielded(Step::Call(callee)) => {
                stack.push(callee);
                value = 0;
            }
            CoroutineState::Yielded(Step::Print(n)) => {
                log.borrow_mut().push(format!("print {n}"));
                value = 0;
            }
            CoroutineState::Complete(result) => {
                stack.pop();
                if stack.is_empty() {
                    return result;
                }
                // WRONG: the caller is sent 0, not the callee's result.
                let _ = result;
                value = 0;
            }
        }
    }
}

/// `0 + 1 + ... + n`, recursively through the trampoline: `sum_to(n)` calls `sum_to(n - 1)`
/// with a `Call` step and adds `n` to its result; `sum_to(0)` returns 0.
pub fn sum_to(n: u64) -> Frame {
    Coroutine::new(move |co, _| {
        if n == 0 {
            return 0;
        }
        n + co.yield_(Step::Call(sum_to(n - 1)))
    })
}
