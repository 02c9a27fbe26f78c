//! Part IV, chapters 5 to 8: selectors, synchronisation, starvation, one loop or many.
//! Compiled and run by `tests/book_listings.rs`.

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::Duration;

use polling::{Event, Events, PollMode, Poller};

use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::{Mutex, Semaphore};

// ANCHOR: readiness
/// One wait of `poller`, without blocking: the keys of the sockets it reports readable.
fn ready_now(poller: &Poller) -> Vec<usize> {
    let mut events = Events::new();
    poller.wait(&mut events, Some(Duration::ZERO)).unwrap();
    events
        .iter()
        .filter(|e| e.readable)
        .map(|e| e.key)
        .collect()
}

#[test]
fn oneshot_level_and_edge() {
    let poller = Poller::new().unwrap();
    let (oneshot, mut to_oneshot) = UnixStream::pair().unwrap();
    let (level, mut to_level) = UnixStream::pair().unwrap();
    let (edge, mut to_edge) = UnixStream::pair().unwrap();
    // SAFETY: each socket is deleted from the poller below, before it is dropped.
    unsafe {
        poller.add(&oneshot, Event::readable(1)).unwrap(); // `add` is oneshot
        poller
            .add_with_mode(&level, Event::readable(2), PollMode::Level)
            .unwrap();
        poller
            .add_with_mode(&edge, Event::readable(3), PollMode::Edge)
            .unwrap();
    }
    assert!(ready_now(&poller).is_empty()); // nothing to read yet
    for writer in [&mut to_oneshot, &mut to_level, &mut to_edge] {
        writer.write_all(b"ping").unwrap();
    }
    let mut first = ready_now(&poller);
    first.sort();
    assert_eq!(first, [1, 2, 3]); // all three are readable
                                  // Nobody has read: all three still hold "ping", but only level mode says so again.
    assert_eq!(ready_now(&poller), [2]);
    // Oneshot: re-armed by `modify`, it reports the bytes still there.
    poller.modify(&oneshot, Event::readable(1)).unwrap();
    let mut again = ready_now(&poller);
    again.sort();
    assert_eq!(again, [1, 2]);
    // Edge: only new bytes make a new event.
    to_edge.write_all(b"!").unwrap();
    assert!(ready_now(&poller).contains(&3));
    for socket in [&oneshot, &level, &edge] {
        poller.delete(socket).unwrap();
    }
}
// ANCHOR_END: readiness

// ANCHOR: green_echo
/// The echo server of exercise IV.5 on `yieldpoint::net`: one green thread per
/// connection, each a plain "read, write back" loop. A read that would block parks that
/// green thread only; the scheduler's own poller wakes it.
fn serve_green(listener: yieldpoint::net::TcpListener, clients: usize) {
    for _ in 0..clients {
        let (stream, _) = listener.accept().unwrap();
        yieldpoint::spawn(move || {
            // `&TcpStream` reads and writes: copy from the socket to itself until EOF.
            std::io::copy(&mut &stream, &mut &stream).unwrap();
        });
    }
}

#[test]
fn fifty_clients_one_thread_one_green_thread_each() {
    RoundRobin::new().block_on(|| {
        let listener = yieldpoint::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = yieldpoint::spawn(move || serve_green(listener, 50));
        let clients: Vec<_> = (0..50u8)
            .map(|i| {
                yieldpoint::spawn(move || {
                    let mut stream = yieldpoint::net::TcpStream::connect(addr).unwrap();
                    let message = vec![i; 1000 * usize::from(i)];
                    stream.write_all(&message).unwrap();
                    stream.shutdown(std::net::Shutdown::Write).unwrap();
                    let mut echo = Vec::new();
                    stream.read_to_end(&mut echo).unwrap();
                    echo == message
                })
            })
            .collect();
        for client in clients {
            assert!(client.join().unwrap());
        }
        server.join().unwrap();
    });
}
// ANCHOR_END: green_echo

// ANCHOR: no_lock_needed
/// 100 tasks each add 1 to a shared counter 10 times, yielding between additions. No lock:
/// a read-modify-write with no yield point inside cannot be interrupted.
#[test]
fn between_yield_points_no_lock_is_needed() {
    let counter = Rc::new(Cell::new(0));
    let rt = RoundRobin::new();
    for _ in 0..100 {
        let counter = counter.clone();
        rt.spawn(move || {
            for _ in 0..10 {
                counter.set(counter.get() + 1); // read, add, write: one step
                yieldpoint::yield_now(); // others run here, between two steps
            }
        });
    }
    rt.run();
    assert_eq!(counter.get(), 1_000);
}
// ANCHOR_END: no_lock_needed

// ANCHOR: scripted_interleaving
/// `transfer_dangerous` with the yield point spelled out: the balance read before it is
/// written back after it.
fn transfer_dangerous(bank: &[Cell<i64>], from: usize, to: usize, amount: i64) {
    let balance = bank[from].get();
    yieldpoint::yield_now(); // `await some_io_operation()`
    bank[from].set(balance - amount);
    bank[to].set(bank[to].get() + amount);
}

#[test]
fn two_dangerous_transfers_lose_money() {
    let bank: Rc<[Cell<i64>]> = Rc::new([Cell::new(100), Cell::new(100)]);
    let rt = RoundRobin::new();
    let b = bank.clone();
    rt.spawn(move || transfer_dangerous(&b, 0, 1, 30)); // A
    let b = bank.clone();
    rt.spawn(move || transfer_dangerous(&b, 1, 0, 50)); // B
    rt.run();
    // A reads 100 and yields; B reads 100 and yields; A writes 70 and credits account 1
    // (130); B writes its stale 100 - 50 = 50 over it. A's 30 are gone.
    assert_eq!([bank[0].get(), bank[1].get()], [120, 50]);
}
// ANCHOR_END: scripted_interleaving

// ANCHOR: lock_across_yield
/// The same transfer with each account behind a `yieldpoint::sync::Mutex`, held across
/// the yield point: B waits (parks) until A has written account 1 back.
fn transfer_locked(bank: &[Mutex<i64>], from: usize, to: usize, amount: i64) {
    {
        let mut source = bank[from].lock(); // `async with source.lock:`
        let balance = *source;
        yieldpoint::yield_now(); // others run, but not on this account
        *source = balance - amount;
    } // the guard is dropped: the lock is released here
      // No yield point inside, but the lock is still needed: another transfer may hold a
      // stale read of `to` across its own yield point, and it holds `to`'s lock meanwhile.
    *bank[to].lock() += amount;
}

#[test]
fn a_lock_held_across_the_yield_point_keeps_the_total() {
    let bank: Rc<[Mutex<i64>]> = Rc::new([Mutex::new(100), Mutex::new(100)]);
    let rt = RoundRobin::new();
    let b = bank.clone();
    rt.spawn(move || transfer_locked(&b, 0, 1, 30));
    let b = bank.clone();
    rt.spawn(move || transfer_locked(&b, 1, 0, 50));
    rt.run();
    assert_eq!([*bank[0].lock(), *bank[1].lock()], [120, 80]); // 200 in all
}
// ANCHOR_END: lock_across_yield

// ANCHOR: semaphore
/// Six downloads, at most two at a time: `asyncio.Semaphore(2)`.
#[test]
fn a_semaphore_bounds_how_many_tasks_are_inside() {
    let slots = Rc::new(Semaphore::new(2));
    let inside = Rc::new(Cell::new(0));
    let most = Rc::new(Cell::new(0));
    let log = Rc::new(RefCell::new(Vec::new()));
    let rt = RoundRobin::new();
    for id in 0..6 {
        let (slots, inside, most, log) = (slots.clone(), inside.clone(), most.clone(), log.clone());
        rt.spawn(move || {
            let _permit = slots.acquire(); // `async with slots:`; parks while none is free
            inside.set(inside.get() + 1);
            most.set(most.get().max(inside.get()));
            log.borrow_mut().push(id);
            for _ in 0..3 {
                yieldpoint::yield_now(); // the download's waits
            }
            inside.set(inside.get() - 1);
        }); // `_permit` is dropped here: the next waiter gets it
    }
    rt.run();
    assert_eq!(most.get(), 2);
    assert_eq!(*log.borrow(), [0, 1, 2, 3, 4, 5]); // first come, first served
}
// ANCHOR_END: semaphore

// ANCHOR: heartbeat
/// The article's loop, `step` standing for `result += i * i`.
fn compute_intensive_task(mut step: impl FnMut(u64)) {
    for i in 0..1_000_000 {
        step(i);
        if i % 10_000 == 0 {
            yieldpoint::yield_now(); // `await asyncio.sleep(0)`
        }
    }
}

/// A heartbeat beside the loop gets one turn per yield point: its gaps are counted in
/// iterations of the loop, not in time, so the test asserts exact numbers.
#[test]
fn the_heartbeat_gets_a_turn_every_10_000_iterations() {
    RoundRobin::new().block_on(|| {
        let beats = Rc::new(Cell::new(0));
        let gap = Rc::new(Cell::new(0u64));
        let longest = Rc::new(Cell::new(0u64));
        let heartbeat = {
            let (beats, gap) = (beats.clone(), gap.clone());
            yieldpoint::spawn_local(move || loop {
                beats.set(beats.get() + 1);
                gap.set(0);
                yieldpoint::yield_now();
            })
        };
        compute_intensive_task(|_| {
            gap.set(gap.get() + 1);
            longest.set(longest.get().max(gap.get()));
        });
        heartbeat.cancel();
        assert_eq!(beats.get(), 100); // 100 yield points, one beat after each
        assert_eq!(longest.get(), 10_000); // the longest wait, in iterations
    });
}
// ANCHOR_END: heartbeat

// ANCHOR: offload
/// `await loop.run_in_executor(None, cpu_hog)`: a pool thread computes, and the task that
/// asked is the only one waiting. The heartbeat gets turns meanwhile (at least one: the
/// task parks, and its wake-up queues behind the heartbeat).
#[test]
fn spawn_blocking_leaves_the_loop_free() {
    RoundRobin::new().block_on(|| {
        let beats = Rc::new(Cell::new(0));
        let heartbeat = {
            let beats = beats.clone();
            yieldpoint::spawn_local(move || loop {
                beats.set(beats.get() + 1);
                yieldpoint::yield_now();
            })
        };
        let sum = yieldpoint::spawn_blocking(|| (0..1_000_000u64).map(|i| i * i).sum::<u64>());
        heartbeat.cancel();
        assert_eq!(sum, 333_332_833_333_500_000);
        assert!(beats.get() > 0);
    });
}
// ANCHOR_END: offload

// ANCHOR: started_tasks_stay
thread_local! {
    /// A per-thread value: which worker thread the task runs on, as a task would see a
    /// thread-local cache, an allocator arena or a C library's `errno`.
    static WORKER: Cell<Option<std::thread::ThreadId>> = const { Cell::new(None) };
}

/// Sixteen tasks on a two-worker `WorkQueue`, each holding an `Rc` and a thread-local's
/// value across 200 yield points. Unstarted tasks are balanced between the workers; a
/// started one finishes on the thread it started on.
#[test]
fn a_started_task_keeps_its_thread() {
    let rt = yieldpoint::sched::WorkQueue::builder().workers(2).build();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            rt.spawn(|| {
                let here = std::thread::current().id();
                WORKER.with(|w| w.set(Some(here)));
                let local = Rc::new(Cell::new(0)); // made inside the task: never `Send`
                for _ in 0..200 {
                    local.set(local.get() + 1);
                    yieldpoint::yield_now(); // `local` is held across this yield point
                }
                // Still the same OS thread, so still the same thread-local.
                assert_eq!(WORKER.with(Cell::get), Some(std::thread::current().id()));
                assert_eq!(std::thread::current().id(), here);
                local.get()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.join().unwrap(), 200);
    }
}
// ANCHOR_END: started_tasks_stay

/// The Python originals the chapters include from `book/python/part4_io_*.py`, run with
/// python3 when it is installed: each prints what the comments in the book say it prints.
#[test]
fn python_originals_print_what_the_book_says() {
    use crate::{python_original as run, stdout_of as stdout};
    let Some(version) = run("part4_io_add_reader.py") else {
        println!("skipped: python3 is not installed");
        return;
    };
    assert_eq!(stdout(version), "[b'pi', b'ng']\n");
    let bank = run("part4_io_bank.py").unwrap();
    assert_eq!(
        stdout(bank),
        "transfer_dangerous 120 50\ntransfer_locked 120 80\n"
    );
    let cpu = run("part4_io_cpu.py").unwrap();
    assert_eq!(stdout(cpu), "yielding: 100 beats\nrun_in_executor: True\n");
    let slow = run("part4_io_slow_callback.py").unwrap();
    let report = String::from_utf8_lossy(&slow.stderr);
    assert!(
        report.contains("Executing <Task finished name='hog'") && report.contains("took"),
        "asyncio's debug mode reports the hog: {report}"
    );
}
