//! The workbook's timeline pictures (`book/src/generated/*.svg`), made by the runs of
//! `book/listings/timelines.rs`.
//!
//! Each test runs its program with the timeline on and checks that the run shows what the
//! picture is meant to show (the interleaving alternates; the hog's one interval covers
//! the ticker's gap, and with yields the ticker runs between slices; both workers run
//! jobs, some started on the worker that did not spawn them). Timings differ from run to
//! run, so the pictures are written only when `YIELDPOINT_BLESS=1` is set or a picture is
//! missing; otherwise the checked-in picture must parse and have the lanes (and worker
//! groups) of the fresh run, so that a stale picture fails.
//!
//! Regenerate them with `YIELDPOINT_BLESS=1 cargo test --test book_timelines`.

#[path = "../book/listings/timelines.rs"]
mod timelines;

use std::collections::BTreeSet;
use std::path::PathBuf;

use yieldpoint::sched::timeline::{Interval, StopReason, Timeline};
use yieldpoint::task::WaitReason;

fn generated(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("book/src/generated")
        .join(file)
}

/// What a chart shows, as far as every run shows the same: its lane labels without the
/// task ids (ids differ per run), sorted (the order of first runs may differ), and its
/// worker headings.
#[derive(Debug, PartialEq)]
struct Chart {
    lanes: Vec<String>,
    workers: BTreeSet<String>,
}

fn chart_of(svg: &str, file: &str) -> Chart {
    let doc = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("{file} is not well-formed XML: {e}"));
    let mut lanes: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("data-task").is_some())
        .map(|lane| {
            let label = lane
                .children()
                .find(|n| n.has_tag_name("text"))
                .and_then(|n| n.text())
                .unwrap_or_else(|| panic!("{file}: a lane without a label"));
            // "12 countdown" -> "countdown"
            label
                .split_once(' ')
                .map_or(label, |(_, name)| name)
                .to_string()
        })
        .collect();
    lanes.sort();
    let workers = doc
        .descendants()
        .filter_map(|n| n.text())
        .filter(|t| t.starts_with("worker "))
        .map(String::from)
        .collect();
    Chart { lanes, workers }
}

/// Writes the picture of `timeline` to `book/src/generated/{file}` when blessing (or when
/// it is missing); then checks that the picture there is well-formed and shows the lanes
/// and worker groups of this run.
fn bless_or_check(file: &str, title: &str, timeline: &Timeline) {
    let path = generated(file);
    let fresh = chart_of(
        &timeline.to_svg(&yieldpoint::sched::timeline::SvgOptions::new().title(title)),
        file,
    );
    if std::env::var_os("YIELDPOINT_BLESS").is_some_and(|v| v == "1") || !path.exists() {
        timelines::save_svg(timeline, title, &path).unwrap();
    }
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(
        svg.contains(&format!(">{title}<")),
        "{file} has another title; regenerate it: YIELDPOINT_BLESS=1 cargo test --test book_timelines"
    );
    assert_eq!(
        chart_of(&svg, file),
        fresh,
        "{file} is stale; regenerate it: YIELDPOINT_BLESS=1 cargo test --test book_timelines"
    );
}

fn named<'a>(timeline: &'a Timeline, name: &str) -> Vec<&'a Interval> {
    timeline
        .intervals()
        .iter()
        .filter(|i| i.name.as_deref() == Some(name))
        .collect()
}

/// Part I: countdown and countup take turns, one yield at a time.
#[test]
fn countdown_and_countup_alternate() {
    let timeline = timelines::countdown_and_countup();
    let order: Vec<&str> = timeline
        .intervals()
        .iter()
        .map(|i| i.name.as_deref().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "countdown",
            "countup",
            "countdown",
            "countup",
            "countdown",
            "countup",
            "countdown",
            "countup"
        ]
    );
    bless_or_check(
        "countdown_countup.svg",
        "countdown(3) and countup(3) on RoundRobin",
        &timeline,
    );
}

/// Part IV, "Don't block the loop": without yield points the hog's one interval spans the
/// ticker's gap; with a yield every 10,000 iterations the ticker runs between its slices.
#[test]
fn a_hog_starves_the_ticker_until_it_yields() {
    let hog = timelines::hog_beside_ticker("hog", None);
    let computing = named(&hog, "hog")
        .into_iter()
        .max_by_key(|i| i.duration())
        .unwrap();
    assert_eq!(computing.stop, StopReason::Parked(WaitReason::Sleep));
    let ticker = named(&hog, "ticker");
    let before = ticker.iter().rfind(|i| i.end <= computing.start);
    let after = ticker.iter().find(|i| i.start >= computing.end);
    let (before, after) = (before.expect("ticks before"), after.expect("ticks after"));
    assert!(
        ticker
            .iter()
            .all(|i| i.end <= computing.start || i.start >= computing.end),
        "no tick while the hog computes"
    );
    assert!(after.start - before.end >= computing.duration());
    assert_eq!(ticker.last().unwrap().stop, StopReason::Cancelled);
    bless_or_check(
        "cpu_hog.svg",
        "a CPU-bound task without yield points beside a 1 ms ticker",
        &hog,
    );

    let name = "hog, yield_now every 10,000";
    let yielding = timelines::hog_beside_ticker(name, Some(10_000));
    let slices: Vec<_> = named(&yielding, name)
        .into_iter()
        .filter(|i| i.stop == StopReason::Yielded)
        .collect();
    assert!(slices.len() >= 100, "a slice per 10,000 iterations");
    let (first, last) = (slices[0].start, slices.last().unwrap().end);
    let ticks_between = named(&yielding, "ticker")
        .iter()
        .filter(|i| i.start > first && i.end < last)
        .count();
    assert!(ticks_between >= 1, "the ticker runs between the slices");
    bless_or_check(
        "cpu_hog_yielding.svg",
        "the same task with yield_now() every 10,000 iterations",
        &yielding,
    );
}

/// Part IV, "One loop or many": both workers run jobs, and some job started on the worker
/// that did not spawn it (stolen). Which worker steals what depends on the OS's thread
/// scheduling, so up to five runs are tried for one that shows a steal.
#[test]
fn work_queue_workers_share_the_jobs() {
    let mut tries = Vec::new();
    let timeline = (0..5)
        .map(|_| timelines::work_queue_jobs())
        .find(|timeline| {
            let main = named(timeline, "main")[0].worker;
            let workers: BTreeSet<usize> = timeline.intervals().iter().map(|i| i.worker).collect();
            let stolen = timeline.intervals().iter().any(|i| {
                i.name.as_deref().is_some_and(|n| n.starts_with("job ")) && i.worker != main
            });
            tries.push(workers.clone());
            workers.len() == 2 && stolen
        })
        .unwrap_or_else(|| {
            panic!("no run of five showed a stolen job (workers per run: {tries:?})")
        });
    for n in 1..=6 {
        let job = named(&timeline, &format!("job {n}"));
        assert!(job.len() >= 2, "job {n} ran in slices");
        assert_eq!(job.last().unwrap().stop, StopReason::Finished);
    }
    // Each worker runs one task at a time: its lane group never shows two bars at once.
    // (Not a duration check: how the six 2 ms jobs interleave, and so how long the run
    // takes, is up to the two workers and the machine.)
    for worker in 0..2 {
        let mut on_worker: Vec<_> = timeline
            .intervals()
            .iter()
            .filter(|i| i.worker == worker)
            .collect();
        on_worker.sort_by_key(|i| i.start);
        for pair in on_worker.windows(2) {
            assert!(
                pair[1].start >= pair[0].end,
                "worker {worker} ran two tasks at once: {:?} and {:?}",
                pair[0],
                pair[1]
            );
        }
    }
    bless_or_check(
        "work_queue_stealing.svg",
        "six 2 ms jobs spawned by main on a WorkQueue of two workers",
        &timeline,
    );
}

/// The Chrome trace of a run, as the appendix saves it, parses and holds every interval.
#[cfg(feature = "chrome-trace")]
#[test]
fn the_saved_trace_parses() {
    let timeline = timelines::countdown_and_countup();
    let path = std::env::temp_dir().join(format!("yieldpoint-trace-{}.json", std::process::id()));
    timelines::save_trace(&timeline, &path).unwrap();
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let complete = events.iter().filter(|e| e["ph"] == "X").count();
    assert_eq!(complete, timeline.intervals().len());
}
