//! Stress: a million send round trips, hundreds of thousands of coroutines, and random
//! send/throw/close sequences checked against a model of the DESIGN.md semantics table.

mod support;

use std::collections::VecDeque;

use support::drop_counter::DropCounter;
use yieldpoint::coroutine::SendError;
use yieldpoint::{Coroutine, CoroutineState, Lifecycle, Yielder};

/// 10^6 `send` round trips through one coroutine, each checked against a running sum kept
/// outside. (About a quarter of a second in a debug build on the 2-core machine.)
#[test]
fn million_send_round_trips_keep_a_checked_sum() {
    const ROUND_TRIPS: u64 = 1_000_000;
    let mut summer = Coroutine::new(|co: &Yielder<u64, u64>, first: u64| {
        let mut sum = first;
        loop {
            match co.yield_(sum) {
                0 => return sum,
                n => sum += n,
            }
        }
    });
    let mut expected = 0;
    for n in 1..=ROUND_TRIPS {
        expected += n;
        assert_eq!(summer.send(n), CoroutineState::Yielded(expected));
    }
    assert_eq!(summer.send(0), CoroutineState::Complete(expected));
    assert_eq!(expected, ROUND_TRIPS * (ROUND_TRIPS + 1) / 2);
}

/// 200,000 coroutines created, run to completion and dropped one after another (each
/// takes the previous one's stack from the pool).
#[test]
fn hundreds_of_thousands_of_coroutines_one_after_another() {
    const COUNT: u32 = 200_000;
    let mut total = 0_u64;
    for i in 0..COUNT {
        let mut co = Coroutine::new(move |co: &Yielder<u32, u32>, first: u32| {
            u64::from(co.yield_(first + i)) * 2
        });
        let Some(yielded) = co.send(1).yielded() else {
            panic!("coroutine {i} did not yield");
        };
        total += co.send(yielded).complete().unwrap();
    }
    let expected: u64 = (0..u64::from(COUNT)).map(|i| (i + 1) * 2).sum();
    assert_eq!(total, expected);
}

/// 1,000 live coroutines taking turns, round-robin, 100 yields each; every one ends with
/// the right count and all their destructors run.
#[test]
fn thousand_live_coroutines_round_robin() {
    const TASKS: usize = 1_000;
    const TURNS: usize = 100;
    let drops = DropCounter::new();
    let mut queue: VecDeque<(usize, Coroutine<(), usize, usize>)> = (0..TASKS)
        .map(|id| {
            let token = drops.token();
            let co = Coroutine::new(move |co: &Yielder<(), usize>, ()| {
                let _finally = token;
                for turn in 0..TURNS {
                    co.yield_(id * TURNS + turn);
                }
                id
            });
            (id, co)
        })
        .collect();
    let mut seen = vec![0; TASKS];
    let mut finished = 0;
    while let Some((id, mut co)) = queue.pop_front() {
        match co.send(()) {
            CoroutineState::Yielded(value) => {
                assert_eq!(value, id * TURNS + seen[id]);
                seen[id] += 1;
                queue.push_back((id, co));
            }
            CoroutineState::Complete(returned) => {
                assert_eq!(returned, id);
                finished += 1;
            }
        }
    }
    assert_eq!(finished, TASKS);
    assert!(seen.iter().all(|&n| n == TURNS));
    assert_eq!(drops.dropped(), TASKS);
}

/// A small deterministic PRNG (xorshift64), so failures reproduce without a new
/// dependency.
struct XorShift(u64);

impl XorShift {
    /// The next pseudo-random number.
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// Which body the model predicts: both add what they are sent and return the total when
/// sent 0; they differ in what a throw does.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Suspends at `try_yield`: a throw of `r` is caught and resets the total to `r`.
    Catching,
    /// Suspends at a plain `yield_`: a throw propagates and closes the coroutine.
    Plain,
}

/// The model: what the semantics table says the coroutine's state is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    Created,
    Suspended { total: u64 },
    Closed,
}

/// The coroutine under test, typed so a throw carries a `u64`.
type Counter = Coroutine<u64, u64, u64, u64>;

/// A counter of the given kind whose body holds `token` (dropped once when it is closed).
fn counter(kind: Kind, token: support::drop_counter::Token) -> Counter {
    Coroutine::typed(move |co, first| {
        let _finally = token;
        let mut total = first;
        loop {
            let sent = match kind {
                Kind::Catching => match co.try_yield(total) {
                    Ok(sent) => sent,
                    Err(reset) => {
                        total = reset;
                        continue;
                    }
                },
                Kind::Plain => co.yield_(total),
            };
            if sent == 0 {
                return total;
            }
            total += sent;
        }
    })
}

/// The same counter, behind one level of `yield_from`; it must behave identically.
fn delegating_counter(kind: Kind, token: support::drop_counter::Token) -> Counter {
    Coroutine::typed(move |co, first| co.yield_from(counter(kind, token), first))
}

/// How often each kind of transition happened, to show that the random walk covered them.
#[derive(Debug, Default)]
struct Coverage {
    send_yielded: u32,
    send_completed: u32,
    send_finished: u32,
    throw_created: u32,
    throw_caught: u32,
    throw_propagated: u32,
    throw_finished: u32,
    close_suspended: u32,
    close_other: u32,
}

/// Applies one random operation to `co` and to `model`, and checks that they agree.
fn step(rng: &mut XorShift, kind: Kind, co: &mut Counter, model: &mut Model, cov: &mut Coverage) {
    match rng.below(20) {
        0..=13 => {
            let value = rng.below(4);
            let (expected, next) = match *model {
                Model::Created => (
                    Ok(CoroutineState::Yielded(value)),
                    Model::Suspended { total: value },
                ),
                Model::Suspended { total } if value == 0 => {
                    (Ok(CoroutineState::Complete(total)), Model::Closed)
                }
                Model::Suspended { total } => (
                    Ok(CoroutineState::Yielded(total + value)),
                    Model::Suspended {
                        total: total + value,
                    },
                ),
                Model::Closed => (Err(SendError::Finished(value)), Model::Closed),
            };
            let actual = co.try_send(value);
            match &actual {
                Ok(CoroutineState::Yielded(_)) => cov.send_yielded += 1,
                Ok(CoroutineState::Complete(_)) => cov.send_completed += 1,
                Err(_) => cov.send_finished += 1,
            }
            assert_eq!(actual, expected, "send({value}) in {model:?}");
            *model = next;
        }
        14..=17 => {
            let reset = rng.below(100) + 1;
            let (expected, next) = match (*model, kind) {
                (Model::Created, _) => {
                    cov.throw_created += 1;
                    (Err(reset), Model::Closed)
                }
                (Model::Suspended { .. }, Kind::Catching) => {
                    cov.throw_caught += 1;
                    (
                        Ok(CoroutineState::Yielded(reset)),
                        Model::Suspended { total: reset },
                    )
                }
                (Model::Suspended { .. }, Kind::Plain) => {
                    cov.throw_propagated += 1;
                    (Err(reset), Model::Closed)
                }
                (Model::Closed, _) => {
                    cov.throw_finished += 1;
                    (Err(reset), Model::Closed)
                }
            };
            assert_eq!(co.throw(reset), expected, "throw({reset}) in {model:?}");
            *model = next;
        }
        _ => {
            if matches!(model, Model::Suspended { .. }) {
                cov.close_suspended += 1;
            } else {
                cov.close_other += 1;
            }
            co.close();
            *model = Model::Closed;
        }
    }
    let lifecycle = match model {
        Model::Created => Lifecycle::Created,
        Model::Suspended { .. } => Lifecycle::Suspended,
        Model::Closed => Lifecycle::Closed,
    };
    assert_eq!(co.state(), lifecycle);
}

/// Runs `steps` random operations on counters built by `make`, replacing each one some
/// time after it closes, and checks every result, the lifecycle, and the destructor count.
fn random_walk(seed: u64, kind: Kind, make: fn(Kind, support::drop_counter::Token) -> Counter) {
    const STEPS: usize = 20_000;
    let mut rng = XorShift(seed);
    let drops = DropCounter::new();
    let mut created = 1;
    let mut co = make(kind, drops.token());
    let mut model = Model::Created;
    let mut cov = Coverage::default();
    for _ in 0..STEPS {
        step(&mut rng, kind, &mut co, &mut model, &mut cov);
        // The body's token is dropped exactly when the coroutine closes, whatever closed it.
        let closed = usize::from(model == Model::Closed);
        assert_eq!(drops.dropped(), created - 1 + closed, "{model:?}");
        if model == Model::Closed && rng.below(3) == 0 {
            co = make(kind, drops.token());
            created += 1;
            model = Model::Created;
        }
    }
    drop(co);
    assert_eq!(drops.dropped(), created);

    let common = [
        cov.send_yielded,
        cov.send_completed,
        cov.send_finished,
        cov.throw_created,
        cov.throw_finished,
        cov.close_suspended,
        cov.close_other,
    ];
    assert!(common.iter().all(|&n| n > 0), "{cov:?}");
    match kind {
        Kind::Catching => assert!(cov.throw_caught > 0 && cov.throw_propagated == 0, "{cov:?}"),
        Kind::Plain => assert!(cov.throw_propagated > 0 && cov.throw_caught == 0, "{cov:?}"),
    }
}

/// Random send/throw/close on a coroutine suspended at `try_yield`, checked against the
/// model (throws are caught).
#[test]
fn random_sequences_on_catching_coroutine_match_model() {
    for seed in [1, 0x9E37_79B9_7F4A_7C15, 0xDEAD_BEEF] {
        random_walk(seed, Kind::Catching, counter);
    }
}

/// Random send/throw/close on a coroutine suspended at plain `yield_`, checked against the
/// model (throws propagate and close it).
#[test]
fn random_sequences_on_plain_coroutine_match_model() {
    for seed in [2, 0x2545_F491_4F6C_DD1D, 0xC0FF_EE00] {
        random_walk(seed, Kind::Plain, counter);
    }
}

/// The same random sequences through one level of `yield_from`: delegation is invisible
/// to the resumer (PEP 380's "transparent" refactoring), for sends, throws and close.
#[test]
fn random_sequences_through_yield_from_match_model() {
    for (seed, kind) in [(3, Kind::Catching), (4, Kind::Plain), (5, Kind::Catching)] {
        random_walk(seed, kind, delegating_counter);
    }
}
