//! A body cannot stash its `Yielder` somewhere that outlives the body.

use std::cell::RefCell;
use std::rc::Rc;

use yieldpoint::{Coroutine, Yielder};

fn main() {
    let slot: Rc<RefCell<Option<&'static Yielder<(), ()>>>> = Rc::default();
    let inside = Rc::clone(&slot);
    let _co = Coroutine::new(move |co: &Yielder<(), ()>, ()| {
        *inside.borrow_mut() = Some(co);
    });
}
