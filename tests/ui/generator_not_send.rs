//! A `Generator` cannot move to another thread, for the same reason as a `Coroutine`.

use yieldpoint::Generator;

fn main() {
    let mut numbers = Generator::new(|co| co.yield_from_iter(0..3));
    assert_eq!(numbers.next(), Some(0));
    std::thread::spawn(move || numbers.count());
}
