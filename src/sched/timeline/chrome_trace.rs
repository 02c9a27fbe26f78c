//! A [`Timeline`] as Chrome's trace-event JSON, which Perfetto (<https://ui.perfetto.dev>)
//! and `chrome://tracing` open: the "JSON Object Format" of Google's "Trace Event Format"
//! document, with one complete (`"ph": "X"`) event per interval.

use serde_json::{json, Value};

use super::{StopReason, Timeline};

impl Timeline {
    /// The timeline as Chrome trace-event JSON (`{"traceEvents": [...]}`).
    ///
    /// Each interval is a complete event (`"ph": "X"`) named after its task (its id if it
    /// has no name), with `ts` and `dur` in µs (fractional: ns resolution), `pid` the
    /// scheduler (a number per scheduler in the process), `tid` the worker, and `args`
    /// holding the task id and the stop reason (`"stop": "parked"`, `"parked_on":
    /// "Sleep"`). Metadata events name the process after the scheduler type and each
    /// thread "worker N". Open the file in Perfetto (drag it onto
    /// <https://ui.perfetto.dev>) or `chrome://tracing`.
    ///
    /// Python: the format `viztracer` writes.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// let rt = RoundRobin::builder().record_timeline(true).build();
    /// rt.spawn(|| yieldpoint::sleep(std::time::Duration::from_millis(1)));
    /// rt.run();
    /// let json = rt.timeline().to_chrome_trace();
    /// let trace: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// let events = trace["traceEvents"].as_array().unwrap();
    /// let parked: Vec<_> = events.iter().filter(|e| e["ph"] == "X").take(1).collect();
    /// assert_eq!(parked[0]["args"]["stop"], "parked");
    /// assert_eq!(parked[0]["args"]["parked_on"], "Sleep");
    /// ```
    pub fn to_chrome_trace(&self) -> String {
        let pid = self.scheduler_id;
        let mut events = vec![json!({
            "name": "process_name", "ph": "M", "pid": pid,
            "args": { "name": self.scheduler },
        })];
        events.extend((0..self.workers).map(|worker| {
            json!({
                "name": "thread_name", "ph": "M", "pid": pid, "tid": worker,
                "args": { "name": format!("worker {worker}") },
            })
        }));
        events.extend(self.intervals.iter().map(|interval| {
            let mut args = json!({
                "task": interval.task.as_u64(),
                "stop": interval.stop.kind(),
            });
            if let StopReason::Parked(on) = interval.stop {
                args["parked_on"] = Value::from(format!("{on:?}"));
            }
            let name = match &interval.name {
                Some(name) => name.to_string(),
                None => format!("task {}", interval.task),
            };
            json!({
                "name": name,
                "cat": "task",
                "ph": "X",
                "ts": micros(interval.start),
                "dur": micros(interval.duration()),
                "pid": pid,
                "tid": interval.worker,
                "args": args,
            })
        }));
        json!({ "traceEvents": events, "displayTimeUnit": "ns" }).to_string()
    }
}

/// A duration in µs, the unit of `ts` and `dur`.
fn micros(d: std::time::Duration) -> f64 {
    d.as_nanos() as f64 / 1000.0
}
