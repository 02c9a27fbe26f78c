//! Unix-domain stream sockets: [`UnixListener`] and [`UnixStream`].

use std::io;
use std::net::Shutdown;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

use socket2::{Domain, SockAddr, Socket, Type};

use super::{connect, Pollable};

/// A Unix-domain socket server; `accept` parks the green thread.
///
/// Python: `asyncio.start_unix_server`.
///
/// # Examples
/// ```
/// use std::io::{Read, Write};
/// use yieldpoint::net::{UnixListener, UnixStream};
/// use yieldpoint::sched::RoundRobin;
///
/// let dir = std::env::temp_dir().join(format!("yieldpoint-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("echo.sock");
/// let _ = std::fs::remove_file(&path);
/// RoundRobin::new().block_on(move || {
///     let listener = UnixListener::bind(&path).unwrap();
///     let client = yieldpoint::spawn(move || {
///         let mut stream = UnixStream::connect(&path).unwrap();
///         stream.write_all(b"hi").unwrap();
///     });
///     let (mut stream, _) = listener.accept().unwrap();
///     let mut buf = [0; 2];
///     stream.read_exact(&mut buf).unwrap();
///     assert_eq!(&buf, b"hi");
///     client.join().unwrap();
/// });
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct UnixListener {
    inner: Pollable<net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist) and listens.
    ///
    /// # Errors
    ///
    /// As [`std::os::unix::net::UnixListener::bind`].
    ///
    /// # Examples
    /// See [`UnixListener`].
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(net::UnixListener::bind(path)?)
    }

    /// Takes over a std listener, putting it in non-blocking mode.
    ///
    /// # Errors
    ///
    /// If the mode cannot be set.
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            inner: Pollable::new(listener),
        })
    }

    /// Waits for a connection (parking the green thread).
    ///
    /// # Errors
    ///
    /// As [`std::os::unix::net::UnixListener::accept`].
    ///
    /// # Panics
    ///
    /// If the task is cancelled while it waits (the listener stays usable).
    ///
    /// # Examples
    /// See [`UnixListener`].
    pub fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.inner.read_with(|listener| listener.accept())?;
        Ok((UnixStream::from_std(stream)?, addr))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// As [`std::os::unix::net::UnixListener::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.io.local_addr()
    }
}

socket_traits!(UnixListener);

/// A Unix-domain stream connection; reads and writes park the green thread, and take
/// `&self` too, as [`TcpStream`](super::TcpStream)'s.
///
/// # Examples
/// ```
/// use std::io::{Read, Write};
/// use yieldpoint::net::UnixStream;
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let (mut a, mut b) = UnixStream::pair().unwrap();
///     let reader = yieldpoint::spawn(move || {
///         let mut buf = String::new();
///         b.read_to_string(&mut buf).unwrap(); // parks until `a` is dropped
///         buf
///     });
///     a.write_all(b"to the end").unwrap();
///     drop(a);
///     assert_eq!(reader.join().unwrap(), "to the end");
/// });
/// ```
pub struct UnixStream {
    inner: Pollable<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`, parking the green thread while the listener's
    /// backlog is full.
    ///
    /// # Errors
    ///
    /// As [`std::os::unix::net::UnixStream::connect`].
    ///
    /// # Panics
    ///
    /// If the task is cancelled while it waits.
    ///
    /// # Examples
    /// See [`UnixListener`].
    pub fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        let connected = connect(socket, &SockAddr::unix(path)?, None)?;
        Ok(UnixStream {
            inner: connected.convert(),
        })
    }

    /// A connected pair of sockets.
    ///
    /// # Errors
    ///
    /// As [`std::os::unix::net::UnixStream::pair`].
    ///
    /// # Examples
    /// See [`UnixStream`].
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Takes over a std stream, putting it in non-blocking mode.
    ///
    /// # Errors
    ///
    /// If the mode cannot be set.
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            inner: Pollable::new(stream),
        })
    }

    /// Shuts down the read half, the write half, or both.
    ///
    /// # Errors
    ///
    /// As [`std::os::unix::net::UnixStream::shutdown`].
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.io.shutdown(how)
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// As [`std::os::unix::net::UnixStream::peer_addr`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.io.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// As [`std::os::unix::net::UnixStream::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.io.local_addr()
    }
}

socket_traits!(UnixStream);
stream_io!(UnixStream);
