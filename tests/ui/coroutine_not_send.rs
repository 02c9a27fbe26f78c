//! A `Coroutine` cannot move to another thread: its suspended stack may hold non-`Send`
//! values and thread-locals.

use yieldpoint::{Coroutine, Yielder};

fn main() {
    let mut co = Coroutine::new(|co: &Yielder<(), u32>, ()| co.yield_(1));
    let _ = co.send(());
    std::thread::spawn(move || {
        let _ = co.send(());
    });
}
