// A local channel's ends are not `Send`: a work-queue task made with `spawn` may start on
// another worker, so it cannot take one (use `spawn_local`, or `sync::channel`).
use yieldpoint::sched::WorkQueue;
use yieldpoint::sync::local_channel;

fn main() {
    let rt = WorkQueue::new();
    let (tx, rx) = local_channel::unbounded::<u32>();
    rt.spawn(move || tx.send(1).unwrap());
    drop(rx);
}
