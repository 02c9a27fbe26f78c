//! Coroutines driven from inside green threads: they work, and a green-thread yield from
//! inside one is refused with a clear panic instead of suspending the wrong stack.

#[macro_use]
mod support;

use std::time::Duration;

use yieldpoint::Generator;

on_both_schedulers! {
    /// A task can drive a generator and yield between its items.
    #[test]
    fn task_drives_a_generator_between_yields() {
        let rt = rt();
        let sum = rt.block_on(|| {
            let numbers = Generator::new(|co| co.yield_from_iter(1..=10));
            let mut sum = 0;
            for n in numbers {
                sum += n;
                yieldpoint::yield_now();
            }
            sum
        });
        assert_eq!(sum, 55);
    }

    /// `yield_now` inside a generator body that a task drives would switch the task's stack
    /// from the generator's stack: it panics, the panic reaches the task's `JoinHandle`, and
    /// the scheduler keeps going.
    #[test]
    fn green_yield_inside_a_driven_coroutine_is_refused() {
        let rt = rt();
        let handle = rt.spawn(|| {
            let mut g = Generator::new(|co| {
                yieldpoint::yield_now();
                co.yield_(1);
            });
            g.next()
        });
        rt.run();
        let error = handle.join().unwrap_err();
        assert!(error.is_panic());
        let message = error.to_string();
        assert!(
            message.contains("cannot yield") && message.contains("Yielder"),
            "{message}"
        );
        assert_eq!(rt.block_on(|| 5), 5);
    }

    /// `current()` inside a generator driven by a task names the task.
    #[test]
    fn current_task_is_visible_inside_a_driven_coroutine() {
        let rt = rt();
        let name = rt.block_on(|| {
            let mut g = Generator::new(|co| {
                co.yield_(yieldpoint::current().name().map(String::from));
            });
            g.next().flatten()
        });
        assert_eq!(name.as_deref(), Some("main"));
    }

    /// A scheduler created and dropped inside a green thread of another one shuts down
    /// cleanly (its pending tasks are cancelled), instead of panicking in `Drop`.
    #[test]
    fn scheduler_dropped_inside_a_task_cancels_its_tasks() {
        let outer = rt();
        let cancelled = outer.block_on(|| {
            let inner = rt();
            let pending = inner.spawn(|| yieldpoint::sleep(Duration::MAX));
            drop(inner);
            pending.join().unwrap_err().is_cancelled()
        });
        assert!(cancelled);
    }
}
