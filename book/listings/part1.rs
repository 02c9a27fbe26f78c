//! Part I: Generators (PEP 255). Compiled and run by `tests/book_listings.rs`.

use std::cell::Cell;
use std::rc::Rc;

use yieldpoint::Generator;

// ANCHOR: lazy_squares
/// Yields 0, 1, 4, 9, ... forever; `computed` counts how many squares the body made.
fn squares(computed: Rc<Cell<u32>>) -> Generator<u64> {
    Generator::new(move |co| {
        let mut n = 0u64;
        loop {
            computed.set(computed.get() + 1);
            co.yield_(n * n);
            n += 1;
        }
    })
}
// ANCHOR_END: lazy_squares

// ANCHOR: lazy_test
#[test]
fn the_body_runs_only_as_far_as_the_caller_pulls() {
    let computed = Rc::new(Cell::new(0));
    let mut g = squares(computed.clone());
    assert_eq!(computed.get(), 0, "creating a generator runs nothing");
    let first: Vec<u64> = g.by_ref().take(4).collect();
    assert_eq!(first, [0, 1, 4, 9]);
    assert_eq!(computed.get(), 4, "one square per next()");
    assert_eq!(g.next(), Some(16), "it resumes where it stopped");
}
// ANCHOR_END: lazy_test

const LOG: &str = "\
192.0.2.10 - - [24/Feb/2008:00:08:59 -0600] \"GET /index.html HTTP/1.1\" 200 7587
198.51.100.7 - - [24/Feb/2008:00:10:15 -0600] \"GET /logo.png HTTP/1.1\" 304 -
203.0.113.42 - - [24/Feb/2008:00:12:40 -0600] \"GET /missing.html HTTP/1.1\" 404 312";

// ANCHOR: pipeline
/// Stage 1: the requested path of each line (the field after the method).
fn paths(lines: impl Iterator<Item = &'static str> + 'static) -> Generator<&'static str> {
    Generator::new(move |co| {
        for line in lines {
            if let Some(path) = line.split('"').nth(1).and_then(|req| req.split(' ').nth(1)) {
                co.yield_(path);
            }
        }
    })
}

#[test]
fn a_pull_pipeline() {
    // Stage 2 is an ordinary iterator adapter; stage 3, `count`, pulls everything through.
    let html_pages = paths(LOG.lines()).filter(|p| p.ends_with(".html")).count();
    assert_eq!(html_pages, 2);
}
// ANCHOR_END: pipeline

// ANCHOR: return_value
/// Yields the lines that mention `word` and returns how many lines it read.
fn mentions(word: &'static str, text: &'static str) -> Generator<&'static str, usize> {
    Generator::new(move |co| {
        let mut read = 0;
        for line in text.lines() {
            read += 1;
            if line.contains(word) {
                co.yield_(line);
            }
        }
        read // Python: `return read`, which raises StopIteration(read)
    })
}

#[test]
fn the_return_value_outlives_the_iteration() {
    let mut g = mentions("yield", "def f():\n    yield 1\n    return 2");
    assert_eq!(g.next(), Some("    yield 1"));
    assert_eq!(g.return_value(), None, "still suspended");
    assert_eq!(g.next(), None);
    assert_eq!(g.return_value(), Some(&3));
}
// ANCHOR_END: return_value
