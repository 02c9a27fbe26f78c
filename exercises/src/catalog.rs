//! The exercise list, in workbook order, with each exercise's hint.
//!
//! Hints point to what to read; they do not give the answer. The progress report
//! (`cargo run -p exercises`) and every grader's failure message print them.

/// A part of the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Part I: Generators (PEP 255).
    Generators,
    /// Part II: Coroutines: send, throw, close (PEP 342).
    Coroutines,
    /// Part III: Delegation: yield from (PEP 380).
    Delegation,
    /// Part IV: Event loops and schedulers (PEP 3156).
    EventLoops,
    /// Part V: Native coroutines and Rust futures (PEP 492).
    NativeCoroutines,
}

impl Part {
    /// The part's title as the book prints it.
    pub fn title(self) -> &'static str {
        match self {
            Part::Generators => "Part I: Generators (PEP 255)",
            Part::Coroutines => "Part II: Coroutines: send, throw, close (PEP 342)",
            Part::Delegation => "Part III: Delegation: yield from (PEP 380)",
            Part::EventLoops => "Part IV: Event loops and schedulers (PEP 3156)",
            Part::NativeCoroutines => "Part V: Native coroutines and Rust futures (PEP 492)",
        }
    }

    /// Every part, in book order.
    pub const ALL: [Part; 5] = [
        Part::Generators,
        Part::Coroutines,
        Part::Delegation,
        Part::EventLoops,
        Part::NativeCoroutines,
    ];
}

/// One exercise: a stub to fill in, a grader, a hint.
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// Its name: the stub's file name, and the end of its grader's module name
    /// ([`Exercise::grader`]).
    pub id: &'static str,
    /// Its number in the book, such as `"II.3"`.
    pub number: &'static str,
    /// What it is about, in a few words.
    pub title: &'static str,
    /// The part it belongs to.
    pub part: Part,
    /// The file the learner edits, relative to `exercises/`.
    pub stub: &'static str,
    /// The book chapter that teaches it, relative to `book/src/`.
    pub chapter: &'static str,
    /// What to read or try when stuck.
    pub hint: &'static str,
}

impl Exercise {
    /// Its grader's module in `exercises/tests/grade/`, such as `i01_countdown` or
    /// `ii03_broadcast`: the part's numeral in lower case, the exercise's number in two
    /// digits, then the id. libtest sorts tests by name, so `cargo test -p exercises` lists
    /// the exercises in book order (`ii09_...` before `ii10_...`), and the module name is
    /// the test name filter that selects this exercise's tests alone:
    /// `cargo test -p exercises i01_countdown`.
    pub fn grader(&self) -> String {
        let (part, number) = self
            .number
            .split_once('.')
            .unwrap_or_else(|| panic!("exercise number {:?} is not PART.N", self.number));
        let number: u32 = number
            .parse()
            .unwrap_or_else(|_| panic!("exercise number {:?} is not PART.N", self.number));
        format!("{}{number:02}_{}", part.to_ascii_lowercase(), self.id)
    }

    /// The command that grades this exercise alone.
    pub fn check_command(&self) -> String {
        format!("cargo test -p exercises {}", self.grader())
    }
}

/// Every exercise, in the order the book introduces them.
pub const EXERCISES: &[Exercise] = &[
    Exercise {
        id: "countdown",
        number: "I.1",
        title: "a generator as a lazy iterator",
        part: Part::Generators,
        stub: "src/part1/countdown.rs",
        chapter: "part1/generators.md",
        hint: "Read \"The yieldpoint version\" in part1/generators.md: `Generator::new(move |co| ...)` \
               runs its body up to one `co.yield_(v)` per `next()`. A `while` loop with \
               `co.yield_(n)` inside is all the body needs; `move` lets it own `n`.",
    },
    Exercise {
        id: "fibonacci",
        number: "I.2",
        title: "an unbounded generator that stops on overflow",
        part: Part::Generators,
        stub: "src/part1/fibonacci.rs",
        chapter: "part1/generators.md",
        hint: "An infinite `loop` is fine in a generator: the caller decides how much to take. \
               `u64::checked_add` returns `None` when the next number does not fit; that is \
               where the body returns. Check that the last number is still yielded.",
    },
    Exercise {
        id: "log_grep",
        number: "I.3",
        title: "pipeline stages: lines and grep",
        part: Part::Generators,
        stub: "src/part1/log_grep.rs",
        chapter: "part1/pipelines.md",
        hint: "Each stage owns its input (`move`) and pulls from it with a `for` loop, yielding \
               what passes. Never collect into a Vec: the grader feeds `grep` an endless \
               iterator. `str::lines` and `str::trim` do the splitting.",
    },
    Exercise {
        id: "log_bytes",
        number: "I.4",
        title: "pipeline: aggregate the bytes column",
        part: Part::Generators,
        stub: "src/part1/log_bytes.rs",
        chapter: "part1/pipelines.md",
        hint: "Beazley's `bytecolumn`: the last field of a line is `line.rsplit(' ').next()`; \
               skip `-` and fields that do not parse as `u64`. `total_bytes` and \
               `bytes_matching` chain stages: `byte_counts(...)` is an `Iterator`, so `.sum()` \
               works on it.",
    },
    Exercise {
        id: "error_report",
        number: "I.5",
        title: "a generator's return value",
        part: Part::Generators,
        stub: "src/part1/error_report.rs",
        chapter: "part1/return-values.md",
        hint: "Whatever the body returns becomes `Generator::return_value()` once the iterator \
               is exhausted (Python's `StopIteration.value`). Count as you go and end the body \
               with the `Scan` value; in `error_report`, drain with `by_ref()` first.",
    },
    Exercise {
        id: "round_robin",
        number: "I.6",
        title: "a round-robin run(tasks)",
        part: Part::Generators,
        stub: "src/part1/round_robin.rs",
        chapter: "part1/round-robin.md",
        hint: "Compare with `examples/seed_000_round_robin.rs`: a `VecDeque`, `pop_front`, one \
               `next()`, and `push_back` only if it yielded. The tasks yield their lines \
               instead of printing them, and `run` collects them in order.",
    },
    Exercise {
        id: "owned_words",
        number: "I.7",
        title: "make it compile: a generator owns its data",
        part: Part::Generators,
        stub: "src/part1/owned_words.rs",
        chapter: "part1/pipelines.md",
        hint: "Read \"Pitfalls\" in part1/pipelines.md. The body must be `'static`: it may run \
               after `words` returns, so it cannot borrow `text`. `move` the String into the \
               closure and yield owned `String`s (`to_string()`).",
    },
    Exercise {
        id: "averager",
        number: "II.1",
        title: "send: a running averager",
        part: Part::Coroutines,
        stub: "src/part2/averager.rs",
        chapter: "part2/send.md",
        hint: "Read \"Priming\" in part2/send.md: the first value arrives as the body's `first` \
               argument, every later one as the return value of `co.yield_(average)`. `None` \
               ends the loop; return the `Stats` then.",
    },
    Exercise {
        id: "grep_sink",
        number: "II.2",
        title: "push pipelines: Beazley's grep sink",
        part: Part::Coroutines,
        stub: "src/part2/grep_sink.rs",
        chapter: "part2/push-pipelines.md",
        hint: "A sink is a `Coroutine<String, (), ()>`: handle `first`, then `loop` on \
               `co.yield_(())` to receive the next line. `grep` owns its `target` and calls \
               `target.send(line)` for matching lines; `collector` pushes into the shared \
               `Rc<RefCell<Vec<_>>>`.",
    },
    Exercise {
        id: "broadcast",
        number: "II.3",
        title: "push pipelines: broadcast to several sinks",
        part: Part::Coroutines,
        stub: "src/part2/broadcast.rs",
        chapter: "part2/push-pipelines.md",
        hint: "Same shape as `grep` in II.2, with a `Vec` of targets: send a clone of each item \
               to every target. `counter` only increments its `Rc<Cell<usize>>`.",
    },
    Exercise {
        id: "tally",
        number: "II.4",
        title: "throw caught with try_yield",
        part: Part::Coroutines,
        stub: "src/part2/tally.rs",
        chapter: "part2/throw.md",
        hint: "Read \"Catching: try_yield\" in part2/throw.md. `co.try_yield(total)` returns \
               `Ok(amount)` for a send and `Err(command)` for a throw; `match` on it. Returning \
               from the body makes `throw` return `Ok(CoroutineState::Complete(..))`.",
    },
    Exercise {
        id: "interrupt",
        number: "II.5",
        title: "throw uncaught: unwinding and survivors",
        part: Part::Coroutines,
        stub: "src/part2/interrupt.rs",
        chapter: "part2/throw.md",
        hint: "Read \"Not catching: yield_\" in part2/throw.md. `stubborn` uses `try_yield` and \
               goes on; `fragile` uses `yield_`, so a throw unwinds it and drops its `Cleanup`. \
               In `interrupt_all`, `Vec::retain_mut` keeps the tasks whose `throw` returned \
               `Ok`.",
    },
    Exercise {
        id: "buffered_writer",
        number: "II.6",
        title: "close and cleanup with Drop",
        part: Part::Coroutines,
        stub: "src/part2/buffered_writer.rs",
        chapter: "part2/close.md",
        hint: "Read part2/close.md: Python's `finally` is a value whose `Drop` runs when the \
               stack unwinds. Keep the buffer inside the `Flush` guard (create it at the start \
               of the body), so `close()` and `drop` flush it; `std::mem::take` moves the \
               batch out.",
    },
    Exercise {
        id: "tokenizer",
        number: "II.7",
        title: "a coroutine state machine fed with send",
        part: Part::Coroutines,
        stub: "src/part2/tokenizer.rs",
        chapter: "part2/state-machines.md",
        hint: "Read part2/state-machines.md: the state is where the body is (and a small \
               `current` token), not an enum you keep by hand. Per character: finish the \
               current token if the character cannot extend it, then start or extend one; \
               yield what finished and receive the next character.",
    },
    Exercise {
        id: "shared_sink",
        number: "II.8",
        title: "make it compile: share state with a coroutine",
        part: Part::Coroutines,
        stub: "src/part2/shared_sink.rs",
        chapter: "part2/send.md",
        hint: "Read \"Pitfalls\" in part2/send.md. A coroutine body is `'static`, so it cannot \
               hold `&mut seen`. Put the Vec in an `Rc<RefCell<...>>`, `move` one clone into \
               the body and the other into the closure that reads it.",
    },
    Exercise {
        id: "emitter",
        number: "III.1",
        title: "make it compile: a Yielder stays in its coroutine",
        part: Part::Delegation,
        stub: "src/part3/emitter.rs",
        chapter: "part3/the-stack.md",
        hint: "Read \"Pitfalls\" in part3/the-stack.md. The body's `&Yielder` lives only while \
               the body runs, so a struct cannot keep it as `&'static`. Give `Emitter` a \
               lifetime parameter (`Emitter<'a>` holding `&'a Yielder<..>`) and use it in the \
               `impl` and in `new`.",
    },
    Exercise {
        id: "forward_throw",
        number: "III.2",
        title: "yield from forwards throw and close",
        part: Part::Delegation,
        stub: "src/part3/forward_throw.rs",
        chapter: "part3/transparent-pipe.md",
        hint: "Read part3/transparent-pipe.md. `inner` matches on `co.try_yield(total)` and \
               calls `co.raise(signal)` for what it does not handle; `outer` is three lines \
               around `co.yield_from(inner(..), first)`, which forwards sends, throws and \
               closes by itself. Create each Guard first thing in its body.",
    },
    Exercise {
        id: "grouper",
        number: "III.3",
        title: "results through delegation: grouper and averager",
        part: Part::Delegation,
        stub: "src/part3/grouper.rs",
        chapter: "part3/results.md",
        hint: "Read part3/results.md. `co.yield_from(averager(), first)` returns the averager's \
               `Stats`; after pushing it, `co.yield_(None)` hands control back and returns the \
               first value of the next group. The mean is the sum over the count, computed \
               from every value.",
    },
    Exercise {
        id: "flatten",
        number: "III.4",
        title: "flatten nested lists lazily, with plain recursion",
        part: Part::Delegation,
        stub: "src/part3/flatten.rs",
        chapter: "part3/recursion.md",
        hint: "Read part3/recursion.md. `flatten_into` calls itself for each item of a list, \
               with the same `co`; iterate the list with `for`, never `collect()` it. Build \
               the generator with `coroutine::Builder::new().name(\"flatten\").stack_size(..)`.",
    },
    Exercise {
        id: "tree_walk",
        number: "III.5",
        title: "walk a search tree lazily, skipping subtrees",
        part: Part::Delegation,
        stub: "src/part3/tree_walk.rs",
        chapter: "part3/recursion.md",
        hint: "Read part3/recursion.md. A helper `walk(co, &node)` recurses left, yields a \
               clone of the key, recurses right. For `range`, only go left when the key is \
               `>= low` and right when it is `< high`; clone a key only to yield it.",
    },
    Exercise {
        id: "trampoline",
        number: "III.6",
        title: "Beazley's trampoline with a stack of coroutines",
        part: Part::Delegation,
        stub: "src/part3/trampoline.rs",
        chapter: "part3/trampolines.md",
        hint: "Read part3/trampolines.md. `run` keeps `Vec<Frame>` and the next value to send; \
               it never calls itself. A `Call` pushes, a `Complete(v)` pops and sends `v` to \
               the frame below, a `Print` logs. In `sum_to`, `co.yield_(Step::Call(..))` \
               returns the callee's result.",
    },
    Exercise {
        id: "pyos_syscalls",
        number: "III.7",
        title: "a pyos of our own: GetTid, NewTask, KillTask, WaitTask",
        part: Part::Delegation,
        stub: "src/part3/pyos_syscalls.rs",
        chapter: "part3/pyos.md",
        hint: "Read part3/pyos.md and the rules at the top of the file. One loop: pop a task, \
               `send` it its reply, `match` the system call it yields. A waiting task leaves \
               the queue for `waiting`; a task that ends (returns or is killed) moves its \
               waiters back, in order. Drop a killed task before writing \"killed\".",
    },
    Exercise {
        id: "call_later",
        number: "IV.1",
        title: "an event loop: call_soon and call_later on a fake clock",
        part: Part::EventLoops,
        stub: "src/part4/call_later.rs",
        chapter: "part4/timers.md",
        hint: "Read part4/event-loop.md (a pass runs only the callbacks ready when it starts: \
               count them first) and part4/timers.md (`BinaryHeap` is a max-heap, so reverse \
               the comparison; the `seq` breaks ties). Pop timers while the earliest is due; \
               never hold a `borrow_mut()` across a callback.",
    },
    Exercise {
        id: "future",
        number: "IV.2",
        title: "a Future with done callbacks, cancel and result rules",
        part: Part::EventLoops,
        stub: "src/part4/future.rs",
        chapter: "part4/futures.md",
        hint: "Read part4/futures.md and the rules at the top of the file. Every transition \
               goes through `finish`, which refuses a done future and hands each callback to \
               `schedule` (call_soon), never calling it. `cancel` is a `finish` that may fail.",
    },
    Exercise {
        id: "task",
        number: "IV.3",
        title: "a Task drives a coroutine with send and throw",
        part: Part::EventLoops,
        stub: "src/part4/task.rs",
        chapter: "part4/tasks.md",
        hint: "Read part4/tasks.md, \"One step\": a step sends the awaited result in or throws \
               its error in (Part II's `send` and `throw`), then waits on what the body yields. \
               `cancel` first tries to cancel the awaited future; only if that fails does the \
               next step throw `Cancelled` itself.",
    },
    Exercise {
        id: "taxi_sim",
        number: "IV.4",
        title: "Fluent Python's taxi simulation: events by time",
        part: Part::EventLoops,
        stub: "src/part4/taxi_sim.rs",
        chapter: "part4/tasks.md",
        hint: "Read \"A discrete-event simulation\" in part4/tasks.md. A taxi is a plain loop \
               of `co.yield_(Event {..})`, each returning the next time. The simulator pops \
               the earliest event (a `BinaryHeap` of `Reverse`), records it, draws the \
               duration of its action and sends the taxi `time + duration`.",
    },
    Exercise {
        id: "echo_selector",
        number: "IV.5",
        title: "an echo server on a selector of your own",
        part: Part::EventLoops,
        stub: "src/part4/echo_selector.rs",
        chapter: "part4/selectors.md",
        hint: "Read part4/selectors.md and the rules at the top of the file. Every socket is \
               non-blocking: loop on `accept`, `read` and `write` until `WouldBlock`, then \
               go back to `poller.wait`. `polling` is oneshot: `modify` re-arms a socket for \
               what it waits for next (`interest`).",
    },
    Exercise {
        id: "bank_transfer",
        number: "IV.6",
        title: "the bank transfer, safe across a yield point",
        part: Part::EventLoops,
        stub: "src/part4/bank_transfer.rs",
        chapter: "part4/synchronisation.md",
        hint: "Read \"The bank transfer\" in part4/synchronisation.md. `approve()` is a yield \
               point: any balance read before it is stale after it. Call it first, then read, \
               check and write the balances with no yield point in between.",
    },
    Exercise {
        id: "bounded_crawl",
        number: "IV.7",
        title: "a crawl bounded by a semaphore",
        part: Part::EventLoops,
        stub: "src/part4/bounded_crawl.rs",
        chapter: "part4/synchronisation.md",
        hint: "Read \"Locks and semaphores\" in part4/synchronisation.md. A permit is a guard: \
               it is released when it is dropped, so bind it to a named variable that lives \
               as long as the fetch (`let _ = ...` drops it at once). Spawn every task before \
               joining the first.",
    },
    Exercise {
        id: "starvation",
        number: "IV.8",
        title: "don't block the loop: yield points and run_in_executor",
        part: Part::EventLoops,
        stub: "src/part4/starvation.rs",
        chapter: "part4/dont-block-the-loop.md",
        hint: "Read part4/dont-block-the-loop.md. The loop is the article's, with `step(i)` \
               for `result += i * i` and `yieldpoint::yield_now()` for `await \
               asyncio.sleep(0)`. For `run_in_executor`, look for `#[doc(alias = \
               \"to_thread\")]` in the crate: one call.",
    },
    Exercise {
        id: "rc_across_yield",
        number: "IV.9",
        title: "make it compile: an Rc held across a yield on a WorkQueue",
        part: Part::EventLoops,
        stub: "src/part4/rc_across_yield.rs",
        chapter: "part4/schedulers.md",
        hint: "Read \"Why started tasks never move\" in part4/schedulers.md. The closure \
               passed to `spawn` must be `Send`: it may start on another worker. A value made \
               inside the task, once it runs, never leaves its worker, `Rc` or not.",
    },
    Exercise {
        id: "countdown_future",
        number: "V.1",
        title: "a countdown Future written by hand",
        part: Part::NativeCoroutines,
        stub: "src/part5/countdown_future.rs",
        chapter: "part5/awaitables-in-rust.md",
        hint: "Read \"The poll contract\" in part5/awaitables-in-rust.md. `Pending` is a \
               promise: before returning it, wake the waker of the `Context` you were just \
               given (`wake_by_ref`), once. One step per poll; no loop inside `poll`.",
    },
    Exercise {
        id: "mini_executor",
        number: "V.2",
        title: "a mini executor running async countdown and countup",
        part: Part::NativeCoroutines,
        stub: "src/part5/mini_executor.rs",
        chapter: "part5/hand-written-executor.md",
        hint: "Read part5/hand-written-executor.md and the rules at the top of the file. The \
               waker is `call_soon`: it only queues the task's id (once: see `queued`). \
               `run` pops ids, never loops over all tasks; take the id out of the lock \
               before polling. The async fns need `.await` on each yield point.",
    },
    Exercise {
        id: "thread_waker",
        number: "V.3",
        title: "a Waker that unparks a thread, and block_on",
        part: Part::NativeCoroutines,
        stub: "src/part5/thread_waker.rs",
        chapter: "part5/hand-written-executor.md",
        hint: "Read \"Sleeping until woken\" in part5/hand-written-executor.md and the rules \
               at the top of the file. `park` returns for an `unpark` that came before it, \
               and sometimes for none: the flag, not `park` returning, says whether to \
               poll again. Take the flag with `swap`; never reset it after the poll.",
    },
    Exercise {
        id: "colour_refactor",
        number: "V.4",
        title: "the colour refactor: async all the way up, or one yield point",
        part: Part::NativeCoroutines,
        stub: "src/part5/colour_refactor.rs",
        chapter: "part5/stackless-vs-stackful.md",
        hint: "Read \"Function colour\" in part5/stackless-vs-stackful.md and the rules at \
               the top of the file. The plain chain needs one call in `fetch`, before the \
               database. The async chain needs an `.await` at every level: an `async fn` \
               with no `.await` inside never gives another task a turn.",
    },
    Exercise {
        id: "green_await",
        number: "V.5",
        title: "a green thread awaits a future: await_ of your own",
        part: Part::NativeCoroutines,
        stub: "src/part5/green_await.rs",
        chapter: "part5/bridges.md",
        hint: "Read \"A green thread awaits a future\" in part5/bridges.md. A waker is whatever \
               makes the waiting side run again: here `Event::set`. Poll, and on `Pending` \
               wait on the event; a wake may come during the poll itself, so clear the event \
               before each poll, never between the poll and the wait.",
    },
    Exercise {
        id: "await_task",
        number: "V.6",
        title: "async code awaits a green thread: value, panic, cancel",
        part: Part::NativeCoroutines,
        stub: "src/part5/await_task.rs",
        chapter: "part5/bridges.md",
        hint: "Read \"Async code awaits a green thread\" in part5/bridges.md. `task.await` \
               never blocks: `join()` would block the executor's thread. Match the \
               `JoinError`: `is_cancelled` first, then `try_into_panic` and `downcast_ref` \
               for `&str` and for `String`. After `cancel`, still await the handle.",
    },
    Exercise {
        id: "drop_vs_throw",
        number: "V.7",
        title: "cancellation in both worlds: a dropped future, a cancelled green thread",
        part: Part::NativeCoroutines,
        stub: "src/part5/drop_vs_throw.rs",
        chapter: "part5/cancellation.md",
        hint: "Read part5/cancellation.md. A future's code runs only when polled, and a \
               dropped future drops its live locals in reverse order. A green thread's \
               cancel is an unwind: catch it with `catch_unwind` around the work, wait \
               after the catch, then `resume_unwind`. A `Drop` is too early to wait.",
    },
    Exercise {
        id: "page_lines",
        number: "V.8",
        title: "an async generator as a Stream, closed when dropped",
        part: Part::NativeCoroutines,
        stub: "src/part5/page_lines.rs",
        chapter: "part5/bridges.md",
        hint: "Read \"Async generators as streams\" in part5/bridges.md. The body is a \
               Part I generator with `co.await_` in it: await one page, yield its lines, \
               then the next page. `finally` is a guard made first in the body: its `Drop` \
               runs at the end and when the stream is dropped early.",
    },
];

/// The exercise named `id`.
///
/// # Panics
///
/// If there is no such exercise (a typo in a grader).
#[track_caller]
pub fn exercise(id: &str) -> &'static Exercise {
    EXERCISES
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no exercise named {id:?} in exercises/src/catalog.rs"))
}

/// The hint line graders append to their failure messages.
#[track_caller]
pub fn hint(id: &str) -> String {
    let e = exercise(id);
    format!(
        "\n  exercise {} ({}), file exercises/{}\n  hint: {}\n  read: book/src/{}",
        e.number, e.title, e.stub, e.hint, e.chapter
    )
}
