//! Green threads: spawn, join, yield_now, current, the task Builder, panics in tasks, and
//! the misuse messages; on both schedulers, and the round-robin scheduler's FIFO order.
//!
//! Python: `asyncio.create_task`, `await task`, `asyncio.current_task()`; the
//! round-robin `run(tasks)` of Milko Rodríguez's article.

#[macro_use]
mod support;

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use support::sync_drop_counter::{DropCounter, Token};
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::Event;
use yieldpoint::task::{self, Builder, SpawnError};
use yieldpoint::JoinError;

/// The message of a caught panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Runs `f`, expecting a panic; returns its message.
fn expect_panic(f: impl FnOnce()) -> String {
    let payload = panic::catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    panic_message(&*payload)
}

/// Tasks spawned on the scheduler before it runs are started by `run`, and their handles
/// can be joined afterwards from outside. Round-robin only: nothing runs before `run`,
/// where the work queue starts tasks at once (`sched_common`'s
/// `spawn_before_run_then_run_finishes_all` is the matrix's version).
#[test]
fn rt_spawn_runs_at_run_and_joins_after() {
    let rt = RoundRobin::new();
    let a = rt.spawn(|| 1);
    let b = rt.spawn(|| "two".to_string());
    assert!(!a.is_finished());
    rt.run();
    assert!(a.is_finished() && b.is_finished());
    assert_eq!(a.join().unwrap(), 1);
    assert_eq!(b.join().unwrap(), "two");
}

on_both_schedulers! {
    /// Python: `t = asyncio.create_task(f()); await t` -> the return value.
    #[test]
    fn spawn_then_join_returns_the_value() {
        let answer = rt().block_on(|| yieldpoint::spawn(|| 6 * 7).join().unwrap());
        assert_eq!(answer, 42);
    }

    /// Python: `asyncio.current_task().get_name()`.
    #[test]
    fn builder_names_the_task_and_current_sees_it() {
        let rt = rt();
        rt.block_on(|| {
            let me = yieldpoint::current();
            assert_eq!(me.name(), Some("main"));
            let h = Builder::new()
                .name("crawler-3")
                .stack_size(128 * 1024)
                .spawn(|| {
                    let me = yieldpoint::current();
                    (me.id(), me.name().map(String::from))
                })
                .unwrap();
            let handle_id = h.id();
            assert_eq!(h.name(), Some("crawler-3"));
            let (id, name) = h.join().unwrap();
            assert_eq!(id, handle_id);
            assert_eq!(name.as_deref(), Some("crawler-3"));
            assert!(id > me.id(), "ids are handed out in spawn order");
            // An unnamed task has no name.
            let unnamed = yieldpoint::spawn(|| yieldpoint::current().name().map(String::from));
            assert_eq!(unnamed.name(), None);
            assert_eq!(unnamed.join().unwrap(), None);
        });
    }

    #[test]
    fn try_current_is_some_inside_and_none_outside() {
        assert!(task::try_current().is_none());
        let rt = rt();
        let id = rt.block_on(|| task::try_current().map(|t| t.id()));
        assert!(id.is_some());
        assert!(task::try_current().is_none());
    }

    /// Python: an exception in a task is re-raised by `await task`; the loop keeps running.
    #[test]
    fn panic_in_task_is_a_join_error_with_payload_and_message() {
        let rt = rt();
        let finished_others = Arc::new(AtomicUsize::new(0));
        let others = finished_others.clone();
        rt.block_on(move || {
            let before = {
                let others = others.clone();
                yieldpoint::spawn(move || {
                    yieldpoint::yield_now();
                    others.fetch_add(1, Ordering::SeqCst);
                })
            };
            let boom = Builder::new()
                .name("boom-task")
                .spawn(|| -> u32 {
                    yieldpoint::yield_now();
                    panic!("boom")
                })
                .unwrap();
            let id = boom.id();
            let after = {
                let others = others.clone();
                yieldpoint::spawn(move || {
                    yieldpoint::yield_now();
                    yieldpoint::yield_now();
                    others.fetch_add(1, Ordering::SeqCst);
                })
            };
            let error = boom.join().unwrap_err();
            assert!(error.is_panic());
            assert!(!error.is_cancelled());
            assert_eq!(error.id(), id);
            assert_eq!(
                error.to_string(),
                format!("task {id} (\"boom-task\") panicked with message \"boom\"")
            );
            assert_eq!(format!("{error:?}"), format!("JoinError({error})"));
            let payload = error.into_panic();
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
            before.join().unwrap();
            after.join().unwrap();
            // The scheduler still spawns and runs tasks.
            assert_eq!(yieldpoint::spawn(|| 3).join().unwrap(), 3);
        });
        assert_eq!(finished_others.load(Ordering::SeqCst), 2);
    }

    /// A formatted panic message (a `String` payload) shows in the error too; an unnamed task
    /// has no name in it.
    #[test]
    fn panic_with_formatted_message_and_unnamed_task() {
        let error: JoinError = rt().block_on(|| {
            let code = std::hint::black_box(7); // a run-time value: the payload is a `String`
            yieldpoint::spawn(move || -> () { panic!("code {code}") })
                .join()
                .unwrap_err()
        });
        assert_eq!(
            error.to_string(),
            format!("task {} panicked with message \"code 7\"", error.id())
        );
        let payload = error.try_into_panic().unwrap();
        assert_eq!(payload.downcast_ref::<String>().unwrap(), "code 7");
    }

    /// A panic whose payload is not a string still reports a panic.
    #[test]
    fn panic_with_non_string_payload() {
        let error = rt().block_on(|| {
            yieldpoint::spawn(|| panic::panic_any(17u8))
                .join()
                .unwrap_err()
        });
        assert_eq!(error.to_string(), format!("task {} panicked", error.id()));
        assert_eq!(error.into_panic().downcast_ref::<u8>(), Some(&17));
    }

    /// A panic in `block_on`'s main function reaches the caller of `block_on` with its
    /// payload; the scheduler stays usable.
    #[test]
    fn panic_in_block_on_main_propagates_to_the_caller() {
        let rt = rt();
        let message = expect_panic(|| {
            rt.block_on(|| {
                yieldpoint::yield_now();
                panic!("main failed")
            })
        });
        assert_eq!(message, "main failed");
        assert_eq!(rt.block_on(|| 5), 5);
    }

    /// `into_panic` on a cancelled task's error is misuse, and says so.
    #[test]
    fn into_panic_of_a_cancelled_error_panics() {
        let rt = rt();
        let h = rt.spawn(|| yieldpoint::sleep(std::time::Duration::MAX));
        h.cancel();
        rt.run();
        let error = h.join().unwrap_err();
        assert!(error.is_cancelled());
        let error = error.try_into_panic().unwrap_err();
        let message = expect_panic(move || {
            error.into_panic();
        });
        assert!(
            message.contains("into_panic() on the error of a task that did not panic: "),
            "{message}"
        );
    }

    /// Misuse: running a scheduler inside a green thread (it would wait for itself)
    /// panics with a message.
    #[test]
    fn scheduler_inside_a_green_thread_panics() {
        let message = rt().block_on(|| {
            let inner = rt();
            let payload = panic::catch_unwind(AssertUnwindSafe(|| inner.run())).unwrap_err();
            panic_message(&*payload)
        });
        assert!(message.contains("inside a green thread"), "{message}");
    }

    /// A scheduler created and dropped inside a green thread (without running it) must not
    /// panic in its destructor.
    #[test]
    fn unused_scheduler_dropped_inside_a_green_thread_is_fine() {
        rt().block_on(|| drop(rt()));
    }

    /// Many tasks joined in spawn order give back their own values.
    #[test]
    fn many_tasks_join_in_any_order() {
        let rt = rt();
        let total: u64 = rt.block_on(|| {
            let handles: Vec<_> = (0..100u64)
                .map(|i| {
                    yieldpoint::spawn(move || {
                        for _ in 0..(i % 5) {
                            yieldpoint::yield_now();
                        }
                        i
                    })
                })
                .collect();
            handles.into_iter().rev().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(total, (0..100).sum::<u64>());
    }

    /// Debug output names the handle's task.
    #[test]
    fn join_handle_debug_shows_id_name_and_state() {
        let rt = rt();
        let gate = Arc::new(Event::new());
        let g = gate.clone();
        let h = rt
            .spawn_with(Builder::new().name("dbg"), move || g.wait())
            .expect("spawn");
        let text = format!("{h:?}");
        assert!(
            text.contains(&h.id().to_string())
                && text.contains("\"dbg\"")
                && text.contains("finished: false"),
            "{text}"
        );
        gate.set();
        rt.run();
        assert!(format!("{h:?}").contains("finished: true"));
    }

    /// Task values of every shape reach `join` intact and are dropped exactly once, whether
    /// joined, never joined, or left behind by a dropped handle: small ones (kept in the
    /// task's header), big or over-aligned ones (kept in a slot of their own).
    #[test]
    fn task_values_of_every_size_are_moved_out_once_and_dropped_once() {
        /// Over-aligned; the token is only there to be dropped.
        #[repr(align(32))]
        struct Aligned(u8, #[allow(dead_code)] Token);

        let drops = DropCounter::new();
        let d = drops.clone();
        let rt = rt();
        rt.block_on(move || {
            // Small: a token and a String (32 bytes).
            let small = yieldpoint::spawn({
                let t = d.token();
                move || (t, String::from("small"))
            });
            // Big: 64 bytes.
            let big = yieldpoint::spawn({
                let t = d.token();
                move || (t, [7u64; 7])
            });
            // Over-aligned.
            let aligned = yieldpoint::spawn({
                let t = d.token();
                move || Aligned(9, t)
            });
            // Never joined: dropped (likely) before and after the task finished.
            let early = yieldpoint::spawn({
                let t = d.token();
                move || (t, 1u8)
            });
            drop(early);
            let late = yieldpoint::spawn({
                let t = d.token();
                move || (t, 2u8)
            });
            while !late.is_finished() {
                yieldpoint::yield_now();
            }
            drop(late);
            assert_eq!(small.join().unwrap().1, "small");
            assert_eq!(big.join().unwrap().1, [7; 7]);
            assert_eq!(aligned.join().unwrap().0, 9);
        });
        rt.run();
        assert_eq!(drops.dropped(), 5);
    }

    /// A task's body runs on the coroutine (a runner) of a task that ended before it on
    /// its thread. Whatever the task before it did (returned, panicked, was cancelled at a
    /// yield point, was cancelled before it started, caught a cancel and went on), the
    /// next task on that runner starts afresh: its own value, its own yields, its own
    /// panic. `spawn_local` tasks are promised a runner at spawn; the others take one
    /// when they start.
    #[test]
    fn each_task_on_a_reused_runner_starts_afresh() {
        rt().block_on(|| {
            let ran = Arc::new(AtomicUsize::new(0));
            for round in 0..3u64 {
                assert_eq!(yieldpoint::spawn(move || round * 2).join().unwrap(), round * 2);
                assert_eq!(yieldpoint::spawn_local(move || round + 1).join().unwrap(), round + 1);

                let err = yieldpoint::spawn(move || -> u64 { panic!("round {round}") })
                    .join()
                    .unwrap_err();
                assert!(err.is_panic(), "{err}");
                assert_eq!(panic_message(&*err.into_panic()), format!("round {round}"));

                // Cancelled at a yield point: it ends cancelled, its runner goes on.
                let ready = Arc::new(Event::new());
                let parked = {
                    let ready = ready.clone();
                    yieldpoint::spawn(move || {
                        ready.set();
                        loop {
                            yieldpoint::yield_now();
                        }
                    })
                };
                ready.wait();
                parked.cancel();
                assert!(parked.join().unwrap_err().is_cancelled());

                // Cancelled before it starts, on a runner promised at spawn: the body never
                // runs, its captures are dropped once.
                let counter = DropCounter::new();
                let token = counter.token();
                let never = {
                    let ran = ran.clone();
                    yieldpoint::spawn_local(move || {
                        let _token: Token = token;
                        ran.fetch_add(1, Ordering::SeqCst);
                    })
                };
                never.cancel();
                assert!(never.join().unwrap_err().is_cancelled());
                assert_eq!(counter.dropped(), 1);

                // Catches its cancel, yields again, and returns: uncancelled.
                let ready = Arc::new(Event::new());
                let caught = {
                    let ready = ready.clone();
                    yieldpoint::spawn(move || {
                        let first = panic::catch_unwind(AssertUnwindSafe(|| {
                            ready.set();
                            loop {
                                yieldpoint::yield_now();
                            }
                        }));
                        assert!(first.is_err());
                        yieldpoint::yield_now();
                        round
                    })
                };
                ready.wait();
                caught.cancel();
                assert_eq!(caught.join().unwrap(), round);
            }
            assert_eq!(ran.load(Ordering::SeqCst), 0, "a cancelled unstarted body ran");
        });
    }

    /// Tasks with a stack size of their own run on runners of that size, which are not kept
    /// for tasks of the default size: a deep recursion that fits only the big stack works
    /// in a task that follows a run of default-size tasks, and the other way round.
    #[test]
    fn tasks_with_their_own_stack_size_get_a_runner_of_that_size() {
        fn depth(n: u32) -> u32 {
            let pad = std::hint::black_box([0u8; 1024]);
            if n == 0 {
                u32::from(pad[0])
            } else {
                depth(n - 1) + 1 + u32::from(pad[1])
            }
        }
        rt().block_on(|| {
            for _ in 0..3 {
                assert_eq!(yieldpoint::spawn(|| depth(8)).join().unwrap(), 8);
                let big = Builder::new().stack_size(1 << 20).spawn(|| depth(400));
                assert_eq!(big.unwrap().join().unwrap(), 400);
            }
        });
    }

    /// `spawn_local` takes a closure that is not `Send`, with a value that is not `Send`
    /// either: the task starts and stays on the spawner's thread.
    #[test]
    fn spawn_local_takes_non_send_closures() {
        let n = rt().block_on(|| {
            let shared = Rc::new(RefCell::new(0));
            let s = shared.clone();
            let h = yieldpoint::spawn_local(move || {
                *s.borrow_mut() += 1;
                Rc::new(5) // a non-Send result
            });
            let five = *h.join().unwrap();
            let one = *shared.borrow();
            five + one
        });
        assert_eq!(n, 6);
    }
}

/// Milko Rodríguez's `run([countdown(3), countup(3)])` prints the six lines in this order.
#[test]
fn yield_now_interleaves_tasks_in_fifo_order() {
    let rt = RoundRobin::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let (down, up) = (log.clone(), log.clone());
    rt.spawn(move || {
        for n in (1..=3).rev() {
            down.borrow_mut().push(format!("Down {n}"));
            yieldpoint::yield_now();
        }
    });
    rt.spawn(move || {
        for x in 0..3 {
            up.borrow_mut().push(format!("Up {x}"));
            yieldpoint::yield_now();
        }
    });
    rt.run();
    assert_eq!(
        *log.borrow(),
        ["Down 3", "Up 0", "Down 2", "Up 1", "Down 1", "Up 2"]
    );
}

/// A task spawned from a task runs after the tasks already on the run queue.
#[test]
fn spawned_task_goes_to_the_back_of_the_run_queue() {
    let rt = RoundRobin::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    rt.spawn(move || {
        let inner = l.clone();
        yieldpoint::spawn_local(move || inner.borrow_mut().push("child"));
        l.borrow_mut().push("parent");
    });
    let l = log.clone();
    rt.spawn(move || l.borrow_mut().push("sibling"));
    rt.run();
    assert_eq!(*log.borrow(), ["parent", "sibling", "child"]);
}

/// `RoundRobin::block_on` (like its `spawn`) takes closures that are not `Send`, which
/// can share an `Rc` with the caller and with `spawn_local` tasks. Round-robin only: the
/// work queue's `block_on` needs `Send` closures.
#[test]
fn round_robin_block_on_takes_non_send_closures() {
    let rt = RoundRobin::new();
    let shared = Rc::new(RefCell::new(0));
    let s = shared.clone();
    let n = rt.block_on(move || {
        let s2 = s.clone();
        let h = yieldpoint::spawn_local(move || {
            *s2.borrow_mut() += 1;
            Rc::new(5) // a non-Send result
        });
        *h.join().unwrap() + *s.borrow()
    });
    assert_eq!(n, 6);
    assert_eq!(*shared.borrow(), 1);
}

/// A round-robin scheduler's Debug output counts its tasks. (The work queue's shows
/// `workers` and `live` instead.)
#[test]
fn round_robin_debug_shows_its_task_count() {
    let rt = RoundRobin::new();
    rt.spawn(|| ());
    assert!(format!("{rt:?}").contains("tasks: 1"), "{rt:?}");
    rt.run();
    let text = format!("{rt:?}");
    assert!(
        text.contains("RoundRobin") && text.contains("tasks: 0"),
        "{text}"
    );
}

/// Misuse: `spawn` outside a scheduler panics and says what to do.
#[test]
fn spawn_outside_a_scheduler_panics_with_advice() {
    let message = expect_panic(|| {
        yieldpoint::spawn(|| ());
    });
    assert!(message.contains("outside a scheduler"), "{message}");
    assert!(message.contains("block_on"), "{message}");
    let message = expect_panic(|| {
        yieldpoint::spawn_local(|| ());
    });
    assert!(message.contains("outside a scheduler"), "{message}");
}

/// `Builder::spawn` outside a scheduler returns the error instead of panicking.
#[test]
fn builder_spawn_outside_a_scheduler_is_no_scheduler_error() {
    let error = Builder::new().name("x").spawn(|| ()).unwrap_err();
    assert!(matches!(error, SpawnError::NoScheduler), "{error:?}");
    assert!(error.to_string().contains("RoundRobin::spawn"), "{error}");
    assert!(std::error::Error::source(&error).is_none());
    let error = Builder::new().spawn_local(|| ()).unwrap_err();
    assert!(matches!(error, SpawnError::NoScheduler));
}

/// Misuse: `current()` outside a green thread panics and points to `try_current`.
#[test]
fn current_outside_a_green_thread_panics() {
    let message = expect_panic(|| {
        yieldpoint::current();
    });
    assert!(message.contains("outside a green thread"), "{message}");
    assert!(message.contains("try_current"), "{message}");
}

/// Misuse: joining an unfinished round-robin task from the scheduler's own thread while
/// the scheduler is not running would hang forever; it panics instead. The task itself
/// is unaffected and runs at the next `run`.
#[test]
fn join_unfinished_task_outside_its_scheduler_panics_instead_of_hanging() {
    let rt = RoundRobin::new();
    let ran = Rc::new(RefCell::new(false));
    let r = ran.clone();
    let h = rt.spawn(move || *r.borrow_mut() = true);
    let message = expect_panic(move || {
        let _ = h.join();
    });
    assert!(message.contains("would block forever"), "{message}");
    assert!(message.contains("block_on"), "{message}");
    rt.run();
    assert!(*ran.borrow());
}

/// Outside a scheduler `yield_now` and `maybe_yield` are harmless (the OS thread yields).
#[test]
fn yield_now_outside_a_scheduler_returns() {
    yieldpoint::yield_now();
    yieldpoint::maybe_yield();
}

/// A `JoinError` lives in every task's header, so the kinds of error it can carry (a
/// cancel, a panic payload, a stack that could not be mapped at the start) must not make
/// every task larger: 40 bytes on a 64-bit target, its size before it could carry a stack
/// error.
#[cfg(target_pointer_width = "64")]
#[test]
fn a_join_error_stays_small() {
    assert_eq!(std::mem::size_of::<task::JoinError>(), 40);
}
