//! Sockets that park the green thread instead of blocking the scheduler: TCP, UDP and, on
//! Unix, Unix-domain stream sockets, shaped like std's.
//!
//! Python: asyncio's streams (`asyncio.open_connection`, `asyncio.start_server`) and
//! `loop.sock_*` (PEP 3156); gevent's cooperative `socket` module, which is the closer
//! match: the calls look blocking, and only the green thread waits.
//!
//! Each socket is a std socket in non-blocking mode plus its registration with the
//! pollers ([`io`](crate::io) explains the waiting): an operation that would block parks
//! the green thread until the socket is ready, then tries again. Outside a scheduler the
//! OS thread blocks instead, as with std. A socket may be shared (`&TcpStream` reads and
//! writes, so an `Arc<TcpStream>` lets one task read while another writes) and may move
//! between tasks and threads.
//!
//! Timeouts are [`timeout`](crate::timeout) around the call (a cancel works the same way):
//! the wait unwinds, the registration is cleaned up, and the socket stays usable.
//!
//! ```
//! use std::io::{Read, Write};
//! use yieldpoint::net::{TcpListener, TcpStream};
//! use yieldpoint::sched::RoundRobin;
//!
//! RoundRobin::new().block_on(|| {
//!     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     let server = yieldpoint::spawn(move || {
//!         let (mut stream, _) = listener.accept().unwrap();
//!         let mut buf = [0; 5];
//!         stream.read_exact(&mut buf).unwrap();
//!         stream.write_all(&buf).unwrap(); // echo
//!     });
//!     let mut client = TcpStream::connect(addr).unwrap();
//!     client.write_all(b"hello").unwrap();
//!     let mut echo = [0; 5];
//!     client.read_exact(&mut echo).unwrap();
//!     assert_eq!(&echo, b"hello");
//!     server.join().unwrap();
//! });
//! ```

/// `AsFd`, `AsRawFd` and `Debug` for a socket type whose `inner` is a [`Pollable`].
macro_rules! socket_traits {
    ($socket:ty) => {
        impl std::os::fd::AsFd for $socket {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.inner.io.as_fd()
            }
        }

        impl std::os::fd::AsRawFd for $socket {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.inner.io.as_raw_fd()
            }
        }

        impl std::fmt::Debug for $socket {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.inner.fmt(f)
            }
        }
    };
}

/// `Read` and `Write` for a stream socket and for a shared reference to it: each call
/// parks while the socket would block.
macro_rules! stream_io {
    ($stream:ty) => {
        impl std::io::Read for &$stream {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.inner.read_with(|mut stream| stream.read(buf))
            }

            fn read_vectored(
                &mut self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                self.inner
                    .read_with(|mut stream| stream.read_vectored(bufs))
            }
        }

        impl std::io::Write for &$stream {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.inner.write_with(|mut stream| stream.write(buf))
            }

            fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                self.inner
                    .write_with(|mut stream| stream.write_vectored(bufs))
            }

            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }

        impl std::io::Read for $stream {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                (&*self).read(buf)
            }

            fn read_vectored(
                &mut self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                (&*self).read_vectored(bufs)
            }
        }

        impl std::io::Write for $stream {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                (&*self).write(buf)
            }

            fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                (&*self).write_vectored(bufs)
            }

            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
    };
}

mod tcp;
mod udp;
#[cfg(unix)]
mod unix;

pub use tcp::{Incoming, TcpListener, TcpStream};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixListener, UnixStream};

use std::any::Any;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd};

use crate::reactor::{Interest, Registration};

/// A non-blocking std socket and its registration with the pollers.
///
/// Field order matters: the registration is dropped first, deleting the descriptor from
/// every poller before the socket closes it (`Poller::add`'s contract).
struct Pollable<T: AsFd> {
    registration: Registration,
    io: T,
}

impl<T: AsFd> Pollable<T> {
    /// Wraps `io`, which the caller has put in non-blocking mode.
    fn new(io: T) -> Pollable<T> {
        // SAFETY: the registration is a field beside `io`, dropped before it (field order),
        // so the descriptor stays open while the registration lives.
        let registration = unsafe { Registration::new(io.as_fd().as_raw_fd()) };
        Pollable { registration, io }
    }

    /// The same socket as another type (`socket2::Socket` into a std stream): the
    /// descriptor, and so the registration, stay.
    fn convert<U: AsFd + From<T>>(self) -> Pollable<U> {
        let Pollable { registration, io } = self;
        Pollable {
            registration,
            io: U::from(io),
        }
    }

    /// Runs `op` on the socket until it does not fail with `WouldBlock`, parking for
    /// readability in between.
    fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.registration.io(Interest::Read, || op(&self.io))
    }

    /// Runs `op` on the socket until it does not fail with `WouldBlock`, parking for
    /// writability in between.
    fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.registration.io(Interest::Write, || op(&self.io))
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Pollable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}

/// Resolves `addr` to socket addresses. An address given as a `SocketAddr`, or as a
/// string that parses as one, is used as it is; a host name is looked up on the blocking
/// pool ([`spawn_blocking`](crate::spawn_blocking)), since the system resolver blocks.
fn resolve<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<Vec<SocketAddr>> {
    if let Some(literal) = literal_addr(&addr as &dyn Any) {
        return Ok(vec![literal]);
    }
    let lookup = move || addr.to_socket_addrs().map(Vec::from_iter);
    if crate::task::context::in_task() {
        crate::blocking::spawn_blocking(lookup)
    } else {
        lookup()
    }
}

/// The address itself, if `addr` is a `SocketAddr` or a string that parses as one.
fn literal_addr(addr: &dyn Any) -> Option<SocketAddr> {
    if let Some(addr) = addr.downcast_ref::<SocketAddr>() {
        return Some(*addr);
    }
    let text = addr
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| addr.downcast_ref::<String>().map(String::as_str))?;
    text.parse().ok()
}

/// Tries `op` on each address in turn; the first success, or the last error.
fn each_addr<R>(
    addrs: Vec<SocketAddr>,
    mut op: impl FnMut(SocketAddr) -> io::Result<R>,
) -> io::Result<R> {
    let mut last = None;
    for addr in addrs {
        match op(addr) {
            Ok(value) => return Ok(value),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

/// Connects `socket` (fresh, of `addr`'s domain) to `addr` without blocking the
/// scheduler: a non-blocking `connect`, then a wait for writability (within `timeout`, if
/// given), then the socket's pending error, as the connect's outcome.
///
/// A Unix socket whose listener's backlog is full is refused with `EAGAIN` (no connect in
/// progress, nothing to poll for: the room frees on the listener's side). A blocking
/// connect would wait for room; this one tries again after a pause, 1 ms doubling up to
/// 16 ms, until `timeout` if given.
fn connect(
    socket: socket2::Socket,
    addr: &socket2::SockAddr,
    timeout: Option<std::time::Duration>,
) -> io::Result<Pollable<socket2::Socket>> {
    socket.set_nonblocking(true)?;
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(1);
    loop {
        match socket.connect(addr) {
            Ok(()) => return Ok(Pollable::new(socket)),
            Err(error) if error.raw_os_error() == Some(libc::EINPROGRESS) => break,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                if timeout.is_some_and(|timeout| started.elapsed() + pause > timeout) {
                    return Err(timed_out());
                }
                if crate::task::context::in_task() {
                    crate::time::sleep(pause);
                } else {
                    std::thread::sleep(pause);
                }
                pause = (pause * 2).min(std::time::Duration::from_millis(16));
            }
            Err(error) => return Err(error),
        }
    }
    let connecting = Pollable::new(socket);
    match timeout {
        None => connecting.registration.wait(Interest::Write)?,
        Some(timeout) => {
            let left = timeout.saturating_sub(started.elapsed());
            wait_writable_within(&connecting.registration, left)?;
        }
    }
    if let Some(error) = connecting.io.take_error()? {
        return Err(error);
    }
    // Writable without an error, yet not connected (a spurious wakeup): the peer address
    // tells.
    connecting.io.peer_addr()?;
    Ok(connecting)
}

/// Waits for `registration` to be writable within `timeout`: [`timeout`](crate::timeout)
/// in a green thread, a bounded wait in the OS thread's poller outside one.
fn wait_writable_within(
    registration: &Registration,
    timeout: std::time::Duration,
) -> io::Result<()> {
    if crate::task::context::in_task() {
        return crate::time::timeout(timeout, || registration.wait(Interest::Write))
            .map_err(|_| timed_out())?;
    }
    let deadline = std::time::Instant::now() + timeout;
    registration
        .wait_until(Interest::Write, Some(deadline))
        .map_err(|error| match error.kind() {
            io::ErrorKind::TimedOut => timed_out(),
            _ => error,
        })
}

/// The error of a connect that did not finish within its timeout.
fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection timed out")
}
