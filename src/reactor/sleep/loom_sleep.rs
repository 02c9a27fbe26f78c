//! Loom model of the sleep flag (`sleep.rs`): an owner thread that runs out of work sleeps
//! (as in its poller; here a loom park, which keeps an unpark as a token as the poller
//! keeps a notification), while another thread publishes work and wakes it. Every
//! interleaving must end with the work taken: a lost wakeup leaves the owner parked and
//! loom reports the deadlock. Checking for work before setting the flag (instead of
//! after) makes it report one.
//!
//! Run: `RUSTFLAGS="--cfg yieldpoint_loom" cargo test --release --lib loom_` (`.ci/run`).

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use super::SleepFlag;

#[test]
fn loom_sleep_work_published_while_the_owner_sleeps_is_taken() {
    loom::model(|| {
        let flag = Arc::new(SleepFlag::default());
        let work = Arc::new(AtomicUsize::new(0));
        let owner = thread::current();
        let waker = {
            let (flag, work) = (flag.clone(), work.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    work.fetch_add(1, Ordering::SeqCst);
                    flag.wake(|| owner.unpark());
                }
            })
        };
        let mut taken = 0;
        while taken < 2 {
            let popped =
                work.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            if popped.is_ok() {
                taken += 1;
                continue;
            }
            flag.sleep(|| work.load(Ordering::SeqCst) > 0, thread::park);
        }
        waker.join().unwrap();
    });
}
