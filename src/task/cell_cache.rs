//! A per-thread cache of freed task cells' memory, reused by the next spawn on the thread.
//!
//! Every task is one allocation (`cell.rs`), made at spawn and freed by its last reference.
//! Through the global allocator that pair costs about 150 instructions (glibc's `malloc`
//! and `free` with Rust's wrappers), most of a spawn's allocation work; a pop and a push
//! on a per-thread list cost a tenth of that. A freed cell goes on the list of the thread
//! that drops the last reference, whichever thread allocated it: every block comes from
//! the global allocator with the layout of its size class, so any thread may hand it out
//! again or give it back.
//!
//! # Size classes
//!
//! A cell of `size` bytes and alignment at most [`CLASS_ALIGN`] belongs to class
//! `(size - 1) / CLASS_BYTES` if that is below [`CLASSES`], and gets a block of the class's
//! full size (`CLASS_BYTES * (class + 1)` bytes, aligned to `CLASS_ALIGN`), so cells of
//! different closure types share blocks. Larger or more aligned cells bypass the cache.
//! Each class keeps at most [`CLASS_MAX`] free blocks, the rest go back to the allocator,
//! and so do all of a thread's when it exits.
//!
//! The free blocks of a class form a singly linked list through their first word.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::ptr::{self, NonNull};

/// Granularity of the size classes, in bytes.
const CLASS_BYTES: usize = 64;

/// Number of size classes: cells up to `CLASS_BYTES * CLASSES` = 512 bytes are cached.
const CLASSES: usize = 8;

/// Alignment of every cached block, in bytes; cells that need more bypass the cache.
const CLASS_ALIGN: usize = 16;

/// Free blocks a thread keeps per class, at most.
const CLASS_MAX: usize = 64;

/// A free block: its first word links to the next free block of its class.
struct FreeBlock {
    next: *mut FreeBlock,
}

/// One thread's free lists, one per class.
struct FreeLists {
    /// The first free block of each class (null: none).
    heads: [Cell<*mut FreeBlock>; CLASSES],
    /// How many blocks each list holds.
    lens: [Cell<usize>; CLASSES],
}

thread_local! {
    static FREE: FreeLists = const {
        FreeLists {
            heads: [const { Cell::new(ptr::null_mut()) }; CLASSES],
            lens: [const { Cell::new(0) }; CLASSES],
        }
    };
}

/// The class of `layout` and the layout of that class's blocks; `None` for a cell the
/// cache does not keep.
#[inline]
fn class_of(layout: Layout) -> Option<(usize, Layout)> {
    if layout.align() > CLASS_ALIGN || layout.size() == 0 {
        return None;
    }
    let class = (layout.size() - 1) / CLASS_BYTES;
    if class >= CLASSES {
        return None;
    }
    // Cannot fail: a size of at most 512 bytes and a power-of-two alignment of 16.
    let block = Layout::from_size_align(CLASS_BYTES * (class + 1), CLASS_ALIGN).ok()?;
    Some((class, block))
}

/// Memory for a task cell of `layout`: a cached block of its class, else a new allocation.
///
/// Give it back with [`dealloc`] and the same `layout`.
///
/// A failed allocation, or a zero-sized `layout` (a task cell never is one), goes to
/// [`alloc::handle_alloc_error`], which aborts.
#[inline]
pub(super) fn alloc(layout: Layout) -> NonNull<u8> {
    let Some((class, block)) = class_of(layout) else {
        return global_alloc(layout);
    };
    let cached = FREE
        .try_with(|free| {
            let head = NonNull::new(free.heads[class].get())?;
            // SAFETY: a block on a list is a free block of this class that `dealloc` wrote
            // a `FreeBlock` into and nothing else has touched since; this thread owns it.
            let next = unsafe { head.as_ptr().read().next };
            free.heads[class].set(next);
            free.lens[class].set(free.lens[class].get() - 1);
            Some(head.cast::<u8>())
        })
        .ok()
        .flatten();
    cached.unwrap_or_else(|| global_alloc(block))
}

/// Gives back the memory of a task cell of `layout`: to this thread's cache if its class
/// has room, else to the global allocator.
///
/// # Safety
///
/// `block` came from [`alloc()`] with this `layout`, the cell in it has been dropped, and
/// nothing uses it any more.
#[inline]
pub(super) unsafe fn dealloc(block: NonNull<u8>, layout: Layout) {
    let Some((class, class_layout)) = class_of(layout) else {
        // SAFETY: per the contract, `alloc` made `block` with `global_alloc(layout)`.
        return unsafe { alloc::dealloc(block.as_ptr(), layout) };
    };
    let cached = FREE
        .try_with(|free| {
            let len = free.lens[class].get();
            if len >= CLASS_MAX {
                return false;
            }
            let block = block.cast::<FreeBlock>();
            // SAFETY: `block` is a block of this class (at least 64 bytes, 16-aligned) that
            // nobody uses any more, so this thread may write the link into it.
            unsafe {
                block.as_ptr().write(FreeBlock {
                    next: free.heads[class].get(),
                })
            };
            free.heads[class].set(block.as_ptr());
            free.lens[class].set(len + 1);
            true
        })
        .unwrap_or(false);
    if !cached {
        // SAFETY: per the contract, `block` was allocated by the global allocator with
        // the class's layout (by `alloc`, on this thread or another).
        unsafe { alloc::dealloc(block.as_ptr(), class_layout) };
    }
}

/// A new allocation of `layout` from the global allocator.
fn global_alloc(layout: Layout) -> NonNull<u8> {
    if layout.size() == 0 {
        alloc::handle_alloc_error(layout);
    }
    // SAFETY: `layout` has a non-zero size (checked above).
    let block = unsafe { alloc::alloc(layout) };
    NonNull::new(block).unwrap_or_else(|| alloc::handle_alloc_error(layout))
}

impl Drop for FreeLists {
    /// Gives every cached block back to the global allocator when the thread exits.
    fn drop(&mut self) {
        for (class, head) in self.heads.iter().enumerate() {
            let block = Layout::from_size_align(CLASS_BYTES * (class + 1), CLASS_ALIGN)
                .expect("a valid class layout");
            let mut next = head.replace(ptr::null_mut());
            while !next.is_null() {
                // SAFETY: `next` is a free block on this list (see `alloc`); it is read
                // before it is freed.
                let after = unsafe { next.read().next };
                // SAFETY: every block on the list was allocated with the class's layout.
                unsafe { alloc::dealloc(next.cast(), block) };
                next = after;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{alloc, dealloc, CLASS_MAX};
    use std::alloc::Layout;

    /// A freed block of a class is handed out again to a cell of another size in it.
    #[test]
    fn a_freed_block_is_reused_within_its_class() {
        std::thread::spawn(|| {
            let first = Layout::from_size_align(100, 8).unwrap();
            let block = alloc(first);
            // SAFETY: from `alloc(first)`, unused.
            unsafe { dealloc(block, first) };
            let second = Layout::from_size_align(120, 16).unwrap();
            let again = alloc(second);
            assert_eq!(
                again, block,
                "same class (65..=128 bytes): the block is reused"
            );
            // SAFETY: from `alloc(second)`, unused.
            unsafe { dealloc(again, second) };
        })
        .join()
        .unwrap();
    }

    /// A class keeps at most `CLASS_MAX` blocks; big or over-aligned cells bypass it.
    #[test]
    fn the_cache_is_bounded_and_skips_what_it_does_not_keep() {
        std::thread::spawn(|| {
            let layout = Layout::from_size_align(200, 8).unwrap();
            let blocks: Vec<_> = (0..CLASS_MAX + 5).map(|_| alloc(layout)).collect();
            for &block in &blocks {
                // SAFETY: from `alloc(layout)`, unused.
                unsafe { dealloc(block, layout) };
            }
            let len = super::FREE.with(|free| free.lens[3].get());
            assert_eq!(len, CLASS_MAX);
            for layout in [
                Layout::from_size_align(4096, 8).unwrap(),
                Layout::from_size_align(64, 64).unwrap(),
            ] {
                let block = alloc(layout);
                // SAFETY: from `alloc(layout)`, unused.
                unsafe { dealloc(block, layout) };
            }
        })
        .join()
        .unwrap();
    }
}
