//! Runs every Rust sample of the workbook (`book/`): the listings in `book/listings/` and
//! the examples the pages include, and checks the pages' relative links and includes.
//!
//! Samples reach the book only through `{{#include file:anchor}}`, so a sample that stops
//! compiling or asserting breaks this test, not the reader.

#[path = "../book/listings/intro.rs"]
mod intro;
#[path = "../book/listings/part1.rs"]
mod part1;
#[path = "../book/listings/part2.rs"]
mod part2;
#[path = "../book/listings/part3.rs"]
mod part3;
#[path = "../book/listings/part4_event_loop.rs"]
mod part4_event_loop;
#[path = "../book/listings/part4_io.rs"]
mod part4_io;
#[path = "../book/listings/part5_bridges.rs"]
mod part5_bridges;
#[path = "../book/listings/part5_futures.rs"]
mod part5_futures;
// Part III's overflow listing re-runs this test binary as a child process.
#[path = "support/child_process.rs"]
mod child_process;
#[path = "../examples/seed_000_round_robin.rs"]
mod seed_000_round_robin;

use std::path::{Path, PathBuf};

#[test]
fn seed_000_round_robin_runs() {
    seed_000_round_robin::main();
}

/// Runs the Python original `book/python/{file}` with python3: its output, or `None`
/// when python3 is not installed.
fn python_original(file: &str) -> Option<std::process::Output> {
    let path = format!("{}/book/python/{file}", env!("CARGO_MANIFEST_DIR"));
    std::process::Command::new("python3")
        .arg(path)
        .output()
        .ok()
}

/// What a Python original printed on stdout.
fn stdout_of(output: std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn pages(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("book/src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            pages(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            found.push(path);
        }
    }
}

/// The text between `open` and the next `close` at each occurrence.
fn between<'a>(text: &'a str, open: &str, close: char) -> Vec<&'a str> {
    text.match_indices(open)
        .filter_map(|(at, _)| {
            let rest = &text[at + open.len()..];
            rest.find(close).map(|end| &rest[..end])
        })
        .collect()
}

/// mdBook reports a missing include only as a log line and keeps building; this fails
/// instead, and also checks relative links between pages, which mdBook does not check.
#[test]
fn book_links_and_includes_resolve() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let mut found = Vec::new();
    pages(&src, &mut found);
    assert!(found.len() >= 10, "the book has its pages");
    let mut broken = Vec::new();
    for page in &found {
        let text = std::fs::read_to_string(page).unwrap();
        let dir = page.parent().unwrap();
        for include in between(&text, "{{#include ", '}') {
            let (file, anchor) = include.split_once(':').unwrap_or((include, ""));
            let target = dir.join(file.trim());
            match std::fs::read_to_string(&target) {
                Err(_) => broken.push(format!("{}: no file {file}", page.display())),
                Ok(code) if !anchor.is_empty() => {
                    let anchor = anchor.trim();
                    if !code.contains(&format!("ANCHOR: {anchor}\n"))
                        || !code.contains(&format!("ANCHOR_END: {anchor}\n"))
                    {
                        broken.push(format!("{}: no anchor {anchor} in {file}", page.display()));
                    }
                }
                Ok(_) => {}
            }
        }
        for link in between(&text, "](", ')') {
            if link.starts_with("http") || link.starts_with('#') {
                continue;
            }
            let file = link.split('#').next().unwrap();
            if !dir.join(file).exists() {
                broken.push(format!("{}: broken link {link}", page.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links or includes in the book:\n  {}",
        broken.join("\n  ")
    );
}
