//! Exercise IV.5: an echo server on a selector of your own (PEP 3156)
//!
//! You learn what sits under an event loop's `add_reader`: a poller that says which
//! sockets are ready, non-blocking sockets that never make the thread wait, and the
//! bookkeeping of what each connection still has to write. One thread serves every client.
//!
//! ```python
//! # Python 3.4+ (the selectors module, PEP 3156's "selector" event loop underneath)
//! sel = selectors.DefaultSelector()
//!
//! def accept(sock):
//!     conn, addr = sock.accept()
//!     conn.setblocking(False)
//!     sel.register(conn, selectors.EVENT_READ, echo)
//!
//! def echo(conn):
//!     data = conn.recv(1000)
//!     if data:
//!         conn.send(data)   # may send only part of it: see below
//!     else:
//!         sel.unregister(conn)
//!         conn.close()
//!
//! sock.setblocking(False)
//! sel.register(sock, selectors.EVENT_READ, accept)
//! while True:
//!     for key, mask in sel.select():
//!         key.data(key.fileobj)
//! ```
//!
//! The rules (the grader checks them with 50 clients and two that stall):
//!
//! - Every byte a client sends is written back to it, in order. A write may take only
//!   part of the bytes, or none (`WouldBlock`): keep the rest in the connection's `pending`
//!   and write it when the socket is writable again.
//! - Nothing blocks: the listener and every connection are non-blocking, and the thread
//!   waits only in `poller.wait`. Read at most [`MAX_PENDING`] bytes ahead of what was
//!   written back, so a client that does not read cannot fill the server's memory.
//! - `polling` registers sockets in *oneshot* mode: after an event, a socket reports
//!   nothing more until it is re-armed with `poller.modify`.
//! - A connection ends when its client has closed its side (a read returns 0) and
//!   everything pending is written, or on an error. Then the server deletes it from the
//!   poller and drops it (which closes the socket).

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

use polling::{Event, Events, Poller};

/// The listener's key in the poller; connections get keys 1, 2, 3, ...
pub const LISTENER: usize = 0;

/// The most bytes read from a client and not yet written back to it.
pub const MAX_PENDING: usize = 64 * 1024;

/// One client connection.
pub struct Connection {
    /// The socket, in non-blocking mode.
    pub stream: TcpStream,
    /// Bytes read from the client and not yet written back.
    pub pending: Vec<u8>,
    /// Whether the client has closed its side (a read returned 0).
    pub closed_by_peer: bool,
}

/// What the server did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Connections accepted.
    pub connections: usize,
    /// Bytes written back, over all connections.
    pub bytes_echoed: u64,
}

/// Serves `listener` on the calling thread, echoing every client, until `clients`
/// connections have been accepted and have ended; returns what it did.
///
/// # Errors
///
/// An error of the poller or of the listener (an error on one connection ends only that
/// connection).
pub fn serve(listener: TcpListener, clients: usize) -> io::Result<Report> {
    listener.set_nonblocking(true)?;
    let poller = Poller::new()?;
    // SAFETY: the listener is deleted from the poller before this function returns, and
    // the listener outlives that (it is dropped at the end of the function).
    unsafe { poller.add(&listener, Event::readable(LISTENER))? };
    let mut connections: HashMap<usize, Connection> = HashMap::new();
    let mut report = Report::default();
    let mut next_key = LISTENER + 1;
    let mut ended = 0;
    let mut events = Events::new();
    while ended < clients {
        events.clear();
        poller.wait(&mut events, None)?;
        for event in events.iter() {
            if event.key == LISTENER {
                accept_all(&poller, &listener, &mut connections, &mut next_key)?;
                report.connections = next_key - LISTENER - 1;
                poller.modify(&listener, Event::readable(LISTENER))?; // oneshot: re-arm
                continue;
            }
            if on_ready(&poller, &mut connections, event.key, &mut report)? {
                ended += 1;
            }
        }
    }
    // Connections accepted beyond `clients` are closed unserved.
    for connection in connections.values() {
        poller.delete(&connection.stream)?;
    }
    poller.delete(&listener)?;
    Ok(report)
}

/// Handles an event of connection `key`: `pump`s it, then either ends it (removed from
/// `connections` and deleted from the poller) or re-arms it; returns whether it ended.
fn on_ready(
    poller: &Poller,
    connections: &mut HashMap<usize, Connection>,
    key: usize,
    report: &mut Report,
) -> io::Result<bool> {
    // TODO: `pump` the connection and add what it wrote to `report.bytes_echoed`. If it
    // has ended (see the rules; an error ends it too), remove it from `connections` and
    // delete it from the poller; otherwise re-arm it with
    // `poller.modify(&connection.stream, interest(key, connection))`.
    // a client sent "hi" and closed its side -> pump writes "hi" back (2 bytes),
    // Ok(true)
    todo!()
}

/// Accepts every connection waiting on `listener`, each non-blocking and added to the
/// poller for reading under a new key.
fn accept_all(
    poller: &Poller,
    listener: &TcpListener,
    connections: &mut HashMap<usize, Connection>,
    next_key: &mut usize,
) -> io::Result<()> {
    // TODO: `listener.accept()` until it fails with `WouldBlock`; make each new stream
    // non-blocking, add it to the poller for reading under key `*next_key` (then count
    // `next_key` up) and keep it in `connections`. Adding is `unsafe`: say why it is
    // sound, as `serve` does for the listener.
    // two clients waiting -> keys 1 and 2 in the poller and in `connections`, Ok(())
    todo!()
}

/// Reads what `connection` has (up to [`MAX_PENDING`] bytes ahead) and writes back what
/// the socket takes; returns the bytes written. Stops at `WouldBlock`, never waits.
fn pump(connection: &mut Connection) -> io::Result<u64> {
    // TODO: read into `pending` until `WouldBlock`, end of stream (`Ok(0)`: set
    // `closed_by_peer`) or MAX_PENDING bytes pending; then write `pending` until it is
    // empty or `WouldBlock`, removing what was written. Retry on `Interrupted`; return
    // other errors.
    // the client sent "abc" and its socket takes everything -> Ok(3), pending empty
    todo!()
}

/// What to wait for next on connection `key`: readable while the client may send and
/// there is room to read ahead, writable while bytes are pending.
fn interest(key: usize, connection: &Connection) -> Event {
    // TODO: readable while the client may still send and fewer than MAX_PENDING bytes
    // are pending; writable while bytes are pending (`Event::new(key, readable, writable)`).
    // nothing pending, client still open -> Event::readable(key)
    todo!()
}
