//! Compile-time guarantees of the schedulers (trybuild): the work-queue scheduler refuses
//! closures that are not `Send`, since an unstarted task may start on any worker.

#[test]
fn sched_compile_fail() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/sched/*.rs");
}
