//! Grader for exercise II.6 (`src/part2/buffered_writer.rs`).

use crate::grading;
use exercises::hint;
use exercises::part2::buffered_writer::{writer, Batches, Flush};
use yieldpoint::Lifecycle;

fn send_all(w: &mut yieldpoint::Coroutine<String, (), ()>, lines: &[&str]) {
    for line in lines {
        let _ = w.send(line.to_string());
    }
}

// ANCHOR: example_test
#[test]
fn close_writes_the_last_partial_batch() {
    grading("buffered_writer");
    let out = Batches::default();
    let mut w = writer(2, out.clone());
    send_all(&mut w, &["a", "b", "c", "d", "e"]);
    assert_eq!(
        *out.borrow(),
        [["a", "b"], ["c", "d"]],
        "full batches are written as they fill{}",
        hint("buffered_writer")
    );
    w.close();
    assert_eq!(
        *out.borrow(),
        [vec!["a", "b"], vec!["c", "d"], vec!["e"]],
        "close() writes the rest{}",
        hint("buffered_writer")
    );
    assert_eq!(
        w.state(),
        Lifecycle::Closed,
        "closed{}",
        hint("buffered_writer")
    );
}
// ANCHOR_END: example_test

#[test]
fn close_with_an_empty_buffer_writes_no_empty_batch() {
    grading("buffered_writer");
    let out = Batches::default();
    let mut w = writer(2, out.clone());
    send_all(&mut w, &["a", "b"]);
    w.close();
    assert_eq!(
        *out.borrow(),
        [["a", "b"]],
        "no empty batch on close{}",
        hint("buffered_writer")
    );
}

#[test]
fn drop_flushes_like_close() {
    grading("buffered_writer");
    let out = Batches::default();
    let mut w = writer(3, out.clone());
    send_all(&mut w, &["x", "y"]);
    drop(w);
    assert_eq!(
        *out.borrow(),
        [["x", "y"]],
        "dropping a suspended writer unwinds it{}",
        hint("buffered_writer")
    );
}

#[test]
fn close_before_the_first_send_writes_nothing() {
    grading("buffered_writer");
    let out = Batches::default();
    let mut w = writer(2, out.clone());
    w.close();
    assert!(
        out.borrow().is_empty(),
        "the body never ran: no guard, nothing to write{}",
        hint("buffered_writer")
    );
    assert_eq!(
        w.state(),
        Lifecycle::Closed,
        "closed without running{}",
        hint("buffered_writer")
    );
}

#[test]
fn capacity_one_and_zero_write_every_line() {
    grading("buffered_writer");
    for capacity in [0, 1] {
        let out = Batches::default();
        let mut w = writer(capacity, out.clone());
        send_all(&mut w, &["p", "q"]);
        assert_eq!(
            *out.borrow(),
            [["p"], ["q"]],
            "capacity {capacity}: one line per batch{}",
            hint("buffered_writer")
        );
        w.close();
        assert_eq!(
            out.borrow().len(),
            2,
            "capacity {capacity}: nothing left at close{}",
            hint("buffered_writer")
        );
    }
}

#[test]
fn flush_guard_on_its_own() {
    grading("buffered_writer");
    let out = Batches::default();
    drop(Flush {
        buffer: vec!["z".into()],
        out: out.clone(),
    });
    drop(Flush {
        buffer: vec![],
        out: out.clone(),
    });
    assert_eq!(
        *out.borrow(),
        [["z"]],
        "Flush writes a non-empty buffer and skips an empty one{}",
        hint("buffered_writer")
    );
}
