//! Part III: Delegation (PEP 380). Book: `book/src/part3/`.
//!
//! III.1 `emitter` is a "make it compile" exercise: not a module of this crate (its grader
//! compiles `src/part3/emitter.rs` into a program of its own).

#[cfg_attr(feature = "solutions", path = "../../solutions/part3/flatten.rs")]
pub mod flatten;
#[cfg_attr(feature = "solutions", path = "../../solutions/part3/forward_throw.rs")]
pub mod forward_throw;
#[cfg_attr(feature = "solutions", path = "../../solutions/part3/grouper.rs")]
pub mod grouper;
#[cfg_attr(feature = "solutions", path = "../../solutions/part3/pyos_syscalls.rs")]
pub mod pyos_syscalls;
#[cfg_attr(feature = "solutions", path = "../../solutions/part3/trampoline.rs")]
pub mod trampoline;
#[cfg_attr(feature = "solutions", path = "../../solutions/part3/tree_walk.rs")]
pub mod tree_walk;
