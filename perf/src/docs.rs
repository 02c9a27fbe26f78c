//! Markdown from the report: `target/perf/report.md`, and the generated tables of the
//! README and of the book's appendix "The cost of a context switch", which sit between
//! `<!-- perf-table:start -->` and `<!-- perf-table:end -->` (`perf-report docs`).

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

const START: &str = "<!-- perf-table:start -->";
const END: &str = "<!-- perf-table:end -->";

/// Files whose marked block `perf-report docs` regenerates, relative to the workspace.
const GENERATED: &[&str] = &["README.md", "book/src/appendix/context-switch-cost.md"];

/// `perf-report docs [--report PATH]`.
pub fn main(args: &[String]) {
    let report_path = match args {
        [flag, path] if flag == "--report" => PathBuf::from(path),
        [] => crate::workspace().join("target/perf/report.json"),
        _ => {
            eprintln!("usage: perf-report docs [--report PATH]");
            std::process::exit(2);
        }
    };
    let text = std::fs::read_to_string(&report_path).unwrap_or_else(|e| {
        eprintln!(
            "perf-report docs: cannot read {}: {e}; run scripts/perf-report first",
            report_path.display()
        );
        std::process::exit(1);
    });
    let report: Value = serde_json::from_str(&text).expect("report.json is JSON");
    let block = table_markdown(&report);
    for file in GENERATED {
        let path = crate::workspace().join(file);
        let old = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        match replace_between(&old, &block) {
            Some(new) => {
                std::fs::write(&path, new)
                    .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
                eprintln!("perf-report docs: regenerated the table in {file}");
            }
            None => {
                eprintln!("perf-report docs: {file} has no {START} ... {END} markers; add them where the table goes");
                std::process::exit(1);
            }
        }
    }
}

/// `text` with everything between the markers replaced by `block`; `None` without markers.
fn replace_between(text: &str, block: &str) -> Option<String> {
    let start = text.find(START)? + START.len();
    let end = start + text[start..].find(END)?;
    Some(format!("{}\n{}{}", &text[..start], block, &text[end..]))
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("?")
}

/// A number with three significant digits (at least), thousands separated.
fn number(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let decimals = if x.abs() >= 100.0 || x.fract() == 0.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{x:.decimals$}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

fn median_cell(entry: &Value) -> String {
    match entry["median"].as_f64() {
        Some(m) => number(m),
        None if entry["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("skipped")) =>
        {
            "skipped".into()
        }
        None => "failed".into(),
    }
}

fn ratio_cell(entry: &Value) -> String {
    match entry["ratio"].as_f64() {
        Some(r) if r.is_finite() => format!("{}×", number(r)),
        _ => "—".into(),
    }
}

/// The line naming where, when and with what the numbers were measured.
fn provenance(report: &Value) -> String {
    let m = &report["machine"];
    let v = &report["versions"];
    let method = &report["method"];
    let python = match v["python3"].as_str() {
        Some(p) => format!("Python {p}"),
        None => "no Python (its rows skipped)".into(),
    };
    let wrk = v["wrk"].as_str().unwrap_or("no wrk (its rows skipped)");
    format!(
        "Measured by `scripts/perf-report` on {date}: {cpu}, {cores} cores, {mem} GiB, {os}; \
         {rustc}; yieldpoint {yp}, corosensei {co}, generator {gen}, may {may}, tokio {tokio}, \
         rayon {rayon}; {python}; {wrk}. Each number is the median of {samples} samples \
         ({memory_samples} for memory), the implementations of an operation interleaved in \
         every sample. *peer / yieldpoint* above 1 means yieldpoint is faster or smaller.",
        date = str_of(report, "date"),
        cpu = str_of(m, "cpu"),
        cores = m["cores"],
        mem = m["memory_gib"],
        os = str_of(m, "os"),
        rustc = str_of(v, "rustc"),
        yp = str_of(v, "yieldpoint"),
        co = str_of(v, "corosensei"),
        gen = str_of(v, "generator"),
        may = str_of(v, "may"),
        tokio = str_of(v, "tokio"),
        rayon = str_of(v, "rayon"),
        samples = method["samples"],
        memory_samples = method["memory_samples"],
    )
}

/// The generated block: provenance, the comparison table, the targets, `max_live_tasks`.
///
/// The comparison table has three columns, so that it fits a book page in a 1280 px window:
/// each operation opens with a row of its own (its name and unit), each yieldpoint variant
/// follows with its median in bold, and the peers compared with that variant come after it,
/// each with its median and its ratio to the variant.
pub fn table_markdown(report: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", provenance(report));
    out.push_str("| operation and implementation | median | peer / yieldpoint |\n");
    out.push_str("|---|--:|--:|\n");
    let mut notes = Vec::new();
    for row in report["rows"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "| **`{}`** ({}) | | |",
            str_of(row, "operation"),
            str_of(row, "unit")
        );
        let entries = row["entries"].as_array().cloned().unwrap_or_default();
        for yp in entries.iter().filter(|e| e["yieldpoint"] == true) {
            let mut yp_name = str_of(yp, "implementation").to_string();
            if let Some(note) = yp["note"].as_str() {
                notes.push(format!("{yp_name}: {note}."));
                let _ = write!(yp_name, " [{}]", notes.len());
            }
            let _ = writeln!(out, "| {yp_name} | **{}** | |", median_cell(yp));
            for peer in entries
                .iter()
                .filter(|e| e["versus"].as_str() == yp["id"].as_str())
            {
                let mut name = str_of(peer, "implementation").to_string();
                if let Some(note) = peer["note"].as_str() {
                    notes.push(format!("{name}: {note}."));
                    let _ = write!(name, " [{}]", notes.len());
                }
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} |",
                    median_cell(peer),
                    ratio_cell(peer)
                );
            }
        }
    }
    out.push('\n');
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(out, "[{}] {note}  ", i + 1);
    }
    if !notes.is_empty() {
        out.push('\n');
    }
    let targets: Vec<(&Value, &Value)> = report["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| {
            let targets = row["targets"].as_array().into_iter().flatten();
            targets.map(move |target| (row, target))
        })
        .collect();
    if !targets.is_empty() {
        out.push_str("| target | measured | limit | met |\n|---|--:|--:|---|\n");
        for (row, t) in targets {
            let met = match t["met"].as_bool() {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            };
            let cell = |v: &Value| v.as_f64().map_or("—".into(), number);
            let _ = writeln!(
                out,
                "| {} | {} {} | {} {} | {met} |",
                str_of(t, "text"),
                cell(&t["measured"]),
                str_of(row, "unit"),
                cell(&t["limit"]),
                str_of(row, "unit"),
            );
        }
        out.push('\n');
    }
    out.push_str(&max_live_markdown(report));
    out
}

fn max_live_markdown(report: &Value) -> String {
    let live = &report["max_live_tasks"];
    if live.is_null() {
        return String::new();
    }
    if let Some(failed) = live["failed"].as_str() {
        return format!("`max_live_tasks`: the measurement failed: {failed}\n");
    }
    let count = live["live_tasks"].as_f64().map_or("?".into(), number);
    let maps = live["vm_max_map_count"]
        .as_f64()
        .map_or("unknown".into(), number);
    let stack_kib = live["stack_size_bytes"].as_u64().unwrap_or(0) / 1024;
    let rss_mib = live["rss_at_limit_bytes"]
        .as_f64()
        .map_or("?".into(), |rss| number(rss / 1024.0 / 1024.0));
    let mappings = live["mappings_at_limit"]
        .as_f64()
        .map_or("?".into(), number);
    let mut out = match live["error"].as_str() {
        Some(error) => format!(
            "`max_live_tasks`: **{count}** sleeping green threads ({stack_kib} KiB stacks, \
             round-robin) were live when `task::Builder::spawn` returned \
             `Err(SpawnError::Stack)`, with `vm.max_map_count` = {maps} (each stack is two \
             mappings: the stack and its guard page). The error read: \"{error}\". "
        ),
        None => format!(
            "`max_live_tasks`: **{count}** sleeping green threads ({stack_kib} KiB stacks) \
             were live without a spawn failing (the run stops there), with \
             `vm.max_map_count` = {maps}. "
        ),
    };
    let finished = live["sleepers_finished"]
        .as_f64()
        .map_or("?".into(), number);
    let again = if live["spawn_after_limit_ok"] == true {
        "a new spawn succeeded"
    } else {
        "a new spawn **failed**"
    };
    let _ = writeln!(
        out,
        "At that point the process had {mappings} mappings and {rss_mib} MiB of RSS. The \
         scheduler kept running: {finished} sleepers were then told to stop and finished, \
         and {again}."
    );
    out
}

/// `target/perf/report.md`: the generated block plus every sample and failure.
pub fn report_markdown(report: &Value) -> String {
    let mut out = String::from("# yieldpoint performance report\n\n");
    out.push_str(&table_markdown(report));
    out.push_str("\n## Rows\n\n");
    for row in report["rows"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "### `{}` ({})\n\n{}.\n",
            str_of(row, "operation"),
            str_of(row, "unit"),
            str_of(row, "description")
        );
        for e in row["entries"].as_array().into_iter().flatten() {
            let samples: Vec<String> = e["samples"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .map(number)
                .collect();
            let _ = writeln!(
                out,
                "- {}: median {} (samples: {})",
                str_of(e, "implementation"),
                median_cell(e),
                samples.join(", ")
            );
            for failure in e["failures"].as_array().into_iter().flatten() {
                let _ = writeln!(out, "  - failed: {}", failure.as_str().unwrap_or("?"));
            }
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Report written {}, in {} s.",
        str_of(report, "time"),
        report["seconds"]
    );
    out
}

#[cfg(test)]
mod tests {
    use super::{number, replace_between, table_markdown, END, START};
    use serde_json::json;

    /// Three columns, so that the table fits a book page at 1280 px: the operation on a row
    /// of its own, then each yieldpoint variant (median in bold) and its peers.
    #[test]
    fn table_has_three_columns_and_groups_peers_under_their_variant() {
        let report = json!({
            "rows": [{
                "operation": "green_yield_switch",
                "unit": "ns",
                "entries": [
                    { "id": "rr", "implementation": "yieldpoint round-robin", "yieldpoint": true,
                      "median": 18.2 },
                    { "id": "wq", "implementation": "yieldpoint work-queue (1 worker)",
                      "yieldpoint": true, "median": 26.1 },
                    { "id": "tokio", "implementation": "tokio current-thread `yield_now`",
                      "yieldpoint": false, "versus": "rr", "median": 184.0, "ratio": 10.1 },
                    { "id": "may", "implementation": "may (1 worker) `yield_now`",
                      "yieldpoint": false, "versus": "wq", "median": 100.0, "ratio": 3.84,
                      "note": "a note" },
                ],
            }],
        });
        let table = table_markdown(&report);
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(
            rows,
            [
                "| operation and implementation | median | peer / yieldpoint |",
                "|---|--:|--:|",
                "| **`green_yield_switch`** (ns) | | |",
                "| yieldpoint round-robin | **18.2** | |",
                "| tokio current-thread `yield_now` | 184 | 10.1× |",
                "| yieldpoint work-queue (1 worker) | **26.1** | |",
                "| may (1 worker) `yield_now` [1] | 100 | 3.84× |",
            ]
        );
        assert!(table.contains("[1] may (1 worker) `yield_now`: a note.  \n"));
    }

    #[test]
    fn numbers_keep_three_digits_and_group_thousands() {
        assert_eq!(number(6.4123), "6.41");
        assert_eq!(number(19.14), "19.1");
        assert_eq!(number(191.4), "191");
        assert_eq!(number(64_123.0), "64,123");
        assert_eq!(number(f64::NAN), "—");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(12.0), "12");
    }

    #[test]
    fn replaces_only_between_markers() {
        let text = format!("before\n{START}\nold\n{END}\nafter\n");
        let new = replace_between(&text, "new\n").unwrap();
        assert_eq!(new, format!("before\n{START}\nnew\n{END}\nafter\n"));
        assert!(replace_between("no markers", "x").is_none());
    }
}
