//! Known-wrong solution of exercise IV.4 (cheat class: the end condition moved).
//!
//! The run stops at the first event at or past `end_time` without handling it, where
//! Fluent Python's loop handles that event and then stops: the trace misses its last line
//! and the pending count is off by one.

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
        let event = |time, action| Event {
            time,
            taxi: ident,
            action,
        };
        let mut time = co.yield_(event(start_time, Action::LeaveGarage));
        for _ in 0..trips {
            time = co.yield_(event(time, Action::PickUpPassenger));
            time = co.yield_(event(time, Action::DropOffPassenger));
        }
        co.yield_(event(time, Action::GoingHome));
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
        for taxi in self.taxis.values_mut() {
            if let CoroutineState::Yielded(first) = taxi.send(0) {
                self.events.push(Reverse(first));
            }
        }
        let mut trace = Vec::new();
        let mut sim_time = 0;
        while sim_time < end_time {
            let Some(&Reverse(event)) = self.events.peek() else {
                break; // end of events
            };
            sim_time = event.time;
            if sim_time >= end_time {
                break;
            }
            self.events.pop();
            trace.push(event);
            let next_time = sim_time + compute_duration(event.action, &mut self.rng);
            let taxi = self.taxis.get_mut(&event.taxi).expect("a queued taxi is live");
            match taxi.send(next_time) {
                CoroutineState::Yielded(next) => self.events.push(Reverse(next)),
                CoroutineState::Complete(()) => {
                    self.taxis.remove(&event.taxi);
                }
            }
        }
        Outcome {
            trace,
            pending: self.events.len(),
        }
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
