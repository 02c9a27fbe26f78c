// A `RoundRobin` is `!Send`: its tasks' stacks belong to the thread that created it.
use yieldpoint::sched::RoundRobin;

fn main() {
    let rt = RoundRobin::new();
    std::thread::spawn(move || rt.run());
}
