//! Grader for exercise II.6 (`src/part2/buffered_writer.rs`).

mod support;

// The exercise: the learner's file, or its reference solution with `--features solutions`.
#[cfg_attr(
    feature = "solutions",
    path = "../../solutions/part2/buffered_writer.rs"
)]
#[cfg_attr(
    not(feature = "solutions"),
    path = "../../src/part2/buffered_writer.rs"
)]
#[cfg_attr(
    not(feature = "solutions"),
    allow(
        unused_variables,
        unused_mut,
        unused_imports,
        dead_code,
        unreachable_code,
        clippy::ptr_arg
    )
)]
mod buffered_writer;

use crate::support::grading;
use buffered_writer::{writer, Batches, Flush};
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
        "full batches are written as they fill"
    );
    w.close();
    assert_eq!(
        *out.borrow(),
        [vec!["a", "b"], vec!["c", "d"], vec!["e"]],
        "close() writes the rest"
    );
    assert_eq!(w.state(), Lifecycle::Closed, "closed");
}
// ANCHOR_END: example_test

#[test]
fn close_with_an_empty_buffer_writes_no_empty_batch() {
    grading("buffered_writer");
    let out = Batches::default();
    let mut w = writer(2, out.clone());
    send_all(&mut w, &["a", "b"]);
    w.close();
    assert_eq!(*out.borrow(), [["a", "b"]], "no empty batch on close");
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
        "dropping a suspended writer unwinds it"
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
        "the body never ran: no guard, nothing to write"
    );
    assert_eq!(w.state(), Lifecycle::Closed, "closed without running");
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
            "capacity {capacity}: one line per batch"
        );
        w.close();
        assert_eq!(
            out.borrow().len(),
            2,
            "capacity {capacity}: nothing left at close"
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
        "Flush writes a non-empty buffer and skips an empty one"
    );
}

/// Capacities and line counts the learner cannot see in advance; each batch is written as
/// soon as it is full, and the rest when the suspended writer is closed or dropped.
#[test]
fn generated_batches_closed_or_dropped() {
    grading("buffered_writer");
    let mut rng = crate::support::gen::Rng::new();
    for _ in 0..20 {
        let capacity = rng.range(1..6) as usize;
        let count = rng.range(1..20) as usize;
        let lines: Vec<String> = (0..count).map(|i| format!("line {i}")).collect();
        let out = Batches::default();
        let mut w = writer(capacity, out.clone());
        for (i, line) in lines.iter().enumerate() {
            let _ = w.send(line.clone());
            let full = (i + 1) / capacity;
            let want: Vec<&[String]> = lines[..full * capacity].chunks(capacity).collect();
            assert_eq!(
                *out.borrow(),
                want,
                "capacity {capacity}, after {} lines: the full batches",
                i + 1
            );
        }
        let how = if rng.one_in(2) {
            w.close();
            "close()"
        } else {
            drop(w);
            "drop"
        };
        let want: Vec<&[String]> = lines.chunks(capacity).collect();
        assert_eq!(
            *out.borrow(),
            want,
            "capacity {capacity}, {count} lines, then {how}: the rest is written once"
        );
    }
}
