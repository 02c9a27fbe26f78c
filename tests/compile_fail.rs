//! Compile-time guarantees, checked with trybuild: each file in `tests/ui/` must fail to
//! compile with the error recorded beside it in a `.stderr` file.
//!
//! - `yielder_returned.rs`, `yielder_stored.rs`: a `Yielder` cannot escape its body.
//! - `coroutine_not_send.rs`, `generator_not_send.rs`: a coroutine stays on the thread
//!   that created it (its suspended stack may hold non-`Send` values); the first error
//!   names the rule, "`(dyn StaysOnItsThread + 'static)` cannot be sent between threads
//!   safely" (`coroutine::StaysOnItsThread`), before corosensei's `*mut ()`.
//!
//! After a compiler upgrade changes the wording, regenerate with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and review the diff.

/// Every case in `tests/ui/` fails to compile, with the recorded error.
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
