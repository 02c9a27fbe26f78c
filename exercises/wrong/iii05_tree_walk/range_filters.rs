//! Known-wrong solution of exercise III.5 (cheat class: easy inputs only (range never checked for skipped subtrees)).
//!
//! See the `// WRONG:` comment below.
//!
//! Exercise III.5: walk a binary search tree lazily, with plain recursion (PEP 380)
//!
//! You learn to write tree traversals as generators: the recursive helper takes the body's
//! `&Yielder`, visits a subtree only when the caller pulls far enough, and skips the
//! subtrees a range query does not need.
//!
//! ```python
//! # Python 3.3
//! def in_order(node):
//!     if node is not None:
//!         yield from in_order(node.left)
//!         yield node.key
//!         yield from in_order(node.right)
//! ```

use std::rc::Rc;

use yieldpoint::{Generator, Yielder};

/// A node of a binary search tree: smaller keys on the left.
#[derive(Debug)]
pub struct Node<T> {
    /// The node's key.
    pub key: T,
    /// Keys smaller than `key`.
    pub left: Option<Box<Node<T>>>,
    /// Keys not smaller than `key`.
    pub right: Option<Box<Node<T>>>,
}

/// A binary search tree (not balanced).
#[derive(Debug)]
pub struct Tree<T> {
    /// The root, `None` for an empty tree.
    pub root: Option<Box<Node<T>>>,
}

impl<T: Ord> Tree<T> {
    /// An empty tree.
    pub fn new() -> Self {
        Tree { root: None }
    }

    /// Inserts `key` (equal keys go right).
    pub fn insert(&mut self, key: T) {
        let mut slot = &mut self.root;
        while let Some(node) = slot {
            slot = if key < node.key {
                &mut node.left
            } else {
                &mut node.right
            };
        }
        *slot = Some(Box::new(Node {
            key,
            left: None,
            right: None,
        }));
    }
}

impl<T: Ord> Default for Tree<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Yields clones of the keys of `tree` in ascending order, cloning each key only when it
/// is yielded.
pub fn in_order<T: Clone + 'static>(tree: Rc<Tree<T>>) -> Generator<T> {
    Generator::new(move |co| walk(co, &tree.root))
}

fn walk<T: Clone>(co: &Yielder<(), T>, node: &Option<Box<Node<T>>>) {
    if let Some(node) = node {
        walk(co, &node.left);
        co.yield_(node.key.clone());
        walk(co, &node.right);
    }
}

/// Yields clones of the keys `k` of `tree` with `low <= k < high`, in ascending order,
/// without visiting the subtrees that cannot hold such keys.
pub fn range<T: Ord + Clone + 'static>(tree: Rc<Tree<T>>, low: T, high: T) -> Generator<T> {
    // WRONG: walks the whole tree and filters: it visits every subtree.
    Generator::new(move |co| {
        for key in in_order(tree) {
            if low <= key && key < high {
                co.yield_(key);
            }
        }
    })
}

fn walk_range<T: Ord + Clone>(co: &Yielder<(), T>, node: &Option<Box<Node<T>>>, low: &T, high: &T) {
    if let Some(node) = node {
        let above_low = *low <= node.key;
        if above_low {
            walk_range(co, &node.left, low, high);
        }
        if above_low && node.key < *high {
            co.yield_(node.key.clone());
        }
        if node.key < *high {
            walk_range(co, &node.right, low, high);
        }
    }
}
