//! Grader for exercise III.3 (`src/part3/grouper.rs`).

mod support;

support::exercise!(
    grouper,
    "../../src/part3/grouper.rs",
    "../../solutions/part3/grouper.rs"
);

use crate::support::grading;
use crate::support::part3::numbers;
use grouper::{averager, grouper, report, Results, Stats};
use yieldpoint::CoroutineState;

/// Groups of uneven values (skewed, so a midpoint or a median is not the mean), different
/// for each seed; some groups are short, one may be empty.
fn groups(seed: u64, how_many: usize) -> Vec<Vec<f64>> {
    let mut numbers = numbers(seed);
    let mut next = move || numbers() as u32;
    (0..how_many)
        .map(|_| {
            let len = next() % 7;
            (0..len)
                .map(|_| {
                    let x = f64::from(next() % 1000) / 8.0;
                    x * x / 100.0 // skewed towards small values
                })
                .collect()
        })
        .collect()
}

const SEEDS: [u64; 4] = [2, 11, 303, 9_999];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn same(got: &Stats, values: &[f64]) -> bool {
    let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    got.count == values.len()
        && match (got.mean, mean) {
            (Some(a), Some(b)) => close(a, b),
            (None, None) => true,
            _ => false,
        }
}

#[test]
fn averager_yields_running_means_and_returns_stats() {
    grading("grouper");
    for seed in SEEDS {
        for values in groups(seed, 4).into_iter().filter(|v| !v.is_empty()) {
            let mut avg = averager();
            let mut sum = 0.0;
            for (i, &value) in values.iter().enumerate() {
                sum += value;
                let got = avg.send(Some(value)).yielded().flatten();
                assert!(
                    got.is_some_and(|m| close(m, sum / (i + 1) as f64)),
                    "averager of {:?}: after value {} it yields the mean so far, got {got:?}",
                    &values[..=i],
                    i + 1
                );
            }
            let stats = avg.send(None).complete();
            assert!(
                stats.is_some_and(|s| same(&s, &values)),
                "averager of {values:?}: None returns its count and mean, got {stats:?}"
            );
        }
    }
}

#[test]
fn averager_of_nothing() {
    grading("grouper");
    assert_eq!(
        averager().send(None),
        CoroutineState::Complete(Stats {
            count: 0,
            mean: None
        }),
        "no values: count 0, no mean"
    );
}

#[test]
fn each_group_result_arrives_in_the_delegator_when_its_group_ends() {
    grading("grouper");
    for seed in SEEDS {
        let results = Results::default();
        let all = groups(seed, 4);
        let mut group = grouper(format!("k{seed}"), results.clone());
        for (done, values) in all.iter().enumerate() {
            let mut sum = 0.0;
            for (i, &value) in values.iter().enumerate() {
                sum += value;
                let got = group.send(Some(value)).yielded().flatten();
                assert!(
                    got.is_some_and(|m| close(m, sum / (i + 1) as f64)),
                    "group {done} of grouper k{seed}: each value sent reaches the averager, \
                     whose running mean comes back through grouper; got {got:?}"
                );
                assert_eq!(
                    results.borrow().len(),
                    done,
                    "no result for a group before its None"
                );
            }
            assert_eq!(
                group.send(None),
                CoroutineState::Yielded(None),
                "after a group, grouper yields None and waits for the next group"
            );
            let results = results.borrow();
            assert_eq!(
                results.len(),
                done + 1,
                "one result per group, when it ends"
            );
            let (key, stats) = &results[done];
            assert!(
                key == &format!("k{seed}") && same(stats, values),
                "group {done} of {:?}: got ({key}, {stats:?})",
                values
            );
        }
    }
}

#[test]
fn closing_a_grouper_mid_group_records_nothing() {
    grading("grouper");
    let results = Results::default();
    let mut group = grouper("open".into(), results.clone());
    let _ = group.send(Some(4.0));
    let _ = group.send(Some(8.0));
    drop(group);
    assert!(
        results.borrow().is_empty(),
        "a group that never got its None has no result"
    );
}

#[test]
fn report_runs_one_grouper_per_key() {
    grading("grouper");
    for seed in SEEDS {
        let all = groups(seed, 2 + seed as usize % 4);
        let keys: Vec<String> = (0..all.len())
            .map(|i| format!("key{}", (i * 7 + seed as usize) % 10))
            .collect();
        let data: Vec<(&str, Vec<f64>)> = keys
            .iter()
            .map(String::as_str)
            .zip(all.iter().cloned())
            .collect();
        let got = report(&data);
        let ok = got.len() == data.len()
            && got
                .iter()
                .zip(&data)
                .all(|((key, stats), (want_key, values))| key == want_key && same(stats, values));
        assert!(
            ok,
            "report({data:?}) gives each key's count and mean, in order; got {got:?}"
        );
    }
}
