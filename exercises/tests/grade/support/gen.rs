//! What the graders check with: inputs generated anew on every run, sources that count what
//! is pulled from them, and an allocator that counts what a body allocates.
//!
//! - [`Rng`]: a small pseudo-random generator seeded from the clock, so that no answer can
//!   be written down in advance. A failing grader names the input it used.
//! - [`counted`]: an endless or finite source that counts every item pulled from it, the
//!   measure of laziness ("pulled no more than it yielded").
//! - [`allocated_by`]: the bytes the calling thread allocates while a closure runs (a
//!   coroutine body runs on its own stack but on this thread): an eager body that collects
//!   its items before yielding the first allocates them all.
//! - [`bounded`]: at most `limit` items of an iterator, and a failure with a message, not a
//!   hang or an out-of-memory abort, when a wrong exercise yields without end.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::rc::Rc;

/// A xorshift64* generator: fast, good enough for test inputs, seeded from the clock.
pub struct Rng(u64);

impl Rng {
    /// A generator with a seed from the clock and the calling test's thread.
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let thread = Box::new(0u8);
        let address = &*thread as *const u8 as u64;
        Rng((nanos ^ address.rotate_left(32)) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `range`.
    pub fn range(&mut self, range: std::ops::Range<u64>) -> u64 {
        range.start + self.next_u64() % (range.end - range.start).max(1)
    }

    /// A `usize` in `range`.
    pub fn below(&mut self, end: usize) -> usize {
        self.range(0..end as u64) as usize
    }

    /// The numbers `0..n` in a random order.
    pub fn shuffled(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, self.below(i + 1));
        }
        order
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.range(0..n) == 0
    }

    /// One element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A line of lower-case words; with `pattern` inserted somewhere (at the start, in the
    /// middle or at the end of a word) if `hit`. `pattern` should not be lower-case letters
    /// only, so that it appears only where it is inserted.
    pub fn line_with(&mut self, pattern: &str, hit: bool) -> String {
        let mut words: Vec<String> = (0..self.range(1..6))
            .map(|_| {
                let len = self.range(1..6) as usize;
                self.word(len)
            })
            .collect();
        if hit {
            let word = self.below(words.len());
            let at = self.below(words[word].len() + 1);
            words[word].insert_str(at, pattern);
        }
        words.join(" ")
    }

    /// A word of `len` lower-case letters.
    pub fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'a' + self.range(0..26) as u8))
            .collect()
    }
}

/// `text` as a `&'static str`, for the exercises that take `'static` input.
pub fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// `items` as a source that counts every item pulled from it.
pub fn counted<I>(items: I) -> (impl Iterator<Item = I::Item> + 'static, Rc<Cell<usize>>)
where
    I: IntoIterator,
    I::IntoIter: 'static,
{
    let pulled = Rc::new(Cell::new(0));
    let count = pulled.clone();
    let source = items
        .into_iter()
        .inspect(move |_| count.set(count.get() + 1));
    (source, pulled)
}

/// At most `limit` items of `items`; panics with `what` if there are more (a wrong exercise
/// that never ends fails here instead of hanging or running out of memory).
#[track_caller]
pub fn bounded<T>(items: impl IntoIterator<Item = T>, limit: usize, what: &str) -> Vec<T> {
    let mut got = Vec::new();
    for item in items {
        assert!(
            got.len() < limit,
            "{what}: yielded more than {limit} items; it should have ended by then"
        );
        got.push(item);
    }
    got
}

/// The global allocator of the grader: the system's, counting the bytes each thread asks for.
struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to `System`; the counter is a const-initialised
// thread-local `Cell`, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|n| n.set(n.get().saturating_add(layout.size())));
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let grown = new_size.saturating_sub(layout.size());
        let _ = ALLOCATED.try_with(|n| n.set(n.get().saturating_add(grown)));
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `f`'s result and the bytes the calling thread allocated while it ran.
pub fn allocated_by<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATED.with(Cell::get);
    let result = f();
    (result, ALLOCATED.with(Cell::get) - before)
}

/// What a lazy body may allocate for one item: a little, not a collection of every item.
pub const LAZY_BYTES: usize = 4096;
