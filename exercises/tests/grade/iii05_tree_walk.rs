//! Grader for exercise III.5 (`src/part3/tree_walk.rs`).

mod support;

support::exercise!(
    tree_walk,
    "../../src/part3/tree_walk.rs",
    "../../solutions/part3/tree_walk.rs"
);

use std::cell::Cell;
use std::cmp::Ordering;
use std::rc::Rc;

use crate::support::grading;
use crate::support::part3::numbers;
use tree_walk::{in_order, range, Node, Tree};

/// Counts what the walk does to the keys.
#[derive(Debug, Default)]
struct Counts {
    clones: Cell<usize>,
    compares: Cell<usize>,
}

/// A key that counts its clones and comparisons.
#[derive(Debug)]
struct Key {
    value: u32,
    counts: Rc<Counts>,
}

impl Clone for Key {
    fn clone(&self) -> Self {
        self.counts.clones.set(self.counts.clones.get() + 1);
        Key {
            value: self.value,
            counts: self.counts.clone(),
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.counts.compares.set(self.counts.compares.get() + 1);
        self.value.cmp(&other.value)
    }
}

fn values(seed: u64, n: usize) -> Vec<u32> {
    let mut next = numbers(seed);
    (0..n)
        .map(|_| next() as u32 % (3 * n as u32)) // some duplicates
        .collect()
}

/// A tree of `values`, with its counters reset after building it.
fn tree(values: &[u32]) -> (Rc<Tree<Key>>, Rc<Counts>) {
    let counts = Rc::new(Counts::default());
    let mut tree = Tree::new();
    for &value in values {
        tree.insert(Key {
            value,
            counts: counts.clone(),
        });
    }
    counts.clones.set(0);
    counts.compares.set(0);
    (Rc::new(tree), counts)
}

fn key(value: u32, counts: &Rc<Counts>) -> Key {
    Key {
        value,
        counts: counts.clone(),
    }
}

const SEEDS: [u64; 5] = [3, 8, 100, 4_096, 77_777];

#[test]
fn in_order_yields_sorted_keys_cloning_one_per_pull() {
    grading("tree_walk");
    for (i, seed) in SEEDS.into_iter().enumerate() {
        let values = values(seed, [0, 1, 9, 60, 400][i]);
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let (tree, counts) = tree(&values);
        let mut walk = in_order(tree.clone());
        for (pulled, want) in sorted.iter().enumerate() {
            let got = walk.next().map(|k| k.value);
            assert_eq!(
                got,
                Some(*want),
                "key {pulled} of the tree built from {values:?}"
            );
            assert_eq!(
                counts.clones.get(),
                pulled + 1,
                "after {} pulls, {} keys may have been cloned: clone each key only when \
                 it is yielded",
                pulled + 1,
                pulled + 1
            );
        }
        assert!(walk.next().is_none(), "then nothing");
    }
}

/// The nodes a walk that prunes what cannot be in `[low, high)` visits.
fn pruned_visits(node: &Option<Box<Node<Key>>>, low: u32, high: u32) -> usize {
    node.as_ref().map_or(0, |node| {
        let mut visits = 1;
        if low <= node.key.value {
            visits += pruned_visits(&node.left, low, high);
        }
        if node.key.value < high {
            visits += pruned_visits(&node.right, low, high);
        }
        visits
    })
}

#[test]
fn range_yields_the_keys_in_range_and_skips_other_subtrees() {
    grading("tree_walk");
    for seed in SEEDS {
        let values = values(seed, 400);
        let (tree, counts) = tree(&values);
        let low = values[(seed % 400) as usize];
        let high = low + 1 + (seed % 40) as u32;
        let mut want: Vec<u32> = values
            .iter()
            .copied()
            .filter(|v| low <= *v && *v < high)
            .collect();
        want.sort_unstable();
        let visits = pruned_visits(&tree.root, low, high);
        let (lo, hi) = (key(low, &counts), key(high, &counts));
        counts.clones.set(0);
        let mut walk = range(tree.clone(), lo, hi);
        let first = walk.next().map(|k| k.value);
        assert_eq!(
            first,
            want.first().copied(),
            "the first key in {low}..{high}"
        );
        assert_eq!(counts.clones.get(), 1, "one pull, one clone");
        let rest: Vec<u32> = walk.map(|k| k.value).collect();
        assert_eq!(rest, want[1..], "the keys in {low}..{high}, in order");
        assert_eq!(
            counts.clones.get(),
            want.len(),
            "only keys in range are cloned"
        );
        assert!(
            counts.compares.get() <= 4 * visits,
            "range({low}..{high}) on {} keys compared keys {} times: it must not visit the \
             subtrees that cannot hold keys in range (left of a key < low, right of a key \
             >= high)",
            values.len(),
            counts.compares.get()
        );
    }
}

#[test]
fn dropping_a_half_read_walk_releases_the_tree() {
    grading("tree_walk");
    let (tree, _) = tree(&values(9, 50));
    let mut walk = in_order(tree.clone());
    let _ = walk.by_ref().take(10).count();
    assert_eq!(Rc::strong_count(&tree), 2, "the walk holds the tree");
    drop(walk);
    assert_eq!(
        Rc::strong_count(&tree),
        1,
        "dropping the suspended walk unwinds it and drops its handle on the tree"
    );
}
