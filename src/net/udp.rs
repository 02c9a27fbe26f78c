//! UDP: [`UdpSocket`].

use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};

use super::{each_addr, resolve, Pollable};

/// A UDP socket; receives park the green thread until a datagram arrives, sends while the
/// send buffer is full.
///
/// Python: `loop.create_datagram_endpoint`, or `loop.sock_recvfrom` / `sock_sendto`.
///
/// # Examples
/// ```
/// use yieldpoint::net::UdpSocket;
/// use yieldpoint::sched::RoundRobin;
///
/// RoundRobin::new().block_on(|| {
///     let server = UdpSocket::bind("127.0.0.1:0").unwrap();
///     let addr = server.local_addr().unwrap();
///     let echo = yieldpoint::spawn(move || {
///         let mut buf = [0; 16];
///         let (n, from) = server.recv_from(&mut buf).unwrap(); // parks until it arrives
///         server.send_to(&buf[..n], from).unwrap();
///     });
///     let client = UdpSocket::bind("127.0.0.1:0").unwrap();
///     client.connect(addr).unwrap();
///     client.send(b"ping").unwrap();
///     let mut buf = [0; 16];
///     let n = client.recv(&mut buf).unwrap();
///     assert_eq!(&buf[..n], b"ping");
///     echo.join().unwrap();
/// });
/// ```
pub struct UdpSocket {
    inner: Pollable<net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr`; a host name resolves on the blocking pool.
    ///
    /// # Errors
    ///
    /// As [`std::net::UdpSocket::bind`], or the resolver's.
    ///
    /// # Examples
    /// See [`UdpSocket`].
    pub fn bind<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<UdpSocket> {
        UdpSocket::from_std(each_addr(resolve(addr)?, net::UdpSocket::bind)?)
    }

    /// Takes over a std socket, putting it in non-blocking mode.
    ///
    /// # Errors
    ///
    /// If the mode cannot be set.
    ///
    /// # Examples
    /// ```
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let socket = yieldpoint::net::UdpSocket::from_std(std_socket).unwrap();
    /// assert!(socket.local_addr().is_ok());
    /// ```
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            inner: Pollable::new(socket),
        })
    }

    /// Sets the default destination of [`send`](Self::send), and the only source
    /// [`recv`](Self::recv) accepts; a host name resolves on the blocking pool.
    ///
    /// # Errors
    ///
    /// As [`std::net::UdpSocket::connect`], or the resolver's.
    ///
    /// # Examples
    /// See [`UdpSocket`].
    pub fn connect<A: ToSocketAddrs + Send + 'static>(&self, addr: A) -> io::Result<()> {
        each_addr(resolve(addr)?, |addr| self.inner.io.connect(addr))
    }

    /// Sends `buf` to `addr` (a `SocketAddr`: no name lookup here); the bytes sent.
    ///
    /// # Errors
    ///
    /// As [`std::net::UdpSocket::send_to`].
    ///
    /// # Examples
    /// See [`UdpSocket`].
    pub fn send_to(&self, buf: &[u8], addr: SocketAddr) -> io::Result<usize> {
        self.inner.write_with(|socket| socket.send_to(buf, addr))
    }

    /// Receives one datagram into `buf` (the rest of a longer one is dropped), parking
    /// until one arrives; its length and sender.
    ///
    /// # Errors
    ///
    /// As [`std::net::UdpSocket::recv_from`].
    ///
    /// # Panics
    ///
    /// If the task is cancelled while it waits (the socket stays usable).
    ///
    /// # Examples
    /// See [`UdpSocket`].
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.read_with(|socket| socket.recv_from(buf))
    }

    /// Sends `buf` to the connected address; the bytes sent.
    ///
    /// # Errors
    ///
    /// As [`std::net::UdpSocket::send`] (not connected, ...).
    ///
    /// # Examples
    /// See [`UdpSocket`].
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_with(|socket| socket.send(buf))
    }

    /// Receives one datagram from the connected address, parking until one arrives.
    ///
    /// # Errors
    ///
    /// As [`std::net::UdpSocket::recv`].
    ///
    /// # Panics
    ///
    /// As [`recv_from`](Self::recv_from).
    ///
    /// # Examples
    /// See [`UdpSocket`].
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|socket| socket.recv(buf))
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// As [`std::net::UdpSocket::local_addr`].
    ///
    /// # Examples
    /// See [`UdpSocket`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.io.local_addr()
    }

    /// The connected address.
    ///
    /// # Errors
    ///
    /// As [`std::net::UdpSocket::peer_addr`] (not connected).
    ///
    /// # Examples
    /// ```
    /// let socket = yieldpoint::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// assert!(socket.peer_addr().is_err());
    /// socket.connect("127.0.0.1:9").unwrap();
    /// assert_eq!(socket.peer_addr().unwrap().port(), 9);
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.io.peer_addr()
    }

    /// The std socket, in non-blocking mode (for options this type does not offer).
    pub fn get_ref(&self) -> &net::UdpSocket {
        &self.inner.io
    }
}

socket_traits!(UdpSocket);
