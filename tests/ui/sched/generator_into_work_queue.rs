// A generator made outside a work-queue task cannot move into it: a coroutine stays on the
// thread that created it, and the error names that rule.
use yieldpoint::sched::WorkQueue;
use yieldpoint::Generator;

fn main() {
    let rt = WorkQueue::new();
    let mut numbers = Generator::new(|co| co.yield_from_iter(0..3));
    rt.spawn(move || numbers.next());
}
