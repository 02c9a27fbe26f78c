//! Compile-time guarantees of the schedulers (trybuild): the work-queue scheduler refuses
//! closures that are not `Send`, since an unstarted task may start on any worker; a
//! `Generator` moved into such a task is refused with an error that names yieldpoint's rule
//! (`generator_into_work_queue.rs`: "`(dyn StaysOnItsThread + 'static)` cannot be sent");
//! and `yieldpoint::spawn` needs `Send` even inside `RoundRobin::block_on`, with an error
//! whose quoted bound points at `spawn_local` (`spawn_rc_in_round_robin.rs`,
//! `spawn_rc_inside_task.rs`).

#[test]
fn sched_compile_fail() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/sched/*.rs");
}
