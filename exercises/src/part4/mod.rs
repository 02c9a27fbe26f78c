//! Part IV's finished layers, for the exercises that build on them, as asyncio's layers
//! build on each other: exercise IV.2's `Future` runs on IV.1's loop, and IV.3's `Task`
//! runs on both. So that each exercise is graded on its own, the layers below it come
//! from here: the reference solutions of IV.1 and IV.2 (`solutions/part4/`), compiled into
//! this library. Read them once you have solved those exercises.

#[path = "../../solutions/part4/call_later.rs"]
pub mod event_loop;
#[path = "../../solutions/part4/future.rs"]
pub mod future;
