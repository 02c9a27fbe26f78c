//! Exercise IV.4: Fluent Python's taxi simulation, a discrete-event loop (PEP 342)
//!
//! You learn that an event loop does not need a real clock, or even callbacks: a queue of
//! events ordered by time, and coroutines that yield their next event, are a simulation.
//! Each taxi is a coroutine; the simulator pops the earliest event, and sends that taxi
//! the time at which its next event happens.
//!
//! ```python
//! # Python 3.4 (Luciano Ramalho, "Fluent Python", 1st edition, 2015, chapter 16,
//! # taxi_sim.py, shortened)
//! def taxi_process(ident, trips, start_time=0):
//!     time = yield Event(start_time, ident, 'leave garage')
//!     for i in range(trips):
//!         time = yield Event(time, ident, 'pick up passenger')
//!         time = yield Event(time, ident, 'drop off passenger')
//!     yield Event(time, ident, 'going home')
//!
//! class Simulator:
//!     def run(self, end_time):
//!         for _, proc in sorted(self.procs.items()):
//!             first_event = next(proc)
//!             self.events.put(first_event)
//!         sim_time = 0
//!         while sim_time < end_time:
//!             if self.events.empty():
//!                 print('*** end of events ***')
//!                 break
//!             current_event = self.events.get()
//!             sim_time, proc_id, previous_action = current_event
//!             print('taxi:', proc_id, proc_id * '   ', current_event)
//!             active_proc = self.procs[proc_id]
//!             next_time = sim_time + compute_duration(previous_action)
//!             try:
//!                 next_event = active_proc.send(next_time)
//!             except StopIteration:
//!                 del self.procs[proc_id]
//!             else:
//!                 self.events.put(next_event)
//!         else:
//!             msg = '*** end of simulation time: {} events pending ***'
//!             print(msg.format(self.events.qsize()))
//! ```
//!
//! The rules (the grader compares the exact trace):
//!
//! - A taxi yields `LeaveGarage` at its start time, then `trips` times `PickUpPassenger`
//!   and `DropOffPassenger`, then `GoingHome`, each at the time it was last sent; then it
//!   returns. The first `send` starts it (its value is ignored: Python's `next(proc)`).
//! - `run(end_time)`: start every taxi in the order of their ids and queue its first
//!   event. Then, while the last event's time is below `end_time`: pop the earliest event
//!   (on equal times, the lower taxi id), record it in the trace, compute the duration of
//!   its action with [`compute_duration`], and send the taxi `time + duration`; queue
//!   what it yields, or drop the taxi if it returns. Stop when no event is left.
//! - `pending` is the number of events still queued at the end.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use yieldpoint::{Coroutine, CoroutineState};

/// What a taxi does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    LeaveGarage,
    PickUpPassenger,
    DropOffPassenger,
    GoingHome,
}

/// A taxi's event. The fields' order is the queue's order: by time, then by taxi.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    /// Simulated minutes since the start.
    pub time: u64,
    /// The taxi's id.
    pub taxi: u32,
    pub action: Action,
}

/// A taxi: sent the time of its next event, yields that event.
pub type Taxi = Coroutine<u64, Event, ()>;

/// Fluent Python's constants, in simulated minutes.
pub const SEARCH_DURATION: u64 = 5;
pub const TRIP_DURATION: u64 = 20;
pub const DEPARTURE_INTERVAL: u64 = 5;

/// A tiny deterministic random number generator (xorshift64): the same seed gives the same
/// numbers on every machine, so a trace can be compared exactly.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// The next number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// How long the activity after `previous` takes: one draw, whose mean is about the
/// activity's interval. (Fluent Python draws `int(random.expovariate(1/interval)) + 1`;
/// whole numbers keep the trace exact on every machine.)
pub fn compute_duration(previous: Action, rng: &mut Rng) -> u64 {
    let interval = match previous {
        Action::LeaveGarage | Action::DropOffPassenger => SEARCH_DURATION,
        Action::PickUpPassenger => TRIP_DURATION,
        Action::GoingHome => 1,
    };
    1 + rng.below(2 * interval)
}

/// A taxi that leaves the garage at `start_time` and makes `trips` trips.
pub fn taxi_process(ident: u32, trips: u32, start_time: u64) -> Taxi {
    Coroutine::new(move |co, _start| {
        // TODO: Fluent Python's taxi_process, one `co.yield_` per event; each returns the
        // time sent in, which is the time of the next event.
        // taxi_process(2, 1, 10): send(0) -> Yielded(Event { time: 10, taxi: 2,
        // action: LeaveGarage }); send(17) -> PickUpPassenger at 17; send(40) ->
        // DropOffPassenger at 40; send(44) -> GoingHome at 44; send(45) -> Complete(())
        todo!()
    })
}

/// Fluent Python's fleet: taxi `i` makes `(i + 1) * 2` trips and leaves at
/// `i * DEPARTURE_INTERVAL`.
pub fn fleet(num_taxis: u32) -> Vec<(u32, Taxi)> {
    (0..num_taxis)
        .map(|i| {
            let start = u64::from(i) * DEPARTURE_INTERVAL;
            (i, taxi_process(i, (i + 1) * 2, start))
        })
        .collect()
}

/// What a run gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Every event popped, in order.
    pub trace: Vec<Event>,
    /// The events still queued at the end.
    pub pending: usize,
}

/// The simulator: the taxis by id, their queued events, the random numbers.
pub struct Simulator {
    taxis: BTreeMap<u32, Taxi>,
    events: BinaryHeap<Reverse<Event>>,
    rng: Rng,
}

impl Simulator {
    /// A simulator of `taxis` (id, taxi), drawing durations from `Rng::new(seed)`.
    pub fn new(taxis: Vec<(u32, Taxi)>, seed: u64) -> Self {
        Simulator {
            taxis: taxis.into_iter().collect(),
            events: BinaryHeap::new(),
            rng: Rng::new(seed),
        }
    }

    /// Runs the simulation by the rules at the top of the file.
    pub fn run(&mut self, end_time: u64) -> Outcome {
        // TODO: Fluent Python's Simulator.run, by the rules at the top of the file.
        // `self.events` is a max-heap of `Reverse(event)`: `pop()` gives the earliest one.
        // fleet(1) (taxi 0, 2 trips), seed 1, run(1_000) -> a trace of 6 events, from
        // LeaveGarage at 0 to GoingHome, and pending == 0
        todo!()
    }
}

/// Fluent Python's trace line for `event`, as its `print('taxi:', proc_id, proc_id * '   ',
/// current_event)` writes it.
pub fn line(event: &Event) -> String {
    let action = match event.action {
        Action::LeaveGarage => "leave garage",
        Action::PickUpPassenger => "pick up passenger",
        Action::DropOffPassenger => "drop off passenger",
        Action::GoingHome => "going home",
    };
    let indent = "   ".repeat(event.taxi as usize);
    format!(
        "taxi: {} {indent} Event(time={}, proc={}, action='{action}')",
        event.taxi, event.time, event.taxi
    )
}
