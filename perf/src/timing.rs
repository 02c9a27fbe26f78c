//! Turning a workload into nanoseconds per operation: calibration and medians.

use std::time::Duration;

/// A timed workload: does `n` operations and returns how long they took (setup such as
/// building a runtime is left out where the workload can leave it out).
pub type Workload = fn(u64) -> Duration;

/// How many operations make one sample last about `target`: grows `n` by 4× until a run
/// takes a quarter of the target, then scales. The runs double as warm-up.
pub fn calibrate(workload: Workload, target: Duration) -> u64 {
    let mut n: u64 = 1;
    loop {
        let took = workload(n);
        if took >= target / 4 || n >= 1 << 32 {
            let scale = target.as_secs_f64() / took.as_secs_f64().max(1e-9);
            return ((n as f64 * scale).ceil() as u64).max(1);
        }
        n *= 4;
    }
}

/// Nanoseconds per operation of one run of `n` operations.
pub fn ns_per_op(workload: Workload, n: u64) -> f64 {
    workload(n).as_secs_f64() * 1e9 / n as f64
}

/// Calibrates, then measures once: what a child process or a one-off measurement prints.
pub fn measure(workload: Workload, target: Duration) -> f64 {
    let n = calibrate(workload, target);
    ns_per_op(workload, n)
}

/// The median of `samples` (the mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| s.is_finite()).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// Times `n` calls of `round_trip(i)` (one message out and its reply back, say), folding
/// the replies so the work cannot be optimised away.
pub fn time_round_trips(n: u64, mut round_trip: impl FnMut(u64) -> u64) -> Duration {
    let start = std::time::Instant::now();
    let mut acc = 0u64;
    for i in 0..n {
        acc ^= round_trip(i);
    }
    let took = start.elapsed();
    std::hint::black_box(acc);
    took
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
