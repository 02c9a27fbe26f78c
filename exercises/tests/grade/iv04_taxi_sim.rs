//! Grader for exercise IV.4 (`src/part4/taxi_sim.rs`): a taxi's events for the times sent
//! in, and the exact trace of whole simulations, against a model and a fixed trace.

mod support;

support::exercise!(
    taxi_sim,
    "../../src/part4/taxi_sim.rs",
    "../../solutions/part4/taxi_sim.rs"
);

use crate::support::grading;
use taxi_sim::{
    compute_duration, fleet, taxi_process, Action, Event, Outcome, Rng, Simulator, Taxi,
    DEPARTURE_INTERVAL,
};
use yieldpoint::{Coroutine, CoroutineState};

use Action::*;

fn ev(time: u64, taxi: u32, action: Action) -> Event {
    Event { time, taxi, action }
}

#[test]
fn a_taxi_yields_its_events_at_the_times_sent_in() {
    grading("taxi_sim");
    let mut taxi = taxi_process(7, 2, 10);
    let mut got = Vec::new();
    let mut sent = 0;
    for next in [15, 40, 45, 50, 60, 61] {
        match taxi.send(sent) {
            CoroutineState::Yielded(event) => got.push(event),
            CoroutineState::Complete(()) => panic!("taxi 7 ended after {got:?}"),
        }
        sent = next;
    }
    assert_eq!(
        got,
        [
            ev(10, 7, LeaveGarage),
            ev(15, 7, PickUpPassenger),
            ev(40, 7, DropOffPassenger),
            ev(45, 7, PickUpPassenger),
            ev(50, 7, DropOffPassenger),
            ev(60, 7, GoingHome),
        ],
        "taxi_process(7, 2, 10), sent 0 (start), 15, 40, 45, 50, 60"
    );
    assert_eq!(
        taxi.send(61),
        CoroutineState::Complete(()),
        "after GoingHome, the next send ends the taxi"
    );

    let mut stay_home = taxi_process(3, 0, 4);
    assert_eq!(
        stay_home.send(0),
        CoroutineState::Yielded(ev(4, 3, LeaveGarage))
    );
    assert_eq!(
        stay_home.send(9),
        CoroutineState::Yielded(ev(9, 3, GoingHome))
    );
    assert_eq!(
        stay_home.send(10),
        CoroutineState::Complete(()),
        "zero trips"
    );
}

/// A scripted taxi: yields `times` as events of taxi `id` (actions cycling), ignoring the
/// times sent in.
fn scripted(id: u32, times: &'static [u64]) -> (u32, Taxi) {
    let taxi = Coroutine::new(move |co, _start| {
        for (i, &time) in times.iter().enumerate() {
            let action = [LeaveGarage, PickUpPassenger, DropOffPassenger][i % 3];
            co.yield_(ev(time, id, action));
        }
    });
    (id, taxi)
}

#[test]
fn events_come_out_by_time_then_by_taxi() {
    grading("taxi_sim");
    // Taxis given out of order, with ties between them.
    let taxis = vec![
        scripted(2, &[5, 7, 30]),
        scripted(0, &[5, 9]),
        scripted(1, &[3, 7, 8]),
    ];
    let outcome = Simulator::new(taxis, 1).run(1_000);
    let order: Vec<(u64, u32)> = outcome.trace.iter().map(|e| (e.time, e.taxi)).collect();
    assert_eq!(
        order,
        [
            (3, 1),
            (5, 0),
            (5, 2),
            (7, 1),
            (7, 2),
            (8, 1),
            (9, 0),
            (30, 2)
        ],
        "(time, taxi): the earliest event first, ties by taxi id"
    );
    assert_eq!(outcome.pending, 0, "every taxi ended: nothing pending");
}

/// The same simulation, run on plain data: each taxi is (trips left, next action).
fn model(num_taxis: u32, seed: u64, end_time: u64) -> Outcome {
    let mut rng = Rng::new(seed);
    let mut trips: Vec<u32> = (0..num_taxis).map(|i| (i + 1) * 2).collect();
    let mut queue: Vec<Event> = (0..num_taxis)
        .map(|i| ev(u64::from(i) * DEPARTURE_INTERVAL, i, LeaveGarage))
        .collect();
    let mut trace = Vec::new();
    let mut sim_time = 0;
    while sim_time < end_time && !queue.is_empty() {
        queue.sort();
        let event = queue.remove(0);
        sim_time = event.time;
        trace.push(event);
        let next_time = sim_time + compute_duration(event.action, &mut rng);
        let t = event.taxi as usize;
        let next = match event.action {
            LeaveGarage | DropOffPassenger if trips[t] > 0 => {
                trips[t] -= 1;
                Some(PickUpPassenger)
            }
            LeaveGarage | DropOffPassenger => Some(GoingHome),
            PickUpPassenger => Some(DropOffPassenger),
            GoingHome => None,
        };
        if let Some(action) = next {
            queue.push(ev(next_time, event.taxi, action));
        }
    }
    Outcome {
        trace,
        pending: queue.len(),
    }
}

#[test]
fn whole_simulations_match_the_model() {
    grading("taxi_sim");
    for (num_taxis, seed, end_time) in [
        (3, 1, 180),
        (3, 7, 180),
        (1, 2, 1_000),
        (5, 3, 120),
        (8, 11, 60),
        (4, 5, 10_000),
        (6, 42, 1),
    ] {
        let got = Simulator::new(fleet(num_taxis), seed).run(end_time);
        let want = model(num_taxis, seed, end_time);
        assert_eq!(
            got, want,
            "fleet({num_taxis}), seed {seed}, run({end_time}): the trace and the pending count"
        );
    }
}

// ANCHOR: example_test
#[test]
fn fluent_pythons_main_with_seed_3() {
    grading("taxi_sim");
    // Fluent Python's main(): three taxis, end_time 180; durations from seed 3. The Python
    // program with the same generator (book/python/part4_loop_taxi.py) prints this trace.
    let outcome = Simulator::new(fleet(3), 3).run(180);
    let mut lines: Vec<String> = outcome.trace.iter().map(taxi_sim::line).collect();
    lines.push(format!(
        "*** end of simulation time: {} events pending ***",
        outcome.pending
    ));
    let want: Vec<&str> = TRACE_SEED_3.lines().collect();
    assert_eq!(lines, want, "fleet(3), seed 3, run(180)");
}
// ANCHOR_END: example_test

/// The trace of `fluent_pythons_main_with_seed_3`, as Fluent Python prints it.
const TRACE_SEED_3: &str = include_str!("../../data/taxi_trace_seed_3.txt");

#[test]
fn finished_taxis_are_dropped_and_unfinished_ones_stay_pending() {
    grading("taxi_sim");
    // A run that ends early leaves the other taxis' next events queued.
    let outcome = Simulator::new(fleet(4), 9).run(20);
    let want = model(4, 9, 20);
    assert_eq!(outcome, want, "fleet(4), seed 9, run(20)");
    assert!(
        outcome.pending > 0,
        "the taxis still out have an event pending each"
    );
    // A run to the end gives every event of every taxi, each taxi's in order.
    let outcome = Simulator::new(fleet(4), 9).run(u64::MAX);
    assert_eq!(outcome.pending, 0);
    for taxi in 0..4u32 {
        let actions: Vec<Action> = outcome
            .trace
            .iter()
            .filter(|e| e.taxi == taxi)
            .map(|e| e.action)
            .collect();
        let mut want = vec![LeaveGarage];
        for _ in 0..(taxi + 1) * 2 {
            want.extend([PickUpPassenger, DropOffPassenger]);
        }
        want.push(GoingHome);
        assert_eq!(actions, want, "taxi {taxi}'s events, in order");
    }
    assert!(
        outcome.trace.windows(2).all(|w| w[0] <= w[1]),
        "the trace is in (time, taxi) order"
    );
}
