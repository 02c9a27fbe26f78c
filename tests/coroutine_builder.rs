//! `coroutine::Builder`: names, stack sizes, and a stack that cannot be allocated
//! reported as an error instead of a panic.

use std::panic::{self, AssertUnwindSafe};

use yieldpoint::coroutine::Builder;
use yieldpoint::stack::{StackError, DEFAULT_STACK_SIZE, MIN_STACK_SIZE};
use yieldpoint::{Coroutine, CoroutineState, Yielder};

/// Recurses `depth` frames of at least 256 bytes each, yields 0 at the bottom, and returns
/// `depth`, so the coroutine really uses its stack.
fn recurse_and_yield(co: &Yielder<(), usize>, depth: usize) -> usize {
    let frame = std::hint::black_box([0_u8; 256]);
    let below = if depth == 0 {
        co.yield_(0);
        0
    } else {
        recurse_and_yield(co, depth - 1) + 1
    };
    below + usize::from(frame[depth % 256])
}

/// The name given to the builder is the coroutine's `name()` and shows in `Debug`.
#[test]
fn name_shows_in_name_and_debug() {
    let co: Coroutine<(), (), ()> = Builder::new().name("reader").build(|_co, ()| {}).unwrap();
    assert_eq!(co.name(), Some("reader"));
    assert!(format!("{co:?}").contains("\"reader\""), "{co:?}");

    let unnamed: Coroutine<(), (), ()> = Coroutine::new(|_co, ()| {});
    assert_eq!(unnamed.name(), None);
}

/// The name shows in the panic message of a send to the finished coroutine.
#[test]
fn name_shows_in_finished_coroutine_panic() {
    let mut co: Coroutine<(), (), u8> =
        Builder::new().name("tokenizer").build(|_co, ()| 1).unwrap();
    assert_eq!(co.send(()), CoroutineState::Complete(1));
    let payload = panic::catch_unwind(AssertUnwindSafe(|| co.send(()))).unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        "cannot send to a finished coroutine \"tokenizer\"; check is_finished() or create a new one"
    );
}

/// A stack size below `MIN_STACK_SIZE` (even 0 or 1 byte) is raised to it and works.
#[test]
fn stack_size_below_minimum_still_works() {
    for bytes in [0, 1, MIN_STACK_SIZE / 2, MIN_STACK_SIZE - 1] {
        let mut co: Coroutine<(), usize, usize> = Builder::new()
            .stack_size(bytes)
            .build(|co, ()| recurse_and_yield(co, 20))
            .unwrap();
        assert_eq!(
            co.send(()),
            CoroutineState::Yielded(0),
            "stack_size({bytes})"
        );
        assert_eq!(
            co.send(()),
            CoroutineState::Complete(20),
            "stack_size({bytes})"
        );
    }
}

/// A large stack size is honoured: recursion that needs more than the default stack runs
/// (about 256 bytes times 2,000 frames, over 500 KiB, against a default of 64 KiB).
#[test]
fn large_stack_size_allows_deep_recursion() {
    let bytes = 8 * 1024 * 1024;
    assert!(bytes > 8 * DEFAULT_STACK_SIZE);
    let mut co: Coroutine<(), usize, usize> = Builder::new()
        .name("deep")
        .stack_size(bytes)
        .build(|co, ()| recurse_and_yield(co, 2_000))
        .unwrap();
    assert_eq!(co.send(()), CoroutineState::Yielded(0));
    assert_eq!(co.send(()), CoroutineState::Complete(2_000));
}

/// An absurd stack size gives `Err(StackError)`, not a panic; its message gives the size
/// and says what to do.
#[test]
fn absurd_stack_size_is_an_error_not_a_panic() {
    let bytes = usize::MAX / 2;
    let result = panic::catch_unwind(|| {
        Builder::new()
            .name("greedy")
            .stack_size(bytes)
            .build(|_co: &Yielder<(), ()>, ()| {})
    });
    let err: StackError = match result {
        Ok(Ok(_)) => panic!("a {bytes}-byte stack cannot exist"),
        Ok(Err(err)) => err,
        Err(_) => panic!("Builder::build panicked instead of returning Err(StackError)"),
    };
    assert!(err.size() >= bytes);
    assert_eq!(err.name(), Some("greedy"));
    let text = err.to_string();
    assert!(
        text.contains(&(err.size() / 1024).to_string()),
        "size missing: {text}"
    );
    assert!(text.contains("\"greedy\""), "name missing: {text}");
    // The size is the problem, not the mapping count (issue 10, item 11).
    assert!(
        text.contains("lower the stack size"),
        "advice missing: {text}"
    );
    assert!(!text.contains("vm.max_map_count"), "wrong advice: {text}");
    assert!(std::error::Error::source(&err).is_some());
}

/// Stack sizes at the very top of `usize` (where rounding up to whole pages and adding a
/// guard page would overflow) also give `Err(StackError)`, not an arithmetic panic.
#[test]
fn stack_size_near_usize_max_is_an_error_not_a_panic() {
    for bytes in [usize::MAX, usize::MAX - 4095, usize::MAX - 65536] {
        let result = panic::catch_unwind(|| {
            Builder::new()
                .stack_size(bytes)
                .build(|_co: &Yielder<(), ()>, ()| {})
                .map(drop)
        });
        match result {
            Ok(Err(err)) => assert!(err.to_string().contains("lower the stack size"), "{err}"),
            Ok(Ok(())) => panic!("stack_size({bytes}) built a coroutine"),
            Err(_) => panic!("stack_size({bytes}) panicked instead of returning Err"),
        }
    }
}

/// The `StackError` message follows the style guide: lowercase, no final period.
#[test]
fn builder_error_message_is_lowercase_without_final_period() {
    let err = Builder::new()
        .stack_size(usize::MAX / 2)
        .build(|_co: &Yielder<(), ()>, ()| {})
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("cannot allocate a "), "{text}");
    assert!(!text.ends_with('.'), "{text}");
}

/// The types of a built coroutine infer from its body, as `Coroutine::new`'s do: `build`
/// fixes the error type to `Exception` (issue 17: every `build` needed a full
/// `Coroutine<S, Y, R, E>` annotation), and `build_typed` takes another.
#[test]
fn build_infers_the_types_from_the_body() {
    let mut tokens = Builder::new()
        .name("tokens")
        .build(|co, text: &'static str| {
            for word in text.split(' ') {
                co.yield_(word);
            }
            text.len()
        })
        .unwrap();
    assert_eq!(tokens.send("a b"), CoroutineState::Yielded("a"));
    assert_eq!(tokens.send(""), CoroutineState::Yielded("b"));
    assert_eq!(tokens.send(""), CoroutineState::Complete(3));

    #[derive(Debug, PartialEq)]
    struct Stop;
    let mut stoppable = Builder::new()
        .build_typed(|co, ()| co.try_yield(1).map_or("stopped", |()| "finished"))
        .unwrap();
    assert_eq!(stoppable.send(()), CoroutineState::Yielded(1));
    assert_eq!(
        stoppable.throw(Stop),
        Ok(CoroutineState::Complete("stopped"))
    );

    // A body that never yields names `Y` with a turbofish; the rest still infers.
    let mut double = Coroutine::<_, (), _>::new(|_co, x: u32| x * 2);
    assert_eq!(double.send(21), CoroutineState::Complete(42));
}
