//! TCP: [`TcpListener`] and [`TcpStream`].

use std::io;
use std::net::{self, Shutdown, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::{connect, each_addr, resolve, Pollable};

/// A TCP socket server, listening for connections; `accept` parks the green thread.
///
/// Python: `asyncio.start_server` / `loop.sock_accept`.
///
/// # Examples
/// ```
/// use yieldpoint::net::{TcpListener, TcpStream};
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = yieldpoint::spawn(move || TcpStream::connect(addr).unwrap());
///     let (_stream, peer) = listener.accept().unwrap(); // parks until the client connects
///     assert_eq!(peer, client.join().unwrap().local_addr().unwrap());
/// });
/// ```
pub struct TcpListener {
    inner: Pollable<net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and listens (std's backlog, 128). A host name resolves on the
    /// blocking pool; each resolved address is tried in turn.
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpListener::bind`]: the address is in use, not local, not
    /// permitted; or it does not resolve.
    ///
    /// # Examples
    /// ```
    /// let listener = yieldpoint::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// assert_ne!(listener.local_addr().unwrap().port(), 0); // port 0 picks a free one
    /// ```
    pub fn bind<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<TcpListener> {
        let listener = each_addr(resolve(addr)?, net::TcpListener::bind)?;
        TcpListener::from_std(listener)
    }

    /// Takes over a std listener, putting it in non-blocking mode.
    ///
    /// # Errors
    ///
    /// If the mode cannot be set.
    ///
    /// # Examples
    /// ```
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let listener = yieldpoint::net::TcpListener::from_std(std_listener).unwrap();
    /// assert!(listener.local_addr().is_ok());
    /// ```
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            inner: Pollable::new(listener),
        })
    }

    /// Waits for a connection (parking the green thread) and returns it with the peer's
    /// address. Several tasks may accept on one listener.
    ///
    /// Python: `conn, addr = await loop.sock_accept(sock)`.
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpListener::accept`]; out of file descriptors (`EMFILE`) is an
    /// error, not a wait.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while it waits (the cancel unwinds from here; the
    /// listener stays usable).
    ///
    /// # Examples
    /// See [`TcpListener`].
    pub fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.inner.read_with(|listener| listener.accept())?;
        Ok((TcpStream::from_std(stream)?, addr))
    }

    /// An endless iterator of [`accept`](Self::accept)ed connections.
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::net::{TcpListener, TcpStream};
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     yieldpoint::spawn(move || TcpStream::connect(addr).unwrap());
    ///     let first = listener.incoming().next().unwrap();
    ///     assert!(first.is_ok());
    /// });
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpListener::local_addr`].
    ///
    /// # Examples
    /// See [`TcpListener::bind`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.io.local_addr()
    }

    /// The std listener, in non-blocking mode.
    pub fn get_ref(&self) -> &net::TcpListener {
        &self.inner.io
    }
}

socket_traits!(TcpListener);

/// The connections of [`TcpListener::incoming`]; never ends.
#[derive(Debug)]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl Iterator for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn next(&mut self) -> Option<io::Result<TcpStream>> {
        Some(self.listener.accept().map(|(stream, _)| stream))
    }
}

/// A TCP connection; reads and writes park the green thread while the socket is not
/// ready.
///
/// Reads and writes take `&self` too (`impl Read for &TcpStream`), so one task can read
/// while another writes: share the stream in an `Arc`, or [`try_clone`](Self::try_clone)
/// it.
///
/// Python: asyncio's `StreamReader`/`StreamWriter` pair, or gevent's socket.
///
/// # Examples
/// ```
/// use std::io::{Read, Write};
/// use std::sync::Arc;
/// use yieldpoint::net::{TcpListener, TcpStream};
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let stream = Arc::new(TcpStream::connect(listener.local_addr().unwrap()).unwrap());
///     let (mut server, _) = listener.accept().unwrap();
///     let writer = {
///         let stream = stream.clone();
///         yieldpoint::spawn(move || (&*stream).write_all(b"from the writer task"))
///     };
///     let mut got = [0; 20];
///     server.read_exact(&mut got).unwrap();
///     writer.join().unwrap().unwrap();
///     server.write_all(b"back").unwrap();
///     let mut back = [0; 4];
///     (&*stream).read_exact(&mut back).unwrap();
///     assert_eq!(&back, b"back");
/// });
/// ```
pub struct TcpStream {
    inner: Pollable<net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, parking the green thread while the connection is set up (a
    /// non-blocking `connect`: a full listen backlog does not block the scheduler). A host
    /// name resolves on the blocking pool; each resolved address is tried in turn.
    ///
    /// Python: `await asyncio.open_connection(host, port)`.
    ///
    /// # Errors
    ///
    /// The connect's error (refused, unreachable, ...), or the resolver's.
    ///
    /// # Panics
    ///
    /// If the task is cancelled while it waits (the half-open socket is closed).
    ///
    /// # Examples
    /// ```
    /// use yieldpoint::net::TcpStream;
    ///
    /// // Nothing listens on the port a listener had a moment ago:
    /// let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    /// let refused = TcpStream::connect(port).unwrap_err();
    /// assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    /// ```
    pub fn connect<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<TcpStream> {
        each_addr(resolve(addr)?, |addr| TcpStream::connect_addr(addr, None))
    }

    /// Connects to `addr`, giving up after `timeout` with [`io::ErrorKind::TimedOut`] (as
    /// [`std::net::TcpStream::connect_timeout`]).
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect), and the timeout.
    ///
    /// # Panics
    ///
    /// As [`connect`](Self::connect).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// use yieldpoint::net::TcpStream;
    /// use yieldpoint::sched::RoundRobin;
    ///
    /// RoundRobin::new().block_on(|| {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap(), addr);
    /// });
    /// ```
    pub fn connect_timeout(addr: &SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
        TcpStream::connect_addr(*addr, Some(timeout))
    }

    fn connect_addr(addr: SocketAddr, timeout: Option<Duration>) -> io::Result<TcpStream> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        let connected = connect(socket, &addr.into(), timeout)?;
        Ok(TcpStream {
            inner: connected.convert(),
        })
    }

    /// Takes over a std stream, putting it in non-blocking mode.
    ///
    /// # Errors
    ///
    /// If the mode cannot be set.
    ///
    /// # Examples
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let stream = yieldpoint::net::TcpStream::from_std(std_stream).unwrap();
    /// assert!(stream.peer_addr().is_ok());
    /// ```
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            inner: Pollable::new(stream),
        })
    }

    /// A second handle to the same connection (a duplicated descriptor), for a reader and
    /// a writer on different threads.
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpStream::try_clone`].
    ///
    /// # Examples
    /// ```
    /// let listener = yieldpoint::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let stream = yieldpoint::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let clone = stream.try_clone().unwrap();
    /// assert_eq!(clone.peer_addr().unwrap(), stream.peer_addr().unwrap());
    /// ```
    pub fn try_clone(&self) -> io::Result<TcpStream> {
        TcpStream::from_std(self.inner.io.try_clone()?)
    }

    /// Reads into `buf` without taking the data out of the socket, parking until some
    /// arrives.
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpStream::peek`].
    ///
    /// # Examples
    /// ```
    /// use std::io::Write;
    ///
    /// let listener = yieldpoint::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut client = yieldpoint::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (server, _) = listener.accept().unwrap();
    /// client.write_all(b"abc").unwrap();
    /// let mut buf = [0; 3];
    /// assert_eq!(server.peek(&mut buf).unwrap(), 3);
    /// ```
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|stream| stream.peek(buf))
    }

    /// Shuts down the read half, the write half, or both (`Shutdown::Write` sends EOF).
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpStream::shutdown`].
    ///
    /// # Examples
    /// ```
    /// use std::io::Read;
    /// use std::net::Shutdown;
    ///
    /// let listener = yieldpoint::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let client = yieldpoint::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (mut server, _) = listener.accept().unwrap();
    /// client.shutdown(Shutdown::Write).unwrap();
    /// assert_eq!(server.read(&mut [0; 8]).unwrap(), 0); // EOF
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.io.shutdown(how)
    }

    /// Sets `TCP_NODELAY` (Nagle's algorithm off when `true`).
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpStream::set_nodelay`].
    ///
    /// # Examples
    /// ```
    /// let listener = yieldpoint::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let stream = yieldpoint::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// stream.set_nodelay(true).unwrap();
    /// assert!(stream.nodelay().unwrap());
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.io.set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpStream::nodelay`].
    ///
    /// # Examples
    /// See [`set_nodelay`](Self::set_nodelay).
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.io.nodelay()
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpStream::peer_addr`].
    ///
    /// # Examples
    /// See [`try_clone`](Self::try_clone).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.io.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// As [`std::net::TcpStream::local_addr`].
    ///
    /// # Examples
    /// See [`TcpListener`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.io.local_addr()
    }

    /// The std stream, in non-blocking mode.
    pub fn get_ref(&self) -> &net::TcpStream {
        &self.inner.io
    }
}

socket_traits!(TcpStream);
stream_io!(TcpStream);
