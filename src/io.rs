//! Waiting for any file descriptor to become readable or writable: a pipe, an eventfd, a
//! socket a library owns. The sockets of [`net`](crate::net) wait the same way.
//!
//! Python: `loop.add_reader(fd, callback)` / `add_writer` (PEP 3156), or
//! `selectors.DefaultSelector().register(fd, EVENT_READ)` and `select()`.
//!
//! Inside a green thread the wait parks only that green thread: the scheduler thread waits
//! for every descriptor its tasks wait on in one poller (the `polling` crate: epoll,
//! kqueue), together with its timers, and runs other tasks meanwhile. Outside a scheduler
//! the OS thread blocks until the descriptor is ready.
//!
//! A wait only says the descriptor *may* be ready: another task may have read first, and
//! the OS may wake spuriously. Put the descriptor in non-blocking mode and retry the
//! operation until it stops failing with [`io::ErrorKind::WouldBlock`]:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::os::unix::net::UnixStream;
//! use yieldpoint::sched::RoundRobin;
//!
//! RoundRobin::new().block_on(|| {
//!     let (mut a, mut b) = UnixStream::pair().unwrap();
//!     b.set_nonblocking(true).unwrap();
//!     let writer = yieldpoint::spawn(move || a.write_all(b"ping").unwrap());
//!     let mut buf = [0; 4];
//!     let n = loop {
//!         match b.read(&mut buf) {
//!             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
//!                 yieldpoint::io::wait_readable(&b).unwrap(); // the writer runs meanwhile
//!             }
//!             result => break result.unwrap(),
//!         }
//!     };
//!     assert_eq!(&buf[..n], b"ping");
//!     writer.join().unwrap();
//! });
//! ```
//!
//! Each call registers the descriptor with this thread's poller and deletes it after the
//! wait: two system calls more than a [`net`](crate::net) socket, which keeps its
//! registration. Waits on a descriptor that is registered there already (a `net` socket
//! of this thread, another task's wait on the same pipe) share that registration. A cancel or an expired [`timeout`](crate::timeout) unwinds from the wait
//! with the registration removed.
//!
//! Blocking std I/O (a `std::net::TcpStream` in blocking mode, `std::fs`) inside a green
//! thread still stops every task of its scheduler thread until it returns: use
//! [`net`](crate::net)'s sockets, these waits, or [`spawn_blocking`](crate::spawn_blocking)
//! for files.

use std::io;
use std::os::fd::{AsFd, AsRawFd};

use crate::reactor::{Interest, Registration};

/// Waits until `fd` may be readable (or has hung up, or has an error to report).
///
/// Python: `loop.add_reader(fd, ...)`, awaited once.
///
/// # Errors
///
/// If the OS cannot poll `fd` (a regular file on Linux: `EPERM`; use
/// [`spawn_blocking`](crate::spawn_blocking) for files).
///
/// # Panics
///
/// If the task is cancelled while it waits (the cancel unwinds from here).
///
/// # Examples
/// ```
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
///
/// let (mut a, b) = UnixStream::pair().unwrap();
/// a.write_all(b"x").unwrap();
/// yieldpoint::io::wait_readable(&b).unwrap(); // outside a scheduler: blocks the OS thread
/// ```
pub fn wait_readable(fd: impl AsFd) -> io::Result<()> {
    wait(fd, Interest::Read)
}

/// Waits until `fd` may be writable (or has hung up, or has an error to report).
///
/// Python: `loop.add_writer(fd, ...)`, awaited once.
///
/// # Errors
///
/// As [`wait_readable`].
///
/// # Panics
///
/// As [`wait_readable`].
///
/// # Examples
/// ```
/// use std::os::unix::net::UnixStream;
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let (a, _b) = UnixStream::pair().unwrap();
///     yieldpoint::io::wait_writable(&a).unwrap(); // an empty socket buffer has room
/// });
/// ```
pub fn wait_writable(fd: impl AsFd) -> io::Result<()> {
    wait(fd, Interest::Write)
}

fn wait(fd: impl AsFd, interest: Interest) -> io::Result<()> {
    let fd = fd.as_fd();
    // SAFETY: `fd` is borrowed for this whole call, and the registration is dropped (and
    // deleted from the poller) before it returns.
    let registration = unsafe { Registration::new(fd.as_raw_fd()) };
    registration.wait(interest)
}
