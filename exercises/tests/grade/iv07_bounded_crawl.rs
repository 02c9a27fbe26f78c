//! Grader for exercise IV.7 (`src/part4/bounded_crawl.rs`): fake fetches that yield a
//! generated number of times and count how many run at once, on a round-robin scheduler.

mod support;

support::exercise!(
    bounded_crawl,
    "../../src/part4/bounded_crawl.rs",
    "../../solutions/part4/bounded_crawl.rs"
);

use std::cell::RefCell;
use std::rc::Rc;

use crate::support::gen::Rng;
use crate::support::grading;
use bounded_crawl::{crawl, Fetch};
use yieldpoint::sched::RoundRobin;

/// What the fake fetches saw during one crawl.
#[derive(Debug, Default)]
struct Seen {
    /// `"start URL"` and `"end URL"`, in the order they happened.
    log: Vec<String>,
    running: usize,
    most: usize,
}

/// Crawls `urls` with `limit` on a fresh round-robin scheduler; the fetch of URL `i`
/// yields `delays[i]` times. Returns the pages and what the fetches saw.
fn crawl_once(urls: &[String], delays: &[u32], limit: usize) -> (Vec<String>, Seen) {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let fetch: Fetch = {
        let seen = seen.clone();
        let delays: Vec<(String, u32)> = urls.iter().cloned().zip(delays.iter().copied()).collect();
        Rc::new(move |url: &str| {
            let delay = delays.iter().find(|(u, _)| u == url).map_or(0, |(_, d)| *d);
            {
                let mut seen = seen.borrow_mut();
                seen.log.push(format!("start {url}"));
                seen.running += 1;
                seen.most = seen.most.max(seen.running);
            }
            for _ in 0..delay {
                yieldpoint::yield_now(); // waiting for the network
            }
            let mut seen = seen.borrow_mut();
            seen.running -= 1;
            seen.log.push(format!("end {url}"));
            format!("<page of {url}>")
        })
    };
    let list = urls.to_vec();
    let pages = RoundRobin::new().block_on(move || crawl(&list, limit, fetch));
    let seen = Rc::try_unwrap(seen)
        .map_err(|_| ())
        .expect("the crawl's tasks have ended and dropped the fetch")
        .into_inner();
    (pages, seen)
}

fn urls(n: usize, rng: &mut Rng) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://{}.example/{i}", rng.word(5)))
        .collect()
}

/// Every rule on one crawl, run twice.
fn check(urls: &[String], delays: &[u32], limit: usize) {
    let what = format!(
        "{} URLs, limit {limit}, fetch delays {delays:?}",
        urls.len()
    );
    let (pages, seen) = crawl_once(urls, delays, limit);
    let want: Vec<String> = urls.iter().map(|u| format!("<page of {u}>")).collect();
    assert_eq!(pages, want, "the pages, in the order of the URLs ({what})");
    for url in urls {
        let starts = seen
            .log
            .iter()
            .filter(|l| **l == format!("start {url}"))
            .count();
        assert_eq!(starts, 1, "{url} must be fetched exactly once ({what})");
    }
    assert!(
        seen.most <= limit,
        "{} fetches ran at once; the limit is {limit} ({what})\nlog: {:#?}",
        seen.most,
        seen.log
    );
    // The first `limit` fetches all run at once only if each of them yields at least once:
    // a fetch that does not yield ends, and frees its permit, before the next task starts.
    let first = limit.min(urls.len());
    if delays[..first].iter().all(|&d| d >= 1) {
        assert_eq!(
            seen.most, first,
            "at most {} fetches ran at once: the crawl must use all {limit} permits ({what})",
            seen.most
        );
    }
    let starts: Vec<&String> = seen.log.iter().filter(|l| l.starts_with("start")).collect();
    let in_order: Vec<String> = urls.iter().map(|u| format!("start {u}")).collect();
    assert!(
        starts.iter().zip(&in_order).all(|(a, b)| *a == b),
        "the fetches must start in the order of the URLs (the semaphore is first come, first \
         served; a task per URL, spawned in order) ({what})"
    );
    let (_, again) = crawl_once(urls, delays, limit);
    assert_eq!(
        again.log, seen.log,
        "the same crawl on a round-robin scheduler must run in the same order every time \
         ({what})"
    );
}

// ANCHOR: example_test
#[test]
fn three_urls_two_at_a_time() {
    grading("bounded_crawl");
    let urls: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    let (pages, seen) = crawl_once(&urls, &[2, 1, 1], 2);
    assert_eq!(pages, ["<page of a>", "<page of b>", "<page of c>"]);
    // "a" and "b" start at once; "c" waits for a permit. "b" frees one first, which wakes
    // "c": it goes to the back of the run queue, behind "a", which ends meanwhile.
    assert_eq!(
        seen.log,
        ["start a", "start b", "end b", "end a", "start c", "end c"]
    );
}
// ANCHOR_END: example_test

#[test]
fn concurrency_is_exactly_the_limit() {
    grading("bounded_crawl");
    let mut rng = Rng::new();
    for limit in 1..=5 {
        let n = limit * 3 + rng.below(6);
        let urls = urls(n, &mut rng);
        // Every fetch yields at least once, so the crawl must reach the limit.
        let delays: Vec<u32> = (0..n).map(|_| rng.range(1..5) as u32).collect();
        check(&urls, &delays, limit);
    }
}

#[test]
fn a_limit_above_the_url_count_runs_them_all_at_once() {
    grading("bounded_crawl");
    let mut rng = Rng::new();
    let urls = urls(4, &mut rng);
    check(&urls, &[3, 1, 2, 1], 10);
    check(&[], &[], 3);
}

#[test]
fn a_fetch_that_does_not_yield_frees_its_permit_before_the_next_starts() {
    grading("bounded_crawl");
    let mut rng = Rng::new();
    let urls = urls(5, &mut rng);
    // The fetches of URLs 0 and 3 end without yielding, so no more than three run at once
    // (1, 2 and 4) although four permits are free.
    let (_, seen) = crawl_once(&urls, &[0, 1, 6, 0, 6], 4);
    assert_eq!(seen.most, 3, "log: {:#?}", seen.log);
    check(&urls, &[0, 1, 6, 0, 6], 4);
}

#[test]
fn the_order_is_the_same_every_run() {
    grading("bounded_crawl");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let n = 5 + rng.below(20);
        let urls = urls(n, &mut rng);
        let delays: Vec<u32> = (0..n).map(|_| rng.range(0..8) as u32).collect();
        check(&urls, &delays, 1 + rng.below(4));
    }
}
