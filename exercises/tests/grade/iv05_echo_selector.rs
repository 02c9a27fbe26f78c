//! Grader for exercise IV.5 (`src/part4/echo_selector.rs`): the learner's server on a thread
//! of its own, loopback clients as green threads on one round-robin scheduler (one OS
//! thread for all of them), with generated payloads. Every client operation and the whole
//! run are bounded in time, so a server that blocks fails instead of hanging; nothing
//! asserts how fast anything is.

mod support;

support::exercise!(
    echo_selector,
    "../../src/part4/echo_selector.rs",
    "../../solutions/part4/echo_selector.rs"
);

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use crate::support::gen::Rng;
use crate::support::grading;
use echo_selector::Report;
use yieldpoint::net::TcpStream;
use yieldpoint::sched::RoundRobin;
use yieldpoint::sync::Event;

/// How long a client may wait for the server to connect, echo, or close.
const PATIENCE: Duration = Duration::from_secs(15);

/// Starts `serve(listener, clients)` on a thread of its own: the server's address, and
/// where its result arrives (nothing arrives if it panics: the sender is dropped).
fn start_server(clients: usize) -> (SocketAddr, mpsc::Receiver<io::Result<Report>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("echo-server".into())
        .spawn(move || {
            let _ = tx.send(echo_selector::serve(listener, clients));
        })
        .expect("start the server's thread");
    (addr, rx)
}

/// The server's report, once every client has ended.
fn report(rx: &mpsc::Receiver<io::Result<Report>>, clients: usize) -> Report {
    match rx.recv_timeout(PATIENCE) {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => panic!("serve(listener, {clients}) returned an error: {e}"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "serve(listener, {clients}) did not return after its {clients} clients had \
             ended: it must return once that many connections were accepted and ended"
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("serve(listener, {clients}) panicked (its message is above)")
        }
    }
}

/// What the flooding client sends before it reads anything: more than the kernel buffers
/// between it and the server hold on loopback (a few MiB with Linux's defaults), so the
/// server's writes to it fail with `WouldBlock` on the way.
const FLOOD: usize = 16 << 20;

/// The OS threads of this process now (0 where `/proc` is missing).
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |tasks| tasks.count())
}

fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    TcpStream::connect_timeout(&addr, PATIENCE).map_err(|e| format!("cannot connect: {e}"))
}

/// Reads exactly `n` bytes, bounded in time.
fn read_n(stream: &TcpStream, n: usize, what: &str) -> Result<Vec<u8>, String> {
    let mut buf = vec![0; n];
    match yieldpoint::timeout(PATIENCE, || (&*stream).read_exact(&mut buf)) {
        Ok(Ok(())) => Ok(buf),
        Ok(Err(e)) => Err(format!("{what}: reading the echo of {n} bytes failed: {e}")),
        Err(_) => Err(format!(
            "{what}: waited {PATIENCE:?} for the echo of {n} bytes; the server never sent \
             them (is it blocked on another client?)"
        )),
    }
}

/// Closes the client's side and checks that the server closes its side too, with
/// nothing more to read.
fn close_and_expect_eof(stream: &TcpStream, what: &str) -> Result<(), String> {
    stream
        .shutdown(Shutdown::Write)
        .map_err(|e| format!("{what}: shutdown: {e}"))?;
    let mut rest = Vec::new();
    match yieldpoint::timeout(PATIENCE, || (&*stream).read_to_end(&mut rest)) {
        Ok(Ok(_)) if rest.is_empty() => Ok(()),
        Ok(Ok(_)) => Err(format!(
            "{what}: the server sent {} bytes too many",
            rest.len()
        )),
        Ok(Err(e)) => Err(format!("{what}: waiting for the server to close: {e}")),
        Err(_) => Err(format!(
            "{what}: the client closed its side, and the server did not close the \
             connection within {PATIENCE:?}"
        )),
    }
}

/// A client that sends `payload` in `chunks` pieces, reading the echo of each before it
/// sends the next, then closes.
fn chatty_client(
    addr: SocketAddr,
    payload: &[u8],
    chunks: usize,
    what: &str,
) -> Result<(), String> {
    let stream = connect(addr)?;
    let size = payload.len().div_ceil(chunks.max(1)).max(1);
    for chunk in payload.chunks(size) {
        (&stream)
            .write_all(chunk)
            .map_err(|e| format!("{what}: write: {e}"))?;
        let echo = read_n(&stream, chunk.len(), what)?;
        if echo != chunk {
            return Err(format!("{what}: the echo differs from what was sent"));
        }
    }
    close_and_expect_eof(&stream, what)
}

/// Generated payloads for `n` clients: different sizes, some empty.
fn payloads(rng: &mut Rng, n: usize) -> Vec<(Vec<u8>, usize)> {
    (0..n)
        .map(|_| {
            let len = if rng.one_in(8) { 0 } else { rng.below(20_000) };
            let payload = (0..len).map(|_| rng.next_u64() as u8).collect();
            (payload, 1 + rng.below(5))
        })
        .collect()
}

/// Runs the clients of `payloads` at once, as green threads; returns each one's outcome.
fn run_clients(addr: SocketAddr, payloads: Vec<(Vec<u8>, usize)>) -> Vec<Result<(), String>> {
    RoundRobin::new().block_on(move || {
        let tasks: Vec<_> = payloads
            .into_iter()
            .enumerate()
            .map(|(i, (payload, chunks))| {
                yieldpoint::spawn_local(move || {
                    let what = format!("client {i} ({} bytes in {chunks} writes)", payload.len());
                    chatty_client(addr, &payload, chunks, &what)
                })
            })
            .collect();
        tasks
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|e| Err(format!("client task: {e}")))
            })
            .collect()
    })
}

#[test]
fn one_client_gets_its_bytes_back() {
    grading("echo_selector");
    let (addr, rx) = start_server(1);
    let outcome = run_clients(addr, vec![(b"hello, selector".to_vec(), 2)]);
    assert_eq!(
        outcome,
        [Ok(())],
        "one client sending \"hello, selector\" in two writes"
    );
    let report = report(&rx, 1);
    assert_eq!(
        report,
        Report {
            connections: 1,
            bytes_echoed: 15
        },
        "the server's report"
    );
}

// ANCHOR: example_test
#[test]
fn fifty_clients_on_one_thread_every_byte_echoed() {
    grading("echo_selector");
    let mut rng = Rng::new();
    let payloads = payloads(&mut rng, 50);
    let total: u64 = payloads.iter().map(|(p, _)| p.len() as u64).sum();
    let before = threads();
    let (addr, rx) = start_server(50);
    let outcomes = run_clients(addr, payloads);
    for outcome in &outcomes {
        assert_eq!(
            outcome,
            &Ok(()),
            "every client gets every byte back, in order"
        );
    }
    let report = report(&rx, 50);
    assert_eq!(
        report,
        Report {
            connections: 50,
            bytes_echoed: total
        },
        "the server's report"
    );
    assert!(
        threads() <= before + 8,
        "the process had {before} threads before the server started and {} after it \
         served 50 clients: serve on the calling thread only, one poller for every socket",
        threads()
    );
}
// ANCHOR_END: example_test

#[test]
fn stalled_clients_do_not_block_the_others() {
    grading("echo_selector");
    let mut rng = Rng::new();
    let payloads = payloads(&mut rng, 20);
    let flood: Vec<u8> = (0..FLOOD).map(|_| rng.next_u64() as u8).collect();
    let (addr, rx) = start_server(22);
    let peak_threads = Rc::new(Cell::new(0));
    let before = threads();
    let peak = peak_threads.clone();
    let outcomes = RoundRobin::new().block_on(move || {
        let others_done = Rc::new(Event::new());
        // Both stalled clients connect first. The silent one sends nothing until the
        // others are done; the flood sends `FLOOD` bytes and reads nothing back until then.
        let silent = connect(addr);
        let flooder = connect(addr);
        let silent = {
            let others_done = others_done.clone();
            yieldpoint::spawn_local(move || {
                let stream = silent?;
                others_done.wait();
                (&stream)
                    .write_all(b"late")
                    .map_err(|e| format!("silent: {e}"))?;
                if read_n(&stream, 4, "the silent client")? != b"late" {
                    return Err("the silent client got a wrong echo".to_string());
                }
                close_and_expect_eof(&stream, "the silent client")
            })
        };
        let flooder = {
            let others_done = others_done.clone();
            yieldpoint::spawn_local(move || {
                let stream = Rc::new(flooder?);
                let writer = {
                    let (stream, flood) = (stream.clone(), flood.clone());
                    yieldpoint::spawn_local(move || (&*stream).write_all(&flood))
                };
                others_done.wait();
                let echo = read_n(&stream, flood.len(), "the flooding client")?;
                writer
                    .join()
                    .map_err(|e| format!("flood writer: {e}"))?
                    .map_err(|e| format!("the flooding client's write: {e}"))?;
                if echo != flood {
                    return Err("the flooding client got a wrong echo".to_string());
                }
                close_and_expect_eof(&stream, "the flooding client")
            })
        };
        let others: Vec<_> = payloads
            .into_iter()
            .enumerate()
            .map(|(i, (payload, chunks))| {
                let peak = peak.clone();
                yieldpoint::spawn_local(move || {
                    let what = format!("client {i} ({} bytes in {chunks} writes)", payload.len());
                    let outcome = chatty_client(addr, &payload, chunks, &what);
                    peak.set(peak.get().max(threads()));
                    outcome
                })
            })
            .collect();
        let mut outcomes: Vec<Result<(), String>> = others
            .into_iter()
            .map(|t| {
                t.join()
                    .unwrap_or_else(|e| Err(format!("client task: {e}")))
            })
            .collect();
        others_done.set();
        for task in [silent, flooder] {
            outcomes.push(
                task.join()
                    .unwrap_or_else(|e| Err(format!("client task: {e}"))),
            );
        }
        outcomes
    });
    for outcome in &outcomes {
        assert_eq!(
            outcome,
            &Ok(()),
            "20 clients while one client sends nothing and another sends 16 MiB without \
             reading: the 20 are served meanwhile, then the two stalled ones"
        );
    }
    let report = report(&rx, 22);
    assert_eq!(report.connections, 22, "the server's report: connections");
    assert!(
        peak_threads.get() <= before + 8,
        "the process had {before} threads before the clients started and {} while they \
         ran: serve on the calling thread only",
        peak_threads.get()
    );
}
