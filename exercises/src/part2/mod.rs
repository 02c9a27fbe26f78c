//! Part II: Coroutines: send, throw, close (PEP 342). Book: `book/src/part2/`.

#[cfg_attr(feature = "solutions", path = "../../solutions/part2/averager.rs")]
pub mod averager;
#[cfg_attr(feature = "solutions", path = "../../solutions/part2/broadcast.rs")]
pub mod broadcast;
#[cfg_attr(
    feature = "solutions",
    path = "../../solutions/part2/buffered_writer.rs"
)]
pub mod buffered_writer;
#[cfg_attr(feature = "solutions", path = "../../solutions/part2/grep_sink.rs")]
pub mod grep_sink;
#[cfg_attr(feature = "solutions", path = "../../solutions/part2/interrupt.rs")]
pub mod interrupt;
#[cfg_attr(feature = "solutions", path = "../../solutions/part2/tally.rs")]
pub mod tally;
#[cfg_attr(feature = "solutions", path = "../../solutions/part2/tokenizer.rs")]
pub mod tokenizer;
