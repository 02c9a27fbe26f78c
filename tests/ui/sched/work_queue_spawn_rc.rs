// A task that captures an `Rc` could start on another worker: refused at compile time.
use std::rc::Rc;
use yieldpoint::sched::WorkQueue;

fn main() {
    let rt = WorkQueue::new();
    let shared = Rc::new(5);
    rt.spawn(move || *shared + 1);
}
