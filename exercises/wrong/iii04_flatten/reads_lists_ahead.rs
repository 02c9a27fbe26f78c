//! Known-wrong solution of exercise III.4 (cheat class: eager instead of lazy (reads each list ahead)).
//!
//! See the `// WRONG:` comment below.
//!
//! Exercise III.4: flatten nested lists lazily, with plain recursion (PEP 380)
//!
//! You learn that a recursive generator is a recursive function in a stackful coroutine:
//! where Python writes `yield from flatten(item)` at each level, the helper calls itself
//! with the body's `&Yielder`. The recursion lives on the coroutine's stack, so its depth is
//! bounded by the stack size you choose.
//!
//! ```python
//! # Python 3.3
//! def flatten(items):
//!     for item in items:
//!         if isinstance(item, list):
//!             yield from flatten(item)
//!         else:
//!             yield item
//! ```

use yieldpoint::coroutine::Builder;
use yieldpoint::{Generator, Yielder};

/// A leaf, or a list whose items are produced lazily by an iterator.
pub enum Nested<T> {
    /// A value.
    Leaf(T),
    /// Items, pulled one at a time.
    List(Box<dyn Iterator<Item = Nested<T>>>),
}

/// Yields the leaves of `tree` in order (depth first, left to right), pulling an item from
/// a list only when the previous one is done. The generator is named `"flatten"` and runs
/// on a stack of `stack_size` bytes (see `Builder::stack_size`).
///
/// # Panics
///
/// If the stack cannot be allocated.
pub fn flatten<T: 'static>(tree: Nested<T>, stack_size: usize) -> Generator<T> {
    Builder::new()
        .name("flatten")
        .stack_size(stack_size)
        .generator(move |co| flatten_into(co, tree))
        .expect("flatten's stack")
}

/// Yields the leaves of `tree` through `co`: calls itself for each sub-list.
fn flatten_into<T>(co: &Yielder<(), T>, tree: Nested<T>) {
    match tree {
        Nested::Leaf(value) => {
            co.yield_(value);
        }
        // WRONG: pulls the whole list first, then flattens its items.
        Nested::List(items) => {
            let items: Vec<Nested<T>> = items.collect();
            for item in items {
                flatten_into(co, item);
            }
        }
    }
}
