//! The crate's layers import in one direction, with no cycle between the modules of `src/`.
//!
//! | layer | modules                               | may import                    |
//! |-------|---------------------------------------|-------------------------------|
//! | 0     | `stack`, `loom` (the loom shim)       | nothing of the crate          |
//! | 1     | `coroutine`                           | layer 0                       |
//! | 2     | `generator`                           | layers 0–1                    |
//! | 3     | `task` (cell, state words, context)   | layers 0–2                    |
//! | 4     | `sched` (run queues, timers, workers), `reactor` (pollers) | layers 0–3, and each other without a cycle |
//! | 5     | `sync`, `time`, `future`, `blocking`, `io`, `net` | layers 0–4, and each other without a cycle |
//!
//! Inside `sched`, the two schedulers (`round_robin`, `work_queue`) do not import each
//! other: what they share is the core (`local`, `timer`, `context`).
//!
//! The edges are read from the source as text: every `crate::<module>` path outside
//! comments, in every file under `src/<module>/` or `src/<module>.rs` (`lib.rs`, the root
//! that re-exports the public items, is left out). Run: `cargo test --test layers`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer.
const LAYERS: &[(&str, u32)] = &[
    ("stack", 0),
    ("loom", 0),
    ("coroutine", 1),
    ("generator", 2),
    ("task", 3),
    ("sched", 4),
    ("reactor", 4),
    ("sync", 5),
    ("time", 5),
    ("future", 5),
    ("blocking", 5),
    ("io", 5),
    ("net", 5),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`: `src/sched/work_queue/idle.rs` is
/// `["sched", "work_queue", "idle"]`; a `mod.rs` names its folder.
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments (line comments, doc comments included).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b` path in `code`, as its segments (`["a", "b"]`).
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `yieldpoint_crate::`, say
        }
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        paths.push(
            path.split("::")
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        );
    }
    paths
}

/// Edges `from module → to module` (top-level names), each with a file that makes it.
fn top_level_edges() -> BTreeMap<(String, String), PathBuf> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut edges = BTreeMap::new();
    for file in files {
        let module = module_of(&file);
        let Some(from) = module.first() else { continue };
        if from == "lib" {
            continue;
        }
        let code = code_of(&fs::read_to_string(&file).unwrap());
        for path in crate_paths(&code) {
            let Some(to) = path.first() else { continue };
            if to != from && LAYERS.iter().any(|(m, _)| m == to) {
                edges
                    .entry((from.clone(), to.clone()))
                    .or_insert_with(|| file.clone());
            }
        }
    }
    edges
}

fn layer(module: &str) -> u32 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .unwrap_or_else(|| panic!("module `{module}` of src/ has no layer in tests/layers.rs"))
        .1
}

#[test]
fn every_top_level_module_has_a_layer() {
    for entry in fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name != "lib" {
            layer(&name);
        }
    }
}

#[test]
fn imports_go_down_the_layers() {
    let wrong: Vec<String> = top_level_edges()
        .into_iter()
        .filter(|((from, to), _)| layer(to) > layer(from))
        .map(|((from, to), file)| format!("{from} → {to} (in {})", file.display()))
        .collect();
    assert!(
        wrong.is_empty(),
        "imports against the layers (see the table in tests/layers.rs):\n{}",
        wrong.join("\n")
    );
}

/// A cycle in `edges`, if there is one, as the modules along it.
fn find_cycle(edges: &BTreeSet<(String, String)>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeSet<(String, String)>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for (_, to) in edges.iter().filter(|(from, _)| from == node) {
            if let Some(cycle) = visit(to, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for (from, _) in edges {
        if let Some(cycle) = visit(from, edges, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn no_cycle_between_top_level_modules() {
    let edges: BTreeSet<_> = top_level_edges().into_keys().collect();
    if let Some(cycle) = find_cycle(&edges) {
        panic!(
            "import cycle between modules of src/: {}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_two_schedulers_do_not_import_each_other() {
    let mut files = Vec::new();
    rust_files(&src().join("sched"), &mut files);
    for file in files {
        let module = module_of(&file);
        let code = code_of(&fs::read_to_string(&file).unwrap());
        let own = module.get(1).map(String::as_str);
        for path in crate_paths(&code) {
            if path.first().map(String::as_str) != Some("sched") {
                continue;
            }
            let other = path.get(1).map(String::as_str);
            let schedulers = ["round_robin", "work_queue"];
            if let (Some(own), Some(other)) = (own, other) {
                assert!(
                    !(schedulers.contains(&own) && schedulers.contains(&other) && own != other),
                    "{} imports sched::{other}: the schedulers share only the core",
                    file.display()
                );
            }
        }
    }
}

/// The checker finds what it is for: a cycle and an upward import in made-up edges.
#[test]
fn the_checks_catch_a_cycle_and_an_upward_import() {
    let edge = |a: &str, b: &str| (a.to_string(), b.to_string());
    let cyclic: BTreeSet<_> = [
        edge("task", "sched"),
        edge("sched", "time"),
        edge("time", "task"),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        find_cycle(&cyclic).unwrap(),
        ["sched", "time", "task", "sched"]
    );
    let acyclic: BTreeSet<_> = [edge("time", "sched"), edge("sched", "task")]
        .into_iter()
        .collect();
    assert!(find_cycle(&acyclic).is_none());
    assert!(
        layer("sched") > layer("task"),
        "an import task → sched goes up"
    );
    let paths =
        crate_paths("use crate::sched::{context, Local}; crate::time::sleep(d); a_crate::y;");
    assert_eq!(paths, [vec!["sched"], vec!["time", "sleep"]]);
    assert_eq!(code_of("a // crate::sched\n/// crate::time"), "a \n");
}
