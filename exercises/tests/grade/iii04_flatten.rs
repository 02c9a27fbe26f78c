//! Grader for exercise III.4 (`src/part3/flatten.rs`).

mod support;

support::exercise!(
    flatten,
    "../../src/part3/flatten.rs",
    "../../solutions/part3/flatten.rs"
);

use std::cell::Cell;
use std::rc::Rc;

use crate::support::grading;
use crate::support::part3::{in_child, numbers, run_child};
use flatten::{flatten, Nested};

/// A nested list as the grader sees it.
#[derive(Debug, Clone)]
enum Shape {
    Leaf(i64),
    List(Vec<Shape>),
}

fn shape(seed: u64, depth: u32) -> Shape {
    fn grow(next: &mut impl FnMut() -> u64, depth: u32) -> Shape {
        if depth == 0 || next() % 3 == 0 {
            return Shape::Leaf(next() as i64 % 1000 - 500);
        }
        Shape::List((0..next() % 5).map(|_| grow(next, depth - 1)).collect())
    }
    let mut next = numbers(seed);
    Shape::List(
        (0..3 + next() % 4)
            .map(|_| grow(&mut next, depth))
            .collect(),
    )
}

/// The lazy `Nested` for `shape`: each item pulled from a list counts one in `pulled`.
fn nested(shape: Shape, pulled: &Rc<Cell<usize>>) -> Nested<i64> {
    match shape {
        Shape::Leaf(v) => Nested::Leaf(v),
        Shape::List(items) => {
            let pulled = pulled.clone();
            Nested::List(Box::new(items.into_iter().map(move |item| {
                pulled.set(pulled.get() + 1);
                nested(item, &pulled)
            })))
        }
    }
}

/// The leaves in order, each with the number of items a lazy flatten has pulled when it
/// yields that leaf; and the number of items in all.
fn expected(shape: &Shape) -> (Vec<(i64, usize)>, usize) {
    fn visit(shape: &Shape, pulled: &mut usize, leaves: &mut Vec<(i64, usize)>) {
        match shape {
            Shape::Leaf(v) => leaves.push((*v, *pulled)),
            Shape::List(items) => {
                for item in items {
                    *pulled += 1;
                    visit(item, pulled, leaves);
                }
            }
        }
    }
    let (mut pulled, mut leaves) = (0, Vec::new());
    visit(shape, &mut pulled, &mut leaves);
    (leaves, pulled)
}

const SEEDS: [u64; 6] = [1, 5, 42, 77, 1000, 31_337];
const STACK: usize = 256 * 1024;

#[test]
fn leaves_come_in_order_and_lazily() {
    grading("flatten");
    for seed in SEEDS {
        let shape = shape(seed, 2 + (seed % 5) as u32);
        let (leaves, items) = expected(&shape);
        let pulled = Rc::new(Cell::new(0));
        let mut g = flatten(nested(shape.clone(), &pulled), STACK);
        assert_eq!(pulled.get(), 0, "creating the generator pulls nothing");
        for (i, &(leaf, pulled_by_then)) in leaves.iter().enumerate() {
            assert_eq!(g.next(), Some(leaf), "leaf {i} of {shape:?}");
            assert_eq!(
                pulled.get(),
                pulled_by_then,
                "when leaf {i} is yielded, only the items up to it have been pulled from \
                 their lists (no reading ahead)"
            );
        }
        assert_eq!(g.next(), None, "no more leaves");
        assert_eq!(pulled.get(), items, "every item was pulled once");
    }
}

#[test]
fn the_generator_is_named_flatten() {
    grading("flatten");
    let g = flatten(Nested::Leaf(1), STACK);
    assert_eq!(g.name(), Some("flatten"), "build it with Builder::name");
}

#[test]
fn dropping_a_half_read_flatten_drops_its_lists() {
    grading("flatten");
    for seed in SEEDS {
        let shape = shape(seed, 4);
        let (leaves, _) = expected(&shape);
        let pulled = Rc::new(Cell::new(0));
        let mut g = flatten(nested(shape, &pulled), STACK);
        let _ = g.by_ref().take(leaves.len() / 2).count();
        drop(g);
        assert_eq!(
            Rc::strong_count(&pulled),
            1,
            "dropping the generator unwinds its stack and drops every list it held"
        );
    }
}

/// A chain of `depth` lists, each holding the next, with one leaf at the bottom.
fn chain(depth: usize) -> Nested<i64> {
    (0..depth).fold(Nested::Leaf(7), |inner, _| {
        Nested::List(Box::new(std::iter::once(inner)))
    })
}

#[test]
fn a_deep_chain_completes_on_a_big_stack() {
    grading("flatten");
    let name = "a_deep_chain_completes_on_a_big_stack";
    if in_child(name) {
        let leaves: Vec<i64> = flatten(chain(10_000), 64 << 20).collect();
        assert_eq!(leaves, [7]);
        return;
    }
    let child = run_child(name);
    assert!(
        child.status.success(),
        "a 10,000-deep chain on a 64 MiB stack yields its one leaf; the run printed:\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
}

#[test]
fn a_deep_chain_overflows_a_small_stack_by_name() {
    grading("flatten");
    let name = "a_deep_chain_overflows_a_small_stack_by_name";
    if in_child(name) {
        let _ = flatten(chain(10_000), 32 * 1024).count();
        return; // a correct flatten never gets here
    }
    let child = run_child(name);
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(
        !child.status.success()
            && stderr.contains("coroutine \"flatten\" has overflowed its stack (32768 bytes)"),
        "a 10,000-deep chain does not fit in 32 KiB: the process must stop with yieldpoint's \
         report naming the coroutine \"flatten\"; it printed:\n{stderr}"
    );
}
