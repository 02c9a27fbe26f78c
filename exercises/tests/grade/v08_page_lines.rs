//! Grader for exercise V.8 (`src/part5/page_lines.rs`): the learner's async generator,
//! polled as a `Stream` by hand with a waker that counts its wakes, over generated pages
//! whose fetches are pending a generated number of polls (each waking its waker, as a
//! future that makes progress does). It checks the items, when each fetch starts, that
//! every wait shows as `Pending` to the consumer, and the cleanup on early drops.

mod support;

support::exercise!(
    page_lines,
    "../../src/part5/page_lines.rs",
    "../../solutions/part5/page_lines.rs"
);

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use crate::support::bridges::CountingWaker;
use crate::support::gen::Rng;
use crate::support::grading;
use page_lines::{page_lines, Fetch, Log};
use yieldpoint::AsyncGenerator;

/// The fetch of one page: pending for `pending` polls (waking its waker each time, as a
/// future that made progress does), then the page's text. Logs `"dropped fetch URL"` if it
/// is dropped before it is done.
struct PageFetch {
    url: String,
    text: String,
    pending: usize,
    done: bool,
    log: Log,
}

impl Future for PageFetch {
    type Output = String;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        if self.pending > 0 {
            self.pending -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.done = true;
        Poll::Ready(self.text.clone())
    }
}

impl Drop for PageFetch {
    fn drop(&mut self) {
        if !self.done {
            self.log
                .borrow_mut()
                .push(format!("dropped fetch {}", self.url));
        }
    }
}

/// A site: each URL's text and how many polls its fetch stays pending.
#[derive(Clone, Debug)]
struct Site(Vec<(String, String, usize)>);

impl Site {
    fn urls(&self) -> Vec<String> {
        self.0.iter().map(|(url, _, _)| url.clone()).collect()
    }

    fn fetch(&self, log: &Log) -> Fetch {
        let (site, log) = (self.clone(), log.clone());
        Rc::new(move |url: &str| {
            let (_, text, pending) = site
                .0
                .iter()
                .find(|(u, _, _)| u == url)
                .unwrap_or_else(|| panic!("fetch of an unknown URL {url:?}"))
                .clone();
            Box::pin(PageFetch {
                url: url.to_string(),
                text,
                pending,
                done: false,
                log: log.clone(),
            })
        })
    }

    fn generated(rng: &mut Rng) -> Site {
        let pages = 1 + rng.below(5);
        Site(
            (0..pages)
                .map(|p| {
                    let lines: Vec<String> = (0..rng.below(4))
                        .map(|l| format!("{} {p}.{l}", rng.word(4)))
                        .collect();
                    (
                        format!("https://{}.example/{p}", rng.word(5)),
                        lines.join("\n"),
                        rng.below(4),
                    )
                })
                .collect(),
        )
    }
}

/// One `poll_next` with `waker`.
fn poll_next(stream: &mut AsyncGenerator<String>, waker: &Waker) -> Poll<Option<String>> {
    Pin::new(stream).poll_next(&mut Context::from_waker(waker))
}

fn new_log() -> Log {
    Rc::new(RefCell::new(Vec::new()))
}

fn log_of(log: &Log) -> Vec<String> {
    log.borrow().clone()
}

// ANCHOR: example_test
#[test]
fn two_pages_one_poll_at_a_time() {
    grading("page_lines");
    let site = Site(vec![
        ("a".into(), "1\n2".into(), 1), // pending for one poll
        ("b".into(), "3".into(), 0),
    ]);
    let log = new_log();
    let mut lines = page_lines(site.urls(), site.fetch(&log), log.clone());
    let (counter, waker) = CountingWaker::new();
    assert!(
        log_of(&log).is_empty(),
        "nothing runs before the first poll"
    );
    assert_eq!(
        poll_next(&mut lines, &waker),
        Poll::Pending,
        "the fetch of a waits"
    );
    assert_eq!(log_of(&log), ["fetch a"]);
    assert_eq!(counter.wakes(), 1, "the fetch woke the stream's consumer");
    assert_eq!(poll_next(&mut lines, &waker), Poll::Ready(Some("1".into())));
    assert_eq!(poll_next(&mut lines, &waker), Poll::Ready(Some("2".into())));
    assert_eq!(
        log_of(&log),
        ["fetch a"],
        "b is fetched only when its lines are wanted"
    );
    assert_eq!(poll_next(&mut lines, &waker), Poll::Ready(Some("3".into())));
    assert_eq!(poll_next(&mut lines, &waker), Poll::Ready(None));
    assert_eq!(log_of(&log), ["fetch a", "fetch b", "closed"]);
}
// ANCHOR_END: example_test

#[test]
fn generated_sites_lazily_with_every_wait_seen() {
    grading("page_lines");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let site = Site::generated(&mut rng);
        let what = format!("site {site:?}");
        let log = new_log();
        let mut lines = page_lines(site.urls(), site.fetch(&log), log.clone());
        let (counter, waker) = CountingWaker::new();
        let mut pendings = 0;
        let mut got = Vec::new();
        for _ in 0..1000 {
            match poll_next(&mut lines, &waker) {
                Poll::Pending => pendings += 1,
                Poll::Ready(Some(line)) => {
                    // The page this line is from is the last one fetched so far.
                    let page = site
                        .0
                        .iter()
                        .position(|(_, text, _)| text.lines().any(|l| l == line))
                        .unwrap_or_else(|| panic!("{line:?} is on no page ({what})"));
                    let fetched = log_of(&log)
                        .iter()
                        .filter(|l| l.starts_with("fetch "))
                        .count();
                    assert_eq!(
                        fetched,
                        page + 1,
                        "when {line:?} (page {page}) is taken, pages 0 to {page} are fetched, \
                         no more ({what})"
                    );
                    got.push(line);
                }
                Poll::Ready(None) => break,
            }
        }
        let want: Vec<String> = site
            .0
            .iter()
            .flat_map(|(_, text, _)| text.lines().map(String::from))
            .collect();
        assert_eq!(got, want, "the lines of every page, in order ({what})");
        let waits: usize = site.0.iter().map(|(_, _, p)| p).sum();
        assert_eq!(
            pendings, waits,
            "poll_next returns Pending once per poll a fetch is pending ({what})"
        );
        assert_eq!(
            counter.wakes(),
            waits,
            "each fetch's wake reaches the stream's consumer: the fetch is polled with the \
             waker of poll_next ({what})"
        );
        let mut want_log: Vec<String> = site.urls().iter().map(|u| format!("fetch {u}")).collect();
        want_log.push("closed".into());
        assert_eq!(log_of(&log), want_log, "({what})");
        assert_eq!(
            poll_next(&mut lines, &waker),
            Poll::Ready(None),
            "ended stays ended"
        );
    }
}

#[test]
fn dropped_early_it_closes_once() {
    grading("page_lines");
    let mut rng = Rng::new();
    for _ in 0..10 {
        let site = Site::generated(&mut rng);
        let total: usize = site.0.iter().map(|(_, t, _)| t.lines().count()).sum();
        if total == 0 {
            continue;
        }
        let take = 1 + rng.below(total);
        let what = format!("{take} lines taken of {site:?}");
        let log = new_log();
        let mut lines = page_lines(site.urls(), site.fetch(&log), log.clone());
        let (_, waker) = CountingWaker::new();
        let mut got = 0;
        while got < take {
            if let Poll::Ready(item) = poll_next(&mut lines, &waker) {
                assert!(item.is_some(), "ended early ({what})");
                got += 1;
            }
        }
        let before = log_of(&log);
        drop(lines);
        let after = log_of(&log);
        assert_eq!(
            after.len(),
            before.len() + 1,
            "dropping the stream adds one entry to the log ({what}): {after:?}"
        );
        assert_eq!(
            after.last().map(String::as_str),
            Some("closed"),
            "dropping the stream early runs the body's cleanup ({what})"
        );
    }
}

#[test]
fn dropped_during_a_fetch_it_drops_the_fetch_then_closes() {
    grading("page_lines");
    let site = Site(vec![("slow".into(), "never seen".into(), 3)]);
    let log = new_log();
    let mut lines = page_lines(site.urls(), site.fetch(&log), log.clone());
    let (_, waker) = CountingWaker::new();
    assert_eq!(poll_next(&mut lines, &waker), Poll::Pending);
    drop(lines);
    assert_eq!(
        log_of(&log),
        ["fetch slow", "dropped fetch slow", "closed"],
        "the awaited fetch is dropped where the body waits, then the cleanup runs"
    );
}

#[test]
fn never_polled_it_never_runs() {
    grading("page_lines");
    let site = Site(vec![("a".into(), "1".into(), 0)]);
    let log = new_log();
    drop(page_lines(site.urls(), site.fetch(&log), log.clone()));
    assert!(
        log_of(&log).is_empty(),
        "a stream dropped before its first poll never started: no fetch, nothing to close \
         (Python: an async generator never iterated has no finally to run)"
    );
    let empty = Site(vec![]);
    let log = new_log();
    let mut lines = page_lines(vec![], empty.fetch(&log), log.clone());
    let (_, waker) = CountingWaker::new();
    assert_eq!(
        poll_next(&mut lines, &waker),
        Poll::Ready(None),
        "no URLs: no lines"
    );
    assert_eq!(log_of(&log), ["closed"]);
}
