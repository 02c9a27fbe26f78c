// A local channel's ends are not `Send`: they cannot move to another OS thread, where no
// green thread of theirs could ever wake a wait (use `sync::channel`).
use yieldpoint::sync::local_channel;

fn main() {
    let (tx, rx) = local_channel::unbounded::<u32>();
    let consumer = std::thread::spawn(move || rx.recv());
    tx.send(1).unwrap();
    let _ = consumer.join();
}
