//! Time: `sleep`, `sleep_until`, `timeout`, inside and outside a scheduler.
//!
//! Python: `asyncio.sleep`, `asyncio.timeout` / `asyncio.wait_for`. No test passes or fails
//! on how long something took, except that a sleep lasts at least its duration (a
//! guarantee) and generous sanity bounds against hangs.

#[macro_use]
mod support;

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::sched_matrix::wait_for_state;
use support::sync_drop_counter::DropCounter;
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::channel;
use yieldpoint::task::TaskState;
use yieldpoint::time::Elapsed;

const FOREVER: Duration = Duration::from_secs(3600);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

on_both_schedulers! {
    /// Python: `await asyncio.sleep(d)` suspends only the task: others run meanwhile, and the
    /// sleep lasts at least `d`.
    #[test]
    fn sleep_parks_only_the_task() {
        let rt = rt();
        let (slept, others_ran) = rt.block_on(|| {
            let sleeper = yieldpoint::spawn(|| {
                let start = Instant::now();
                yieldpoint::sleep(ms(20));
                start.elapsed()
            });
            let mut spins = 0u32;
            while !sleeper.is_finished() {
                spins += 1;
                yieldpoint::yield_now();
            }
            (sleeper.join().unwrap(), spins)
        });
        assert!(slept >= ms(20), "slept only {slept:?}");
        assert!(others_ran > 0);
    }

    /// `sleep(Duration::MAX)` means "sleep until cancelled"; it must not overflow the clock.
    #[test]
    fn sleep_duration_max_sleeps_until_cancelled() {
        let rt = rt();
        rt.block_on(|| {
            let h = yieldpoint::spawn(|| yieldpoint::sleep(Duration::MAX));
            wait_for_state(&[h.id()], TaskState::Sleeping);
            h.cancel();
            assert!(h.join().unwrap_err().is_cancelled());
        });
    }

    /// Python: `async with asyncio.timeout(60): return 7` -> 7.
    #[test]
    fn timeout_that_completes_in_time_returns_ok() {
        let rt = rt();
        let result = rt.block_on(|| {
            yieldpoint::timeout(ms(60_000), || {
                yieldpoint::sleep(ms(1));
                7
            })
        });
        assert_eq!(result, Ok(7));
    }

    /// A timeout that returned never fires later: sleeping past its deadline afterwards is
    /// not interrupted.
    #[test]
    fn finished_timeout_does_not_fire_later() {
        let rt = rt();
        let after = rt.block_on(|| {
            let quick = yieldpoint::timeout(ms(5), || 1);
            yieldpoint::sleep(ms(20)); // well past the deadline
            quick
        });
        assert_eq!(after, Ok(1));
    }

    /// The deadline passes while `f` sleeps: `f` unwinds (destructors run) back to `timeout`,
    /// which returns `Err(Elapsed)`; the task goes on.
    #[test]
    fn timeout_interrupts_a_sleep_and_runs_destructors() {
        let rt = rt();
        let drops = DropCounter::new();
        let d = drops.clone();
        let (result, went_on) = rt.block_on(move || {
            let result = yieldpoint::timeout(ms(10), || {
                let _token = d.token();
                yieldpoint::sleep(FOREVER);
                "overslept"
            });
            (result, "went on")
        });
        assert_eq!(result, Err::<&str, _>(Elapsed::default_for_test()));
        assert_eq!(went_on, "went on");
        assert_eq!(drops.dropped(), 1);
    }

    /// Python: `asyncio.wait_for(queue.get(), 0.01)` raises `TimeoutError`; the queue is
    /// unaffected and the next message reaches the next `get`.
    #[test]
    fn timeout_interrupts_a_channel_wait() {
        let rt = rt();
        rt.block_on(|| {
            let (tx, rx) = channel::unbounded::<u32>();
            assert!(yieldpoint::timeout(ms(10), || rx.recv()).is_err());
            tx.send(1).unwrap();
            assert_eq!(yieldpoint::timeout(ms(60_000), || rx.recv()), Ok(Ok(1)));
            // A producer that sends later still reaches a receiver waiting under a timeout.
            let tx2 = tx.clone();
            yieldpoint::spawn(move || {
                yieldpoint::sleep(ms(5));
                tx2.send(2).unwrap();
            });
            assert_eq!(yieldpoint::timeout(ms(60_000), || rx.recv()), Ok(Ok(2)));
        });
    }

    /// Nested timeouts, inner shorter: the inner one fires, the outer goes on.
    #[test]
    fn nested_timeout_inner_expires_outer_continues() {
        let rt = rt();
        let result = rt.block_on(|| {
            yieldpoint::timeout(ms(60_000), || {
                let inner = yieldpoint::timeout(ms(5), || yieldpoint::sleep(FOREVER));
                yieldpoint::sleep(ms(1));
                inner.is_err()
            })
        });
        assert_eq!(result, Ok(true));
    }

    /// Nested timeouts, outer shorter: the outer one fires and unwinds through the inner one.
    #[test]
    fn nested_timeout_outer_expires_through_inner() {
        let rt = rt();
        let reached = Arc::new(std::sync::Mutex::new(Vec::new()));
        let r = reached.clone();
        let result = rt.block_on(move || {
            yieldpoint::timeout(ms(5), || {
                let inner = yieldpoint::timeout(FOREVER, || {
                    yieldpoint::sleep(FOREVER);
                });
                r.lock().unwrap().push(format!("after inner: {inner:?}"));
            })
        });
        assert!(result.is_err());
        let reached = reached.lock().unwrap();
        assert!(reached.is_empty(), "{reached:?}");
    }

    /// Both nested timeouts expire before the task's next yield point: the outer one wins,
    /// since unwinding to it leaves the inner one too. (If only the inner expiry were
    /// delivered, the outer one would be lost and the task would sleep forever.)
    #[test]
    fn nested_timeouts_expiring_together_unwind_to_the_outer() {
        let rt = rt();
        let result = rt.block_on(|| {
            yieldpoint::timeout(ms(5), || {
                let inner = yieldpoint::timeout(ms(5), || {
                    // Block past both deadlines without yielding, then yield.
                    std::thread::sleep(ms(20));
                    yieldpoint::yield_now();
                });
                // Reached only if the outer expiry was lost: this sleep is then not interrupted.
                yieldpoint::sleep(ms(20));
                inner
            })
        });
        assert!(result.is_err(), "the outer timeout was lost: {result:?}");
    }

    /// A panic inside `timeout` propagates with its payload, and the timer does not fire later.
    #[test]
    fn panic_inside_timeout_propagates() {
        let rt = rt();
        let (message, later) = rt.block_on(|| {
            let payload = panic::catch_unwind(AssertUnwindSafe(|| {
                yieldpoint::timeout(ms(5), || -> () { panic!("inside the timeout") })
            }))
            .unwrap_err();
            yieldpoint::sleep(ms(20)); // past the deadline: not interrupted
            (payload.downcast_ref::<&str>().copied(), "not interrupted")
        });
        assert_eq!(message, Some("inside the timeout"));
        assert_eq!(later, "not interrupted");
        // In a task, the panic reaches the JoinHandle.
        let error = rt.block_on(|| {
            yieldpoint::spawn(|| yieldpoint::timeout(FOREVER, || -> () { panic!("boom") }))
                .join()
                .unwrap_err()
        });
        assert!(error
            .to_string()
            .ends_with("panicked with message \"boom\""));
    }

    /// Cooperative scheduling has no preemption: code without a yield point cannot be
    /// interrupted, so `timeout` returns its value even after the deadline.
    #[test]
    fn timeout_cannot_interrupt_code_without_yield_points() {
        let rt = rt();
        let result = rt.block_on(|| {
            let r = yieldpoint::timeout(ms(1), || {
                std::thread::sleep(ms(5));
                42
            });
            yieldpoint::sleep(ms(5));
            r
        });
        assert_eq!(result, Ok(42));
    }

    /// A cancel inside `timeout` is not mistaken for the timeout: the task ends cancelled.
    #[test]
    fn cancel_inside_timeout_cancels_the_task() {
        let rt = rt();
        let drops = DropCounter::new();
        let d = drops.clone();
        rt.block_on(move || {
            let h = yieldpoint::spawn(move || {
                let _token = d.token();
                let r = yieldpoint::timeout(FOREVER, || yieldpoint::sleep(FOREVER));
                unreachable!("the cancel passes through timeout: {r:?}");
            });
            wait_for_state(&[h.id()], TaskState::Sleeping);
            h.cancel();
            assert!(h.join().unwrap_err().is_cancelled());
        });
        assert_eq!(drops.dropped(), 1);
    }

    /// `timeout(Duration::MAX, f)` is "no timeout"; it must not overflow the clock.
    #[test]
    fn timeout_duration_max_is_no_timeout() {
        let rt = rt();
        assert_eq!(
            rt.block_on(|| yieldpoint::timeout(Duration::MAX, || {
                yieldpoint::yield_now();
                5
            })),
            Ok(5)
        );
    }

    /// Many tasks with timeouts at once each get their own result.
    #[test]
    fn concurrent_timeouts_are_independent() {
        let rt = rt();
        let results = Arc::new(std::sync::Mutex::new(Vec::new()));
        let r = results.clone();
        rt.block_on(move || {
            let handles: Vec<_> = (0..20u64)
                .map(|i| {
                    yieldpoint::spawn(move || {
                        // Even tasks finish well in time; odd ones sleep far past their deadline.
                        let work = if i % 2 == 0 { ms(1) } else { FOREVER };
                        (
                            i,
                            yieldpoint::timeout(ms(20), || yieldpoint::sleep(work)).is_ok(),
                        )
                    })
                })
                .collect();
            for h in handles {
                r.lock().unwrap().push(h.join().unwrap());
            }
        });
        for (i, ok) in results.lock().unwrap().iter() {
            assert_eq!(*ok, i % 2 == 0, "task {i}");
        }
    }

    #[test]
    fn elapsed_displays_what_happened() {
        let rt = rt();
        let error = rt
            .block_on(|| yieldpoint::timeout(ms(1), || yieldpoint::sleep(FOREVER)))
            .unwrap_err();
        assert!(
            error.to_string().contains("deadline has elapsed"),
            "{error}"
        );
    }

    /// A `timeout` around the code that drives a generator is on the task's own stack: it
    /// works, and interrupts the task at its next yield point outside the generator.
    #[test]
    fn timeout_around_a_generator_works() {
        let rt = rt();
        let (result, collected) = rt.block_on(|| {
            let mut collected = Vec::new();
            let mut numbers = yieldpoint::Generator::new(|co| {
                for n in 0.. {
                    co.yield_(n);
                }
            });
            let result = yieldpoint::timeout(ms(5), || loop {
                collected.extend(numbers.next());
                yieldpoint::sleep(ms(1));
            });
            (result, collected)
        });
        assert!(result.is_err());
        assert!(!collected.is_empty());
        assert_eq!(collected, (0..collected.len() as u64).collect::<Vec<_>>());
    }

    /// Timers that can no longer fire leave the timer queue: finished `timeout`s, cancelled
    /// sleeps, and sleeps interrupted by a timeout (issue 10, item 12: a million
    /// `timeout(1h, ..)` calls used to keep a million entries, +78 MB, for an hour). The
    /// queue's length is read through a test hook; it holds at most about twice the live
    /// timers.
    #[test]
    fn dead_timers_leave_the_queue() {
        rt().block_on(dead_timers_scenario);
    }

    /// Misuse: `timeout` inside a `Generator` (or any coroutine) a task drives could only be
    /// delivered at the task's next yield point, outside the generator, where it would end
    /// the task as an opaque panic (issue 10, item 10). The call is refused at once with a
    /// message saying what to do; the task goes on.
    #[test]
    fn timeout_inside_a_generator_driven_by_a_task_is_refused() {
        let (message, went_on) = rt().block_on(timeout_inside_a_generator);
        check_timeout_inside_a_generator_refused(&message, went_on);
    }
}

/// Sleepers wake in deadline order, whatever order they went to sleep in. (Round-robin
/// only, as the next two: the order of tasks that become ready is what is checked, and on
/// the work queue tasks on two workers wake with no order between them.)
#[test]
fn sleepers_wake_in_deadline_order() {
    let rt = RoundRobin::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    for delay in [30u64, 10, 20] {
        let log = log.clone();
        rt.spawn(move || {
            yieldpoint::sleep(ms(delay));
            log.borrow_mut().push(delay);
        });
    }
    rt.run();
    assert_eq!(*log.borrow(), [10, 20, 30]);
}

/// Tasks sleeping until the same instant wake first-in, first-out.
#[test]
fn equal_deadlines_wake_in_fifo_order() {
    let rt = RoundRobin::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let deadline = Instant::now() + ms(10);
    for n in 0..5 {
        let log = log.clone();
        rt.spawn(move || {
            yieldpoint::sleep_until(deadline);
            log.borrow_mut().push(n);
        });
    }
    rt.run();
    assert_eq!(*log.borrow(), [0, 1, 2, 3, 4]);
    assert!(Instant::now() >= deadline);
}

/// `sleep(0)` is `yield_now` (Python's `await asyncio.sleep(0)`); `sleep_until` a past
/// instant returns without yielding.
#[test]
fn sleep_zero_yields_and_past_deadline_does_not() {
    let rt = RoundRobin::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    rt.spawn(move || {
        yieldpoint::sleep(Duration::ZERO);
        l.borrow_mut().push("a after sleep(0)");
        yieldpoint::sleep_until(Instant::now() - ms(1));
        l.borrow_mut().push("a after sleep_until(past)");
    });
    let l = log.clone();
    rt.spawn(move || {
        l.borrow_mut().push("b");
        yieldpoint::yield_now();
        l.borrow_mut().push("b again");
    });
    rt.run();
    assert_eq!(
        *log.borrow(),
        [
            "b",
            "a after sleep(0)",
            "a after sleep_until(past)",
            "b again"
        ]
    );
}

/// Outside a scheduler `sleep` and `sleep_until` sleep the OS thread.
#[test]
fn sleep_outside_a_scheduler_sleeps_the_thread() {
    let start = Instant::now();
    yieldpoint::sleep(ms(5));
    assert!(start.elapsed() >= ms(5));
    let deadline = Instant::now() + ms(5);
    yieldpoint::sleep_until(deadline);
    assert!(Instant::now() >= deadline);
    yieldpoint::sleep(Duration::ZERO);
}

/// Misuse: `timeout` outside a green thread panics and says where to call it.
#[test]
fn timeout_outside_a_green_thread_panics() {
    let payload = panic::catch_unwind(|| yieldpoint::timeout(ms(1), || ())).unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(message.contains("needs a green thread"), "{message}");
    assert!(message.contains("block_on"), "{message}");
}

/// The main task of `dead_timers_leave_the_queue`.
fn dead_timers_scenario() {
    const TIMEOUTS: usize = 100_000;
    const SLEEPERS: usize = 2_000;
    // The queue drops cancelled entries lazily, at its next use: a short sleep is one.
    let queued = || {
        yieldpoint::sleep(ms(1));
        yieldpoint::time::queued_timers().expect("inside a scheduler")
    };
    for i in 0..TIMEOUTS {
        assert_eq!(yieldpoint::timeout(FOREVER, || i), Ok(i));
    }
    assert!(
        queued() <= 64,
        "{} timers queued after {TIMEOUTS} finished timeouts",
        queued()
    );

    // `spawn_local`: on this thread, whose timer queue `queued` reads.
    let sleepers: Vec<_> = (0..SLEEPERS)
        .map(|_| yieldpoint::spawn_local(|| yieldpoint::sleep(FOREVER)))
        .collect();
    while yieldpoint::task::all_tasks()
        .iter()
        .filter(|t| t.state == yieldpoint::task::TaskState::Sleeping)
        .count()
        < SLEEPERS
    {
        yieldpoint::sleep(ms(1));
    }
    assert!(queued() >= SLEEPERS, "the sleepers' timers are queued");
    for s in &sleepers {
        s.cancel();
    }
    for s in sleepers {
        assert!(s.join().unwrap_err().is_cancelled());
    }
    assert!(
        queued() <= 64,
        "{} timers queued after {SLEEPERS} sleeps were cancelled",
        queued()
    );

    for _ in 0..1_000 {
        assert!(yieldpoint::timeout(Duration::ZERO, || yieldpoint::sleep(FOREVER)).is_err());
    }
    assert!(
        queued() <= 64,
        "{} timers queued after 1000 sleeps were interrupted",
        queued()
    );
}

/// The message of a panic payload (`&str` or `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn check_timeout_inside_a_generator_refused(message: &str, went_on: bool) {
    assert!(
        message.contains("timeout() inside a coroutine"),
        "{message}"
    );
    assert!(message.contains("around the code that drives"), "{message}");
    assert!(went_on);
}

/// The body of `timeout_inside_a_generator_driven_by_a_task_is_refused`: the refusal's
/// message, and whether the task went on normally afterwards.
fn timeout_inside_a_generator() -> (String, bool) {
    let mut numbers = yieldpoint::Generator::new(|co| {
        let _ = yieldpoint::timeout(ms(1), || {
            co.yield_(1);
            co.yield_(2);
        });
    });
    let payload = panic::catch_unwind(AssertUnwindSafe(|| {
        numbers.next();
        yieldpoint::sleep(ms(10)); // past the deadline, outside the generator
        numbers.next()
    }))
    .unwrap_err();
    // The task is not hurt: it still sleeps, and timeouts on its own stack still work.
    yieldpoint::sleep(ms(1));
    let ok = yieldpoint::timeout(ms(1), || yieldpoint::sleep(FOREVER)).is_err();
    (panic_message(&*payload), ok)
}

/// Test-only way to name the `Elapsed` value (its field is private).
trait ElapsedForTest {
    fn default_for_test() -> Elapsed;
}

impl ElapsedForTest for Elapsed {
    fn default_for_test() -> Elapsed {
        RoundRobin::new()
            .block_on(|| yieldpoint::timeout(Duration::ZERO, yieldpoint::yield_now))
            .unwrap_err()
    }
}
