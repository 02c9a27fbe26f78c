//! An exhaustive small-state model test of the channel's wait queues (issue 10, item 3),
//! for both flavours: the thread-safe `channel` and the single-thread `local_channel`
//! (which share the wait-queue protocol under a lock or a `RefCell`).
//!
//! On the deterministic round-robin scheduler, every program of a small space runs to its
//! end: 2–3 sender tasks and 1–2 receiver tasks, each a short list of operations (`send`,
//! `try_send`, `recv`, `try_recv`, receive-until-closed, `yield_now`, dropping its end,
//! cancelling another task), at capacities 1 and 2, in several spawn orders, and with
//! every placement of a few extra `yield_now` calls to vary the interleaving. For each
//! program it checks:
//!
//! - **liveness**: every task ends. Each task holds one end and drops it when it ends, so
//!   every wait has an end in sight; a task left parked while the others are all parked
//!   too (nothing is ready, and no timer or other thread can wake them) is a lost
//!   wake-up, and the program is reported;
//! - **exactly once**: a message whose `send`/`try_send` returned `Ok` is received once,
//!   or else is still in the channel when the last receiver is gone (it is dropped with
//!   the channel then, never while a receiver is alive); a message whose send failed (or
//!   was cancelled) is never received; every message is received or dropped exactly once;
//! - **closing**: a receive that reports the close finds the channel empty;
//! - **order**: each receiver gets each sender's messages in the order they were sent,
//!   unless a receiver was cancelled (its handed-over message goes back, see the channel's
//!   module doc).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::{channel, local_channel};
use yieldpoint::task::{JoinHandle, TaskState};

/// A channel flavour under test: the calls the programs make.
trait Flavor: 'static {
    const NAME: &'static str;
    type Tx: Clone + 'static;
    type Rx: Clone + 'static;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx);
    /// `send`; whether it returned `Ok`.
    fn send(tx: &Self::Tx, msg: Msg) -> bool;
    /// `try_send`; whether it returned `Ok`.
    fn try_send(tx: &Self::Tx, msg: Msg) -> bool;
    fn recv(rx: &Self::Rx) -> Result<Msg, ()>;
    fn try_recv(rx: &Self::Rx) -> Option<Msg>;
    fn is_empty(rx: &Self::Rx) -> bool;
}

/// Implements [`Flavor`] for a module with the channel API.
macro_rules! flavor {
    ($flavor:ident, $module:ident) => {
        struct $flavor;

        impl Flavor for $flavor {
            const NAME: &'static str = stringify!($module);
            type Tx = $module::Sender<Msg>;
            type Rx = $module::Receiver<Msg>;
            fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
                $module::bounded(capacity)
            }
            fn send(tx: &Self::Tx, msg: Msg) -> bool {
                tx.send(msg).is_ok()
            }
            fn try_send(tx: &Self::Tx, msg: Msg) -> bool {
                tx.try_send(msg).is_ok()
            }
            fn recv(rx: &Self::Rx) -> Result<Msg, ()> {
                rx.recv().map_err(drop)
            }
            fn try_recv(rx: &Self::Rx) -> Option<Msg> {
                rx.try_recv().ok()
            }
            fn is_empty(rx: &Self::Rx) -> bool {
                rx.is_empty()
            }
        }
    };
}

flavor!(ThreadSafe, channel);
flavor!(Local, local_channel);

/// One step of a task.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `send` (senders only).
    Send,
    /// `try_send` (senders only).
    TrySend,
    /// `recv` (receivers only).
    Recv,
    /// `try_recv` (receivers only).
    TryRecv,
    /// `recv` until it reports the close (receivers only).
    Drain,
    Yield,
    /// Drops the task's end; later channel operations of the task are skipped.
    DropEnd,
    /// Cancels the task at this index of the program.
    Cancel(usize),
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Send => f.write_str("send"),
            Op::TrySend => f.write_str("try_send"),
            Op::Recv => f.write_str("recv"),
            Op::TryRecv => f.write_str("try_recv"),
            Op::Drain => f.write_str("drain"),
            Op::Yield => f.write_str("yield"),
            Op::DropEnd => f.write_str("drop"),
            Op::Cancel(t) => write!(f, "cancel({t})"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Sender,
    Receiver,
}

#[derive(Clone, Debug)]
struct TaskSpec {
    role: Role,
    ops: Vec<Op>,
}

/// A program: the channel's capacity and its tasks, spawned in this order.
#[derive(Clone, Debug)]
struct Program {
    capacity: usize,
    tasks: Vec<TaskSpec>,
}

/// What the tasks did, for the checks after the run.
#[derive(Default)]
struct Log {
    /// Receivers whose end is not dropped yet.
    live_receivers: Cell<usize>,
    /// Every message made: (id, send returned `Ok`).
    made: RefCell<Vec<(u32, bool)>>,
    /// (receiver task, message id), in the order received.
    received: RefCell<Vec<(usize, u32)>>,
    /// (message id, receivers alive when it was dropped unreceived).
    dropped: RefCell<Vec<(u32, usize)>>,
    /// Operations completed so far (for the watchdog).
    steps: Cell<u64>,
    /// A receive reported the close while messages were still queued.
    closed_early: Cell<bool>,
}

/// A message that logs its drop unless it was received.
struct Msg {
    id: u32,
    received: bool,
    log: Rc<Log>,
}

impl Drop for Msg {
    fn drop(&mut self) {
        if !self.received {
            let alive = self.log.live_receivers.get();
            self.log.dropped.borrow_mut().push((self.id, alive));
        }
    }
}

/// A receiver task's end: counted as alive until dropped.
struct RxEnd<F: Flavor> {
    rx: Option<F::Rx>,
    log: Rc<Log>,
}

impl<F: Flavor> Drop for RxEnd<F> {
    fn drop(&mut self) {
        if let Some(rx) = self.rx.take() {
            // Not alive from here: the channel may drop its messages inside this drop.
            self.log
                .live_receivers
                .set(self.log.live_receivers.get() - 1);
            drop(rx);
        }
    }
}

impl<F: Flavor> RxEnd<F> {
    /// Logs a receive's outcome; `false` once it reported the close.
    fn got(&self, me: usize, result: Result<Msg, ()>) -> bool {
        match result {
            Ok(mut msg) => {
                msg.received = true;
                self.log.received.borrow_mut().push((me, msg.id));
                true
            }
            Err(()) => {
                // Checked with no yield point in between.
                if self.rx.as_ref().is_some_and(|rx| !F::is_empty(rx)) {
                    self.log.closed_early.set(true);
                }
                false
            }
        }
    }
}

type Handles = Rc<RefCell<Vec<JoinHandle<()>>>>;

fn run_sender<F: Flavor>(me: usize, tx: F::Tx, ops: Vec<Op>, log: Rc<Log>, handles: Handles) {
    let mut tx = Some(tx);
    let mut seq = 0;
    for op in ops {
        log.steps.set(log.steps.get() + 1);
        match op {
            Op::Send | Op::TrySend => {
                let Some(tx) = &tx else { continue };
                let id = me as u32 * 100 + seq;
                seq += 1;
                let index = log.made.borrow().len();
                log.made.borrow_mut().push((id, false));
                let msg = Msg {
                    id,
                    received: false,
                    log: log.clone(),
                };
                let sent = match op {
                    Op::Send => F::send(tx, msg),
                    _ => F::try_send(tx, msg),
                };
                log.made.borrow_mut()[index].1 = sent;
            }
            Op::DropEnd => drop(tx.take()),
            op => common_op(me, op, &handles),
        }
    }
}

fn run_receiver<F: Flavor>(me: usize, end: RxEnd<F>, ops: Vec<Op>, handles: Handles) {
    let mut end = end;
    for op in ops {
        end.log.steps.set(end.log.steps.get() + 1);
        match op {
            Op::Recv | Op::TryRecv | Op::Drain => {
                let Some(rx) = &end.rx else { continue };
                match op {
                    Op::Recv => {
                        end.got(me, F::recv(rx));
                    }
                    Op::TryRecv => {
                        if let Some(msg) = F::try_recv(rx) {
                            end.got(me, Ok(msg));
                        }
                    }
                    _ => while end.got(me, F::recv(rx)) {},
                }
            }
            Op::DropEnd => {
                let log = end.log.clone();
                end = RxEnd { rx: None, log }; // the old end is dropped here
            }
            op => common_op(me, op, &handles),
        }
    }
}

fn common_op(me: usize, op: Op, handles: &Handles) {
    match op {
        Op::Yield => yieldpoint::yield_now(),
        Op::Cancel(target) => {
            assert_ne!(target, me, "a program never cancels its own task");
            handles.borrow()[target].cancel();
        }
        other => unreachable!("{other:?} is not an operation of this role"),
    }
}

/// Runs `program` on `rt` over flavour `F` and checks it; panics with the flavour and the
/// program on a failed check.
fn check<F: Flavor>(rt: &RoundRobin, program: &Program) {
    let log = Rc::new(Log::default());
    let handles: Handles = Rc::default();
    let (tx, rx) = F::bounded(program.capacity);
    for (me, spec) in program.tasks.iter().enumerate() {
        let (ops, log, handles2) = (spec.ops.clone(), log.clone(), handles.clone());
        let handle = match spec.role {
            Role::Sender => {
                let tx = tx.clone();
                rt.spawn(move || run_sender::<F>(me, tx, ops, log, handles2))
            }
            Role::Receiver => {
                log.live_receivers.set(log.live_receivers.get() + 1);
                let end = RxEnd::<F> {
                    rx: Some(rx.clone()),
                    log: log.clone(),
                };
                rt.spawn(move || run_receiver(me, end, ops, handles2))
            }
        };
        handles.borrow_mut().push(handle);
    }
    drop((tx, rx));
    // The watchdog: runs after every round of the others; when none of them is ready,
    // nothing can wake them (no timers, no other threads), so the run is stuck.
    // Only when no operation completed since its last turn does it look at the states.
    let (watched, steps) = (handles.clone(), log.clone());
    let mut last_step = u64::MAX;
    let stuck = rt.block_on(move || loop {
        let handles = watched.borrow();
        if handles.iter().all(|h| h.is_finished()) {
            return false;
        }
        if steps.steps.get() != last_step {
            last_step = steps.steps.get();
            drop(handles);
            yieldpoint::yield_now();
            continue;
        }
        let tasks = yieldpoint::task::all_tasks();
        let waiting = handles.iter().filter(|h| !h.is_finished()).all(|h| {
            tasks
                .iter()
                .any(|t| t.id == h.id() && matches!(t.state, TaskState::Waiting(_)))
        });
        if waiting {
            return true;
        }
        drop(handles);
        yieldpoint::yield_now();
    });
    if stuck {
        let states: Vec<_> = yieldpoint_states(rt, &handles.borrow());
        // Unwinds the parked tasks, so the next program starts clean.
        handles.borrow().iter().for_each(JoinHandle::cancel);
        rt.run();
        panic!(
            "{}: lost wake-up: tasks left parked {states:?} in {program:?}",
            F::NAME
        );
    }
    let cancelled_receiver = program.tasks.iter().any(|spec| {
        spec.ops.iter().any(|op| match op {
            Op::Cancel(t) => program.tasks[*t].role == Role::Receiver,
            _ => false,
        })
    });
    check_log(&log, program, !cancelled_receiver, F::NAME);
}

fn yieldpoint_states(rt: &RoundRobin, handles: &[JoinHandle<()>]) -> Vec<(usize, TaskState)> {
    let tasks = rt.tasks();
    handles
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let t = tasks.iter().find(|t| t.id == h.id())?;
            Some((i, t.state))
        })
        .collect()
}

fn check_log(log: &Log, program: &Program, fifo: bool, flavor: &str) {
    let made = log.made.borrow();
    let received = log.received.borrow();
    let dropped = log.dropped.borrow();
    let fail = |what: String| -> ! { panic!("{flavor}: {what} in {program:?}") };
    assert_eq!(log.live_receivers.get(), 0);
    if log.closed_early.get() {
        fail("a receive reported the close while messages were queued".into());
    }
    for &(id, sent) in made.iter() {
        let got = received.iter().filter(|(_, m)| *m == id).count();
        let gone: Vec<usize> = dropped
            .iter()
            .filter(|(m, _)| *m == id)
            .map(|(_, alive)| *alive)
            .collect();
        if got + gone.len() != 1 {
            fail(format!(
                "message {id} received {got} times and dropped {} times",
                gone.len()
            ));
        }
        if !sent && got > 0 {
            fail(format!("message {id} was received but its send failed"));
        }
        if sent && gone.first().is_some_and(|&alive| alive > 0) {
            fail(format!(
                "message {id} was sent, then dropped while a receiver was alive (lost)"
            ));
        }
    }
    if fifo {
        for r in 0..program.tasks.len() {
            let mine: Vec<u32> = received
                .iter()
                .filter(|(who, _)| *who == r)
                .map(|(_, m)| *m)
                .collect();
            for pair in mine.windows(2) {
                if pair[0] / 100 == pair[1] / 100 && pair[0] > pair[1] {
                    fail(format!("receiver {r} got {} before {}", pair[1], pair[0]));
                }
            }
        }
    }
}

/// Every sequence of exactly `len` items from `alphabet`.
fn sequences(alphabet: &[Op], len: usize) -> Vec<Vec<Op>> {
    (0..len).fold(vec![Vec::new()], |acc, _| {
        acc.iter()
            .flat_map(|prefix| {
                alphabet.iter().map(move |&op| {
                    let mut next = prefix.clone();
                    next.push(op);
                    next
                })
            })
            .collect()
    })
}

/// Every sequence of `min..=max` items from `alphabet`.
fn sequences_up_to(alphabet: &[Op], min: usize, max: usize) -> Vec<Vec<Op>> {
    (min..=max)
        .flat_map(|len| sequences(alphabet, len))
        .collect()
}

/// The cartesian product of per-task choices.
fn product(choices: &[Vec<Vec<Op>>]) -> Vec<Vec<Vec<Op>>> {
    choices.iter().fold(vec![Vec::new()], |acc, options| {
        acc.iter()
            .flat_map(|prefix| {
                options.iter().map(move |option| {
                    let mut next = prefix.clone();
                    next.push(option.clone());
                    next
                })
            })
            .collect()
    })
}

/// Spawn orders of `senders` senders and `receivers` receivers: senders first, receivers
/// first, and alternating (a receiver first).
fn spawn_orders(senders: usize, receivers: usize) -> Vec<Vec<Role>> {
    let first = |a: Role, na: usize, b: Role, nb: usize| {
        let mut order = vec![a; na];
        order.extend(vec![b; nb]);
        order
    };
    let mut alternating = Vec::new();
    for i in 0..senders.max(receivers) {
        if i < receivers {
            alternating.push(Role::Receiver);
        }
        if i < senders {
            alternating.push(Role::Sender);
        }
    }
    vec![
        first(Role::Sender, senders, Role::Receiver, receivers),
        first(Role::Receiver, receivers, Role::Sender, senders),
        alternating,
    ]
}

/// Programs whose tasks, in `order`, run the given op lists.
fn programs_of(capacity: usize, order: &[Role], lists: Vec<Vec<Vec<Op>>>) -> Vec<Program> {
    lists
        .into_iter()
        .map(|lists| Program {
            capacity,
            tasks: order
                .iter()
                .zip(lists)
                .map(|(&role, ops)| TaskSpec { role, ops })
                .collect(),
        })
        .collect()
}

/// Every way to insert up to `max` extra `yield_now`s into `program` (several may go at
/// the same place; a yield at the end of a list delays the task's end and its drops).
fn with_yields(program: &Program, max: usize) -> Vec<Program> {
    let places: Vec<(usize, usize)> = program
        .tasks
        .iter()
        .enumerate()
        .flat_map(|(t, spec)| (0..=spec.ops.len()).map(move |i| (t, i)))
        .collect();
    let mut out = vec![program.clone()];
    // Multisets of places as non-decreasing index lists.
    let mut frontier: Vec<Vec<usize>> = vec![Vec::new()];
    for _ in 0..max {
        let mut next = Vec::new();
        for chosen in &frontier {
            let from = chosen.last().copied().unwrap_or(0);
            for p in from..places.len() {
                let mut c = chosen.clone();
                c.push(p);
                let mut variant = program.clone();
                // Insert from the back so earlier indices stay valid.
                for &q in c.iter().rev() {
                    let (t, i) = places[q];
                    variant.tasks[t].ops.insert(i, Op::Yield);
                }
                out.push(variant);
                next.push(c);
            }
        }
        frontier = next;
    }
    out
}

/// Runs and checks every program over both flavours; the number of programs.
fn run_all(programs: &[Program]) -> usize {
    let rt = RoundRobin::new();
    for program in programs {
        check::<ThreadSafe>(&rt, program);
        check::<Local>(&rt, program);
    }
    programs.len()
}

const SENDS: [Op; 2] = [Op::Send, Op::TrySend];
const RECEIVES: [Op; 3] = [Op::Recv, Op::TryRecv, Op::Drain];

/// Every program of 2 senders (1–2 of `send`/`try_send` each) and 1 receiver (1–3 of
/// `recv`/`try_recv`/drain), or 3 senders and 1 receiver, or 2 and 2; capacities 1 and
/// 2; three spawn orders.
#[test]
fn every_program_of_sends_and_receives() {
    let mut programs = Vec::new();
    for capacity in [1, 2] {
        for (senders, receivers, max_recv) in [(2, 1, 3), (3, 1, 2), (2, 2, 2)] {
            for order in spawn_orders(senders, receivers) {
                let choices: Vec<Vec<Vec<Op>>> = order
                    .iter()
                    .map(|role| match role {
                        Role::Sender => sequences_up_to(&SENDS, 1, 2),
                        Role::Receiver => {
                            let mut lists = sequences_up_to(&RECEIVES, 1, max_recv);
                            lists.retain(|ops| is_canonical(ops));
                            lists
                        }
                    })
                    .collect();
                programs.extend(programs_of(capacity, &order, product(&choices)));
            }
        }
    }
    let n = run_all(&programs);
    eprintln!("{n} programs");
}

/// The blocking core, the shape: senders that send twice (and park on a full
/// channel), receivers that receive once and then drain; for capacities 1 and 2, 2 or 3
/// senders with 1 receiver or 2 and 2, in three spawn orders.
fn blocking_cores() -> Vec<Program> {
    let mut cores = Vec::new();
    for capacity in [1, 2] {
        for (senders, receivers) in [(2, 1), (3, 1), (2, 2)] {
            for order in spawn_orders(senders, receivers) {
                let tasks = order
                    .iter()
                    .map(|&role| TaskSpec {
                        role,
                        ops: match role {
                            Role::Sender => vec![Op::Send, Op::Send],
                            Role::Receiver => vec![Op::Recv, Op::Drain],
                        },
                    })
                    .collect();
                cores.push(Program { capacity, tasks });
            }
        }
    }
    cores
}

/// The blocking cores with every placement of up to 3 extra `yield_now`s (2 with four
/// tasks).
#[test]
fn every_placement_of_yields() {
    let mut programs = Vec::new();
    for base in blocking_cores() {
        let max = if base.tasks.len() > 3 { 2 } else { 3 };
        programs.extend(with_yields(&base, max));
    }
    let n = run_all(&programs);
    eprintln!("{n} programs");
}

/// Cancellation and early drops: one `cancel(t)` of every other task, or one drop of the
/// task's own end, inserted at every place of every task of the blocking cores, each with
/// every placement of up to 2 extra `yield_now`s (1 with four tasks).
#[test]
fn every_cancel_and_drop() {
    let mut programs = Vec::new();
    for base in blocking_cores() {
        let n = base.tasks.len();
        let max_yields = if n > 3 { 1 } else { 2 };
        for t in 0..n {
            for i in 0..=base.tasks[t].ops.len() {
                let disruptions = (0..n)
                    .filter(|&target| target != t)
                    .map(Op::Cancel)
                    .chain([Op::DropEnd]);
                for op in disruptions {
                    let mut variant = base.clone();
                    variant.tasks[t].ops.insert(i, op);
                    programs.extend(with_yields(&variant, max_yields));
                }
            }
        }
    }
    let n = run_all(&programs);
    eprintln!("{n} programs");
}

/// Whether `ops` is the one list kept of those that behave alike: after a drop, or after
/// a drain (which ends with the close), the task's channel operations do nothing, so
/// `[drop, send]`, `[drop, try_send]` and `[drop, drop]` are one program (kept: the last),
/// as are `[drain, X]` for every receive or drop `X` (kept: `[drain, drop]`).
fn is_canonical(ops: &[Op]) -> bool {
    let inert = |op: &Op| {
        matches!(
            op,
            Op::Send | Op::TrySend | Op::Recv | Op::TryRecv | Op::Drain | Op::DropEnd
        )
    };
    !ops.windows(2).any(|pair| {
        matches!(pair[0], Op::DropEnd | Op::Drain) && inert(&pair[1]) && pair[1] != Op::DropEnd
    })
}

/// Every program of 2 senders and 1 receiver whose lists are 2 operations from the whole
/// alphabet (for a sender: `send`, `try_send`, `yield`, drop, cancel of either other
/// task; for the receiver: `recv`, `try_recv`, drain, `yield`, drop, cancel of either
/// sender), up to lists that behave alike ([`is_canonical`]).
fn short_programs_of_all_operations(capacity: usize) {
    let order = [Role::Sender, Role::Sender, Role::Receiver];
    let alphabet = |me: usize| -> Vec<Op> {
        let own: &[Op] = match order[me] {
            Role::Sender => &[Op::Send, Op::TrySend],
            Role::Receiver => &[Op::Recv, Op::TryRecv, Op::Drain],
        };
        let cancels = (0..order.len()).filter(|&t| t != me).map(Op::Cancel);
        own.iter()
            .copied()
            .chain([Op::Yield, Op::DropEnd])
            .chain(cancels)
            .collect()
    };
    let choices: Vec<Vec<Vec<Op>>> = (0..order.len())
        .map(|me| {
            let mut lists = sequences(&alphabet(me), 2);
            lists.retain(|ops| is_canonical(ops));
            lists
        })
        .collect();
    let n = run_all(&programs_of(capacity, &order, product(&choices)));
    eprintln!("{n} programs");
}

/// [`short_programs_of_all_operations`] at capacity 1.
#[test]
fn every_short_program_of_all_operations_capacity_1() {
    short_programs_of_all_operations(1);
}

/// [`short_programs_of_all_operations`] at capacity 2.
#[test]
fn every_short_program_of_all_operations_capacity_2() {
    short_programs_of_all_operations(2);
}
