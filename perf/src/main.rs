//! `perf-report`: yieldpoint beside its peers, measured in one run, interleaved.
//!
//! ```text
//! perf-report [--samples N] [--target-ms MS] [--quick] [--only OPERATION]...
//!     measures every row and writes target/perf/report.json and target/perf/report.md
//! perf-report docs [--report PATH]
//!     regenerates the README's performance table and the book's appendix
//!     "The cost of a context switch" from the report
//! perf-report child ...
//!     one measurement in a child process (may, idle RSS, max live tasks)
//! ```
//!
//! Each sample runs every implementation of a row once, starting one further along the
//! row each time (A B C, B C A, C A B, ...), so a burst of noise from another process
//! lands on all of them alike; the report gives medians. Run it with
//! `scripts/perf-report`, which builds in release first.
//!
//! The workloads are the `perf` library's (`src/lib.rs`), which the criterion benches in
//! `perf/benches/` time too; this binary holds the rows (`plan.rs`) and the report.

mod docs;
mod machine;
mod plan;
mod served;

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use perf::timing;
use serde_json::{json, Value};

use plan::{Entry, Row, Source, Target};

/// The workspace root (where `Cargo.lock`, `README.md` and `target/` are).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("perf/ sits in the workspace")
        .to_path_buf()
}

struct Options {
    samples: usize,
    memory_samples: usize,
    target: Duration,
    only: Vec<String>,
    out: PathBuf,
}

fn parse_options(args: &[String]) -> Options {
    let mut options = Options {
        samples: 11,
        memory_samples: 3,
        target: Duration::from_millis(100),
        only: Vec::new(),
        out: workspace().join("target/perf"),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().cloned().unwrap_or_default();
        match arg.as_str() {
            "--samples" => options.samples = value().parse().expect("--samples N"),
            "--target-ms" => {
                options.target = Duration::from_millis(value().parse().expect("--target-ms MS"))
            }
            "--quick" => {
                options.samples = 3;
                options.memory_samples = 1;
                options.target = Duration::from_millis(10);
            }
            "--only" => options.only.push(value()),
            "--out" => options.out = PathBuf::from(value()),
            other => {
                eprintln!("perf-report: unknown argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    options
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("child") => println!("{}", plan::child(&args[1..])),
        Some("docs") => docs::main(&args[1..]),
        Some("profile") => profile(&args[1..]),
        _ => measure_all(parse_options(&args)),
    }
}

/// `perf-report profile OPERATION ENTRY [SECONDS [ITERATIONS]]`: runs one in-process
/// workload over and over (default 5 s), for `perf record`; with ITERATIONS, runs it once
/// with that many operations and no calibration (for `valgrind --tool=callgrind`).
fn profile(args: &[String]) {
    let (operation, id) = match args {
        [operation, id, ..] => (operation, id),
        _ => {
            eprintln!("usage: perf-report profile OPERATION ENTRY [SECONDS [ITERATIONS]]");
            std::process::exit(2);
        }
    };
    let seconds: f64 = args.get(2).map_or(5.0, |s| s.parse().expect("SECONDS"));
    let rows = plan::rows();
    let entry = rows
        .iter()
        .filter(|r| r.operation == operation)
        .flat_map(|r| &r.entries)
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no entry {id:?} in row {operation:?}"));
    let Source::InProcess(workload) = entry.source else {
        panic!("{id:?} does not run in this process");
    };
    if let Some(n) = args.get(3) {
        let n: u64 = n.parse().expect("ITERATIONS");
        println!("{:.3}", timing::ns_per_op(workload, n));
        return;
    }
    let n = timing::calibrate(workload, Duration::from_millis(100));
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        samples.push(timing::ns_per_op(workload, n));
    }
    println!("{:.3}", timing::median(&samples));
}

/// What one entry has measured so far.
struct Results {
    /// Operations per sample, fixed after the first (calibrating) run.
    iterations: Option<u64>,
    samples: Vec<f64>,
    failures: Vec<String>,
    /// For a served entry: the 99th percentile latency of each sample, in µs.
    p99_us: Vec<f64>,
    /// For a served entry: its server, started at its first sample and killed (dropped)
    /// after its last.
    server: Option<served::Running>,
    /// Why the entry is not measured (a missing tool, a server that did not start).
    skipped: Option<String>,
}

impl Results {
    fn new(entry: &Entry, tools: &Tools) -> Results {
        Results {
            iterations: None,
            samples: Vec::new(),
            failures: Vec::new(),
            p99_us: Vec::new(),
            server: None,
            skipped: entry
                .source
                .requires()
                .filter(|tool| !tools.has(tool))
                .map(|tool| format!("no {tool} on this machine")),
        }
    }
}

/// Which of the optional tools (`python3`, `wrk`) this machine has.
struct Tools {
    python: bool,
    wrk: bool,
}

impl Tools {
    fn has(&self, tool: &str) -> bool {
        match tool {
            "python3" => self.python,
            "wrk" => self.wrk,
            _ => false,
        }
    }
}

fn measure_all(options: Options) {
    let started = Instant::now();
    let python = machine::python_version();
    let tools = Tools {
        python: python.is_some(),
        wrk: machine::wrk_version().is_some(),
    };
    for (tool, found) in [("python3", tools.python), ("wrk", tools.wrk)] {
        if !found {
            eprintln!("perf-report: no {tool}: the entries that need it are skipped");
        }
    }
    let rows: Vec<Row> = plan::rows()
        .into_iter()
        .filter(|r| options.only.is_empty() || options.only.iter().any(|o| o == r.operation))
        .collect();
    let mut results: Vec<Vec<Results>> = rows
        .iter()
        .map(|row| {
            row.entries
                .iter()
                .map(|e| Results::new(e, &tools))
                .collect()
        })
        .collect();
    let max_samples = options.samples.max(options.memory_samples);
    for sample in 0..max_samples {
        eprintln!(
            "perf-report: sample {}/{max_samples} ({:.0?} so far)",
            sample + 1,
            started.elapsed()
        );
        for (row, results) in rows.iter().zip(results.iter_mut()) {
            let wanted = if row.memory {
                options.memory_samples
            } else {
                options.samples
            };
            if sample >= wanted {
                continue;
            }
            let k = row.entries.len();
            for j in 0..k {
                let index = (j + sample) % k;
                let entry = &row.entries[index];
                run_entry(row, entry, &mut results[index], options.target);
            }
            if sample + 1 == wanted {
                // The row's last sample: its servers are killed.
                results.iter_mut().for_each(|r| r.server = None);
            }
        }
    }
    let max_live = if options.only.is_empty() || options.only.iter().any(|o| o == "max_live_tasks")
    {
        eprintln!("perf-report: max_live_tasks");
        Some(run_max_live())
    } else {
        None
    };
    let report = build_report(
        &options,
        &rows,
        &results,
        max_live,
        python.is_some(),
        started,
    );
    std::fs::create_dir_all(&options.out).expect("cannot create the output directory");
    let json_path = options.out.join("report.json");
    let md_path = options.out.join("report.md");
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&report).expect("JSON") + "\n",
    )
    .expect("cannot write report.json");
    std::fs::write(&md_path, docs::report_markdown(&report)).expect("cannot write report.md");
    eprintln!(
        "perf-report: wrote {} and {} in {:.0?}",
        json_path.display(),
        md_path.display(),
        started.elapsed()
    );
    print!("{}", docs::table_markdown(&report));
}

fn run_entry(row: &Row, entry: &Entry, results: &mut Results, target: Duration) {
    if results.skipped.is_some() {
        return;
    }
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| match &entry.source {
        Source::InProcess(workload) => {
            let n = *results
                .iterations
                .get_or_insert_with(|| timing::calibrate(*workload, target));
            Ok(timing::ns_per_op(*workload, n))
        }
        Source::May { workload, workers } => child_number(&[
            "may",
            workload,
            &workers.to_string(),
            &target.as_millis().to_string(),
        ]),
        Source::Python(workload) => python_number(workload, target),
        Source::IdleRss(implementation) => child_number(&["rss", implementation]),
        Source::Served(served) => served_sample(row, entry, served, results),
    }));
    match outcome {
        Ok(Ok(value)) => results.samples.push(value),
        Ok(Err(error)) => results.failures.push(error),
        Err(payload) => results.failures.push(
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into()),
        ),
    }
}

/// One sample of a served entry, starting its server at the first; a server that does not
/// start skips the entry, with a message.
fn served_sample(
    row: &Row,
    entry: &Entry,
    served: &served::Served,
    results: &mut Results,
) -> Result<f64, String> {
    if results.server.is_none() {
        match served::start(served) {
            Ok(server) => results.server = Some(server),
            Err(error) => {
                eprintln!(
                    "perf-report: {}/{}: skipped: {error}",
                    row.operation, entry.id
                );
                results.skipped = Some(error.clone());
                return Err(error);
            }
        }
    }
    results.iterations = served.load.operations();
    let server = results.server.as_ref().expect("started above");
    let sample = served::sample(served.load, server)?;
    results.p99_us.push(sample.p99_us);
    Ok(sample.micros_per_op)
}

fn parse_number(out: std::process::Output, what: &str) -> Result<f64, String> {
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .map_err(|_| format!("{what} printed {text:?}, not a number"))
}

fn child_number(args: &[&str]) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .arg("child")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    parse_number(out, &format!("child {}", args.join(" ")))
}

fn python_number(workload: &str, target: Duration) -> Result<f64, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/workloads.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(workload)
        .arg(target.as_millis().to_string())
        .output()
        .map_err(|e| e.to_string())?;
    parse_number(out, &format!("python3 workloads.py {workload}"))
}

fn run_max_live() -> Value {
    let exe = std::env::current_exe().expect("current exe");
    match Command::new(exe).args(["child", "max-live"]).output() {
        Ok(out) if out.status.success() => serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| json!({ "failed": format!("unreadable output: {e}") })),
        Ok(out) => json!({
            "failed": format!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim())
        }),
        Err(e) => json!({ "failed": e.to_string() }),
    }
}

/// An entry's note in the report: why it was skipped, or its own note, and for a served
/// entry the median of its samples' 99th percentile latencies.
fn note(entry: &Entry, result: &Results) -> Option<String> {
    if let Some(why) = &result.skipped {
        return Some(format!("skipped: {why}"));
    }
    let p99 = (!result.p99_us.is_empty()).then(|| {
        let p99 = timing::median(&result.p99_us).round();
        format!("99th percentile latency {p99} µs")
    });
    match (entry.note, p99) {
        (Some(note), Some(p99)) => Some(format!("{note}; {p99}")),
        (note, p99) => note.map(str::to_string).or(p99),
    }
}

fn round3(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

fn build_report(
    options: &Options,
    rows: &[Row],
    results: &[Vec<Results>],
    max_live: Option<Value>,
    have_python: bool,
    started: Instant,
) -> Value {
    let (date, time) = machine::now();
    let rows_json: Vec<Value> = rows
        .iter()
        .zip(results)
        .map(|(row, results)| {
            let median_of = |id: &str| {
                row.entries
                    .iter()
                    .position(|e| e.id == id)
                    .map(|i| timing::median(&results[i].samples))
            };
            let entries: Vec<Value> = row
                .entries
                .iter()
                .zip(results)
                .map(|(entry, result)| {
                    let median = timing::median(&result.samples);
                    let ratio = entry
                        .versus
                        .and_then(median_of)
                        .map(|baseline| median / baseline);
                    let note = note(entry, result);
                    json!({
                        "id": entry.id,
                        "implementation": entry.label,
                        "yieldpoint": entry.yieldpoint,
                        "versus": entry.versus,
                        "median": round3(median),
                        "ratio": ratio.map(round3),
                        "samples": result.samples.iter().map(|s| round3(*s)).collect::<Vec<_>>(),
                        "iterations_per_sample": result.iterations,
                        "note": note,
                        "p99_us": (!result.p99_us.is_empty()).then(|| round3(timing::median(&result.p99_us))),
                        "failures": result.failures,
                    })
                })
                .collect();
            let targets: Vec<Value> = row.targets.iter().map(|(text, target)| {
                let (measured, limit) = match target {
                    Target::AtMost { entry, limit } => (median_of(entry), Some(*limit)),
                    Target::WithinFactor { entry, peer, factor } => (
                        median_of(entry),
                        median_of(peer).map(|p| p * factor),
                    ),
                };
                let met = match (measured, limit) {
                    (Some(m), Some(l)) if m.is_finite() && l.is_finite() => Some(m <= l),
                    _ => None,
                };
                json!({ "text": text, "measured": measured.map(round3), "limit": limit.map(round3), "met": met })
            }).collect();
            json!({
                "operation": row.operation,
                "unit": row.unit,
                "description": row.description,
                "entries": entries,
                "targets": targets,
            })
        })
        .collect();
    json!({
        "generated_by": "scripts/perf-report",
        "date": date,
        "time": time,
        "machine": machine::machine(),
        "versions": machine::versions(&workspace()),
        "method": {
            "samples": options.samples,
            "memory_samples": options.memory_samples,
            "target_ms_per_sample": options.target.as_millis() as u64,
            "statistic": "median",
            "interleaving": "each sample runs every implementation of a row once, rotating the starting one",
            "build": "cargo --release (opt-level 3, no LTO) for yieldpoint and every Rust peer",
        },
        "rows": rows_json,
        "max_live_tasks": max_live,
        "python_rows": if have_python { "run with python3" } else { "skipped: no python3 on this machine" },
        "seconds": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    })
}
