// `yieldpoint::spawn` inside a task also requires `Send`: use `spawn_local` to keep a
// non-`Send` task on this worker.
use std::rc::Rc;

fn main() {
    let shared = Rc::new(5);
    yieldpoint::spawn(move || *shared + 1);
}
