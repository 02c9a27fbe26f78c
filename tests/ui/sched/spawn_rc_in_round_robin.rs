// `RoundRobin`'s tasks stay on its thread, yet `yieldpoint::spawn` inside its `block_on`
// still needs `Send` (the scheduler is known only at run time): the error quotes the
// bound's line, which points at `spawn_local`.
use std::rc::Rc;
use yieldpoint::sched::RoundRobin;

fn main() {
    RoundRobin::new().block_on(|| {
        let shared = Rc::new(5);
        yieldpoint::spawn(move || *shared + 1).join().unwrap()
    });
}
