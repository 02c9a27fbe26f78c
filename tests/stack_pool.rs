//! The per-thread stack pool: a finished coroutine's stack is reused by the next one of
//! the same size, instead of a fresh `mmap` per coroutine.

use yieldpoint::coroutine::Builder;
use yieldpoint::stack::DEFAULT_STACK_SIZE;
use yieldpoint::{Coroutine, CoroutineState, Yielder};

/// Creates a coroutine with a `stack_size`-byte stack that yields the address of a local
/// on its stack (where its stack is), and returns that address.
fn stack_address(stack_size: usize) -> usize {
    let mut co: Coroutine<(), usize, ()> = Builder::new()
        .stack_size(stack_size)
        .build(|co: &Yielder<(), usize>, ()| {
            let local = 0_u8;
            co.yield_(std::hint::black_box(&local) as *const u8 as usize);
        })
        .unwrap();
    match co.send(()) {
        CoroutineState::Yielded(address) => address,
        CoroutineState::Complete(()) => unreachable!("the body yields first"),
    }
}

/// Held by the tests that count mappings and by those that map many: the count is the
/// process's, and the tests of this file run in parallel.
static MAPPINGS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Number of memory mappings of this process (lines of `/proc/self/maps`).
fn mapping_count() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .expect("Linux has /proc/self/maps")
        .lines()
        .count()
}

/// A dropped coroutine's stack is taken by the next coroutine of the same size on this
/// thread; a coroutine of another size gets another stack.
#[test]
fn next_coroutine_of_same_size_reuses_the_stack() {
    let first = stack_address(DEFAULT_STACK_SIZE);
    let second = stack_address(DEFAULT_STACK_SIZE);
    assert_eq!(first, second, "the same stack, at the same depth");

    let bigger = stack_address(4 * DEFAULT_STACK_SIZE);
    assert_ne!(
        bigger, first,
        "a 256 KiB coroutine must not get a 64 KiB stack"
    );
    assert_eq!(stack_address(DEFAULT_STACK_SIZE), first);
    assert_eq!(stack_address(4 * DEFAULT_STACK_SIZE), bigger);
}

/// Creating, running and dropping 1,000 coroutines one after another maps no new stacks
/// once the first is pooled (the pool would otherwise fill up with 256 unused stacks,
/// 512 mappings).
#[test]
fn sequential_coroutines_do_not_grow_the_mappings() {
    let _measuring = MAPPINGS.lock().unwrap_or_else(|e| e.into_inner());
    // Warm up: the first stack of this thread, and the handler's registry.
    stack_address(DEFAULT_STACK_SIZE);
    let before = mapping_count();
    for _ in 0..1_000 {
        stack_address(DEFAULT_STACK_SIZE);
    }
    let after = mapping_count();
    // The other test in this file runs in parallel and maps a few stacks of its own.
    assert!(
        after < before + 32,
        "mappings grew from {before} to {after}: stacks are not reused"
    );
}

/// Dropping a work-queue scheduler unmaps the stacks its tasks used (issue 10, item 14):
/// after a spike of 2,000 live tasks, the pool no longer keeps their 4,000 mappings.
#[test]
fn dropping_a_work_queue_unmaps_its_pooled_stacks() {
    use std::sync::Arc;
    use yieldpoint::sched::WorkQueue;
    use yieldpoint::sync::Event;

    const TASKS: usize = 2_000;
    let _measuring = MAPPINGS.lock().unwrap_or_else(|e| e.into_inner());
    let rt = WorkQueue::builder().workers(2).build();
    rt.block_on(|| ()); // the workers' own setup
    let before = mapping_count();
    let gate = Arc::new(Event::new());
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let gate = gate.clone();
            rt.spawn(move || gate.wait())
        })
        .collect();
    let peak = mapping_count();
    gate.set();
    for h in handles {
        h.join().unwrap();
    }
    drop(rt);
    let after = mapping_count();
    assert!(
        peak > before + TASKS,
        "{before} -> {peak}: the spike mapped stacks"
    );
    // The other test in this file maps a few stacks of its own meanwhile.
    assert!(
        after < before + 200,
        "mappings: {before} before the spike, {peak} at its peak, {after} after the drop"
    );
}
