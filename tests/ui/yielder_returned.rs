//! A body cannot return its `Yielder`: the reference is only lent for the body's call.

use yieldpoint::{Coroutine, Yielder};

fn main() {
    let _co = Coroutine::new(|co: &Yielder<(), ()>, ()| co);
}
