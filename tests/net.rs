//! Sockets and readiness waits (`yieldpoint::net`, `yieldpoint::io`): loopback traffic
//! that parks green threads on their thread's poller.
//!
//! Python: asyncio's streams and `loop.sock_*` over a selector (PEP 3156), gevent's
//! cooperative sockets.
//!
//! Each test is bounded: the matrix runs its bodies under `within` (a hang fails the test),
//! and waits that could hang (a read that should fail, a connect that should time out) sit
//! in `yieldpoint::timeout` as well, so a wrong answer fails fast with a message.
//!
//! File descriptors: the busiest tests hold about 2,000 at once (1,000 connections, both
//! ends in this process); `ten_thousand_connections_on_round_robin` holds 10,000 here and
//! 10,000 in a child process (the clients), and skips when `RLIMIT_NOFILE`'s hard limit is
//! below 12,500 (its 10,000, and room for a 1,000-connection test running beside it).

#[macro_use]
mod support;

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use support::proc_stats::{open_sockets, resident_kib, socket_registrations, thread_cpu_ticks};
use support::sched_matrix::{wait_for_state, within, LIMIT};
use yieldpoint::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use yieldpoint::sched::{RoundRobin, WorkQueue};
use yieldpoint::sync::Event;
use yieldpoint::task::{TaskState, WaitReason};
use yieldpoint::JoinHandle;

/// A bound for waits that must end (a read that should fail, an echo that should come):
/// far above what they need, so that a hang fails with a message.
const BOUND: Duration = Duration::from_secs(30);

const MIB: usize = 1 << 20;

/// The state of a task parked in a read (or an accept).
const READING: TaskState = TaskState::Waiting(WaitReason::Readable);

/// A small deterministic PRNG (xorshift64*), so payloads and sizes are the same every run.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `len` pseudo-random bytes drawn from `seed`.
fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        bytes.extend_from_slice(&rng.next().to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// FNV-1a over `bytes`, continuing from `hash`: order-sensitive, so a reordered or
/// repeated chunk changes it.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01B3);
    }
    hash
}

const FNV_START: u64 = 0xCBF2_9CE4_8422_2325;

/// A listener on a fresh loopback port with an explicit listen `backlog` (std always asks
/// for 128): large for many simultaneous connects, 1 for a backlog that fills.
fn listener_with_backlog(backlog: i32) -> TcpListener {
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )
    .unwrap();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&addr.into()).unwrap();
    socket.listen(backlog).unwrap();
    TcpListener::from_std(socket.into()).unwrap()
}

/// A connected pair: (client, server side).
fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = listener_with_backlog(8);
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

/// Raises this process's soft `RLIMIT_NOFILE` to at least `needed` if the hard limit
/// allows; `false` if it does not.
fn raise_fd_limit(needed: u64) -> bool {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit` for getrlimit to fill.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    if limit.rlim_cur >= needed {
        return true;
    }
    if limit.rlim_max < needed {
        return false;
    }
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: `limit` is a valid `rlimit`, its soft limit within its hard limit.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 }
}

/// A unique path for a Unix socket in the temporary directory.
fn socket_path() -> std::path::PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("yieldpoint-net-{}-{n}.sock", std::process::id()))
}

/// A non-blocking pipe: (read end, write end).
fn pipe() -> (std::fs::File, std::fs::File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    assert_eq!(
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) },
        0
    );
    // SAFETY: pipe2 just opened both descriptors, and nothing else owns them.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    (read.into(), write.into())
}

/// Echoes everything read from `stream` until EOF, then closes it; returns how many bytes
/// it saw and their hash.
fn echo_until_eof(stream: TcpStream) -> io::Result<(usize, u64)> {
    let mut buf = vec![0; 16 * 1024];
    let (mut count, mut hash) = (0, FNV_START);
    loop {
        let n = (&stream).read(&mut buf)?;
        if n == 0 {
            return Ok((count, hash));
        }
        count += n;
        hash = fnv1a(hash, &buf[..n]);
        (&stream).write_all(&buf[..n])?;
    }
}

/// Sends `data` on a new connection to `addr` (a writer task, then EOF) while reading the
/// echo to the end (this task); returns the echo.
fn send_and_collect_echo(addr: SocketAddr, data: Arc<Vec<u8>>) -> io::Result<Vec<u8>> {
    let stream = Arc::new(TcpStream::connect(addr)?);
    let writer = {
        let stream = stream.clone();
        yieldpoint::spawn(move || {
            (&*stream).write_all(&data)?;
            stream.shutdown(Shutdown::Write)
        })
    };
    let mut echo = Vec::new();
    (&*stream).read_to_end(&mut echo)?;
    writer.join().expect("the writer task ends")?;
    Ok(echo)
}

/// Payload sizes of the echo test: the first 1 B, the second 1 MiB, every 100th up to
/// 1 MiB, the rest up to 4 KiB (about 8 MiB in all for 1,000 connections).
fn payload_sizes(connections: usize) -> Vec<usize> {
    let mut rng = Rng::new(13);
    (0..connections)
        .map(|i| match i {
            0 => 1,
            1 => MIB,
            _ if i % 100 == 50 => 1 + rng.below(MIB),
            _ => 1 + rng.below(4096),
        })
        .collect()
}

/// A task that accepts `connections` connections on a fresh loopback listener and runs
/// `serve` on each in a green thread of its own; its address, and the task, which returns
/// the servers' handles.
fn serve_each<T: Send + 'static>(
    connections: usize,
    serve: fn(TcpStream) -> T,
) -> (SocketAddr, JoinHandle<Vec<JoinHandle<T>>>) {
    let needed = 2 * connections as u64 + 200;
    assert!(
        raise_fd_limit(needed),
        "{connections} connections need RLIMIT_NOFILE >= {needed}: raise the hard limit (ulimit -Hn)"
    );
    let listener = listener_with_backlog(connections as i32);
    let addr = listener.local_addr().unwrap();
    let acceptor = yieldpoint::spawn(move || {
        (0..connections)
            .map(|_| {
                let (stream, _) = listener.accept().expect("accept");
                yieldpoint::spawn(move || serve(stream))
            })
            .collect::<Vec<_>>()
    });
    (addr, acceptor)
}

/// `connections` clients (one green thread each, plus its writer) echo random payloads
/// through as many server green threads, all at once; checks each echo byte for byte and
/// what each server saw (count and hash).
fn echo_many(connections: usize) {
    let (addr, acceptor) = serve_each(connections, echo_until_eof);
    let sizes = payload_sizes(connections);
    let clients: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, &len)| {
            yieldpoint::spawn(move || {
                let data = Arc::new(payload(i as u64, len));
                let echo = send_and_collect_echo(addr, data.clone()).expect("echo");
                assert_eq!(echo.len(), len, "connection {i}: echo length");
                if let Some(at) = echo.iter().zip(data.iter()).position(|(a, b)| a != b) {
                    panic!("connection {i}: echo differs at byte {at} of {len}");
                }
                (len, fnv1a(FNV_START, &data))
            })
        })
        .collect();
    let mut expected: Vec<(usize, u64)> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let mut seen: Vec<(usize, u64)> = acceptor
        .join()
        .unwrap()
        .into_iter()
        .map(|s| s.join().unwrap().expect("server side"))
        .collect();
    // Servers accept in connect order, not in client order: compare as sets.
    expected.sort_unstable();
    seen.sort_unstable();
    assert_eq!(
        seen, expected,
        "each server saw its client's bytes once, in order"
    );
    let total: usize = sizes.iter().sum();
    assert!(total > 4 * MIB, "the test moves a few MiB ({total} B)");
}

/// Client and server green threads for `connections` connections, then every task parked
/// in a read; the main task measures the CPU time of the threads named `prefix` over one
/// second of that idle time, and returns it in clock ticks.
fn idle_connections_cpu_ticks(connections: usize, prefix: &'static str) -> u64 {
    // Each server echoes one byte, then parks in a read until its client closes.
    let (addr, acceptor) = serve_each(connections, |stream| {
        let mut byte = [0];
        (&stream).read_exact(&mut byte).unwrap();
        (&stream).write_all(&byte).unwrap();
        (&stream).read(&mut [0; 8]).unwrap()
    });
    let release = Arc::new(Event::new());
    let clients: Vec<_> = (0..connections)
        .map(|_| {
            let release = release.clone();
            yieldpoint::spawn(move || {
                let stream = TcpStream::connect(addr).unwrap();
                (&stream).write_all(b"x").unwrap();
                let mut byte = [0];
                (&stream).read_exact(&mut byte).unwrap();
                assert_eq!(&byte, b"x");
                release.wait();
                // Dropping the stream is the server's EOF.
            })
        })
        .collect();
    let servers = acceptor.join().unwrap();
    let ids: Vec<_> = servers.iter().map(JoinHandle::id).collect();
    // Every server has echoed its byte and reads again: the clients have their echo and
    // wait for `release` (a channel wait, no timer, no I/O).
    wait_for_state(&ids, READING);
    yieldpoint::sleep(Duration::from_millis(100));
    let before = thread_cpu_ticks(prefix);
    yieldpoint::sleep(Duration::from_secs(1));
    let used = thread_cpu_ticks(prefix) - before;
    assert!(
        servers.iter().all(|s| !s.is_finished()),
        "the connections stayed open"
    );
    release.set();
    for client in clients {
        client.join().unwrap();
    }
    for server in servers {
        assert_eq!(server.join().unwrap(), 0, "the server read EOF");
    }
    used
}

on_both_schedulers! {
    /// Python: an asyncio echo server with 1,000 clients at once: each byte comes back once,
    /// in order. Payloads from 1 B to 1 MiB (most under 4 KiB), one server green thread and
    /// one client green thread (plus its writer) per connection.
    #[test]
    fn echo_1000_connections_random_payloads() {
        rt().block_on(|| echo_many(1000));
    }

    /// Python: `writer.write_eof()`: the peer reads EOF, and can still answer on its half.
    #[test]
    fn half_close_gives_eof_and_the_other_half_still_works() {
        rt().block_on(|| {
            let (client, server) = tcp_pair();
            let server = yieldpoint::spawn(move || {
                let mut request = Vec::new();
                (&server).read_to_end(&mut request).unwrap(); // ends at the client's EOF
                assert_eq!((&server).read(&mut [0; 8]).unwrap(), 0, "EOF stays EOF");
                (&server).write_all(b"got ").unwrap();
                (&server).write_all(&request).unwrap();
                request
            });
            (&client).write_all(b"question").unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut answer = Vec::new();
            yieldpoint::timeout(BOUND, || (&client).read_to_end(&mut answer))
                .expect("the answer and EOF come")
                .unwrap();
            assert_eq!(answer, b"got question");
            assert_eq!(server.join().unwrap(), b"question");
            assert!((&client).write_all(b"more").is_err(), "the write half is shut");
        });
    }

    /// Python: a peer that resets the connection: `ConnectionResetError`, not a hang, for
    /// a reader parked in `read` and for a writer parked on a full send buffer.
    #[test]
    fn peer_reset_is_an_error_for_a_parked_reader_and_writer() {
        rt().block_on(|| {
            let (client, server) = tcp_pair();
            let client = Arc::new(client);
            let reader = {
                let client = client.clone();
                yieldpoint::spawn(move || {
                    yieldpoint::timeout(BOUND, || (&*client).read(&mut [0; 64]))
                })
            };
            wait_for_state(&[reader.id()], READING);
            socket2::SockRef::from(&server).set_linger(Some(Duration::ZERO)).unwrap();
            drop(server); // linger 0: an RST, not a FIN
            let error = reader.join().unwrap().expect("the read ends").unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::ConnectionReset, "{error}");
            assert!((&*client).write_all(b"after the reset").is_err());

            // A writer parked because the peer does not read.
            let (client, server) = tcp_pair();
            let writer = yieldpoint::spawn(move || {
                let chunk = vec![7; 64 * 1024];
                yieldpoint::timeout(BOUND, || loop {
                    if let Err(error) = (&client).write_all(&chunk) {
                        return error;
                    }
                })
            });
            wait_for_state(&[writer.id()], TaskState::Waiting(WaitReason::Writable));
            socket2::SockRef::from(&server).set_linger(Some(Duration::ZERO)).unwrap();
            drop(server);
            let error = writer.join().unwrap().expect("the write ends");
            assert!(
                matches!(
                    error.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ),
                "{error}"
            );
        });
    }

    /// Python: `ConnectionRefusedError` from `open_connection` to a closed port.
    #[test]
    fn connect_to_a_closed_port_is_refused() {
        rt().block_on(|| {
            let addr = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap(); // the listener closes here: nothing listens on `addr`
            let error = TcpStream::connect(addr).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused, "{error}");
            let error = TcpStream::connect_timeout(&addr, BOUND).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused, "{error}");
        });
    }

    /// Python: `asyncio.wait_for(open_connection(...), t)` when nobody answers. Loopback
    /// always answers, so the test fills the backlog of a listener that never accepts
    /// (backlog 1: Linux then drops further SYNs, and those connects stay pending).
    #[test]
    fn connect_timeout_on_a_full_backlog_times_out() {
        rt().block_on(|| {
            let listener = listener_with_backlog(1);
            let addr = listener.local_addr().unwrap();
            let mut connected = Vec::new();
            let timeout = Duration::from_millis(200);
            let (error, took) = loop {
                assert!(connected.len() < 64, "64 connects to a backlog of 1 all succeeded");
                let started = Instant::now();
                match TcpStream::connect_timeout(&addr, timeout) {
                    Ok(stream) => connected.push(stream),
                    Err(error) => break (error, started.elapsed()),
                }
            };
            assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
            assert!(took >= timeout, "gave up after {took:?}, before {timeout:?}");
            assert!(took < BOUND, "gave up only after {took:?}");

            // `connect` in a `timeout` is interrupted the same way.
            let interrupted = yieldpoint::timeout(timeout, || TcpStream::connect(addr));
            assert!(interrupted.is_err(), "the connect was pending: {interrupted:?}");
            drop(listener);
        });
    }

    /// Python: `asyncio.wait_for(reader.read(n), t)`: the read gives up, and the stream
    /// stays usable.
    #[test]
    fn read_in_a_timeout_gives_up_and_the_stream_stays_usable() {
        rt().block_on(|| {
            let (client, server) = tcp_pair();
            let started = Instant::now();
            let mut buf = [0; 16];
            let result = yieldpoint::timeout(Duration::from_millis(100), || (&client).read(&mut buf));
            assert!(result.is_err(), "nothing was sent, yet the read returned {result:?}");
            assert!(started.elapsed() >= Duration::from_millis(100));
            (&server).write_all(b"late").unwrap();
            let n = yieldpoint::timeout(BOUND, || (&client).read(&mut buf))
                .expect("the data comes")
                .unwrap();
            assert_eq!(&buf[..n], b"late");

            // Timeouts that race the data (the writer sleeps as long as the reader waits):
            // an expired wait never swallows the readiness of the bytes that came meanwhile.
            let (client, server) = tcp_pair();
            let writer = yieldpoint::spawn(move || {
                for i in 0..200u8 {
                    yieldpoint::sleep(Duration::from_micros(500));
                    (&server).write_all(&[i]).unwrap();
                }
            });
            let (mut received, mut expired) = (Vec::new(), 0);
            let deadline = Instant::now() + BOUND;
            while received.len() < 200 && Instant::now() < deadline {
                let mut byte = [0; 1];
                match yieldpoint::timeout(Duration::from_micros(500), || (&client).read(&mut byte)) {
                    Ok(read) => {
                        assert_eq!(read.unwrap(), 1);
                        received.push(byte[0]);
                    }
                    Err(_) => expired += 1,
                }
            }
            writer.join().unwrap();
            println!("{expired} reads expired while 200 bytes came");
            assert_eq!(received, (0..200u8).collect::<Vec<_>>(), "after {expired} expired reads");
        });
    }

    /// Python: 500 pending `open_connection`s do not stop the loop: a ticker task keeps
    /// ticking while they wait on a listener that never accepts (backlog 1).
    #[test]
    fn five_hundred_pending_connects_do_not_block_the_scheduler() {
        rt().block_on(|| {
            let listener = listener_with_backlog(1);
            let addr = listener.local_addr().unwrap();
            let done = Arc::new(AtomicUsize::new(0));
            let connects: Vec<_> = (0..500)
                .map(|_| {
                    let done = done.clone();
                    yieldpoint::spawn(move || {
                        let stream = TcpStream::connect(addr);
                        done.fetch_add(1, Ordering::SeqCst);
                        stream
                    })
                })
                .collect();
            // 100 sleeps of 1 ms: the scheduler runs the ticker while the connects wait (a
            // connect that blocked its thread would hold it for minutes of SYN retries).
            // Counted, not timed, so that a loaded machine only makes it slower.
            let ticker = yieldpoint::spawn(|| {
                for _ in 0..100 {
                    yieldpoint::sleep(Duration::from_millis(1));
                }
            });
            let started = Instant::now();
            yieldpoint::timeout(BOUND, || ticker.join())
                .expect("the ticker ticks while 500 connects are pending")
                .unwrap();
            let pending = 500 - done.load(Ordering::SeqCst);
            println!("100 ticks in {:?}; {pending} connects pending", started.elapsed());
            assert!(pending >= 400, "only {pending} connects were pending");
            for connect in &connects {
                connect.cancel();
            }
            let mut cancelled = 0;
            for connect in connects {
                match connect.join() {
                    Err(error) => {
                        assert!(error.is_cancelled(), "{error}");
                        cancelled += 1;
                    }
                    Ok(stream) => drop(stream),
                }
            }
            assert!(cancelled >= 400, "{cancelled} connects were cancelled");
            drop(listener);
        });
    }

    /// Python: `task.cancel()` on a task awaiting `reader.read()`: the join reports the
    /// cancel, the socket closes (the peer reads EOF), other connections keep echoing, and
    /// the thread registers new sockets.
    #[test]
    fn cancel_a_task_parked_in_read() {
        rt().block_on(|| {
            let listener = Arc::new(listener_with_backlog(16));
            let addr = listener.local_addr().unwrap();
            let stop = Arc::new(AtomicBool::new(false));
            let echoers: Vec<_> = (0..3u64)
                .map(|i| {
                    let stop = stop.clone();
                    let stream = TcpStream::connect(addr).unwrap();
                    let (server, _) = listener.accept().unwrap();
                    let server = yieldpoint::spawn(move || echo_until_eof(server).unwrap());
                    let rounds = Arc::new(AtomicUsize::new(0));
                    let client = {
                        let rounds = rounds.clone();
                        yieldpoint::spawn(move || {
                            while !stop.load(Ordering::SeqCst) {
                                let message = payload(i * 1000 + rounds.load(Ordering::SeqCst) as u64, 100);
                                (&stream).write_all(&message).unwrap();
                                let mut echo = [0; 100];
                                (&stream).read_exact(&mut echo).unwrap();
                                assert_eq!(echo[..], message[..]);
                                rounds.fetch_add(1, Ordering::SeqCst);
                            }
                        })
                    };
                    (client, server, rounds)
                })
                .collect();

            let victim_stream = TcpStream::connect(addr).unwrap();
            let (victim_peer, _) = listener.accept().unwrap();
            let victim = yieldpoint::spawn(move || {
                let _ = (&victim_stream).read(&mut [0; 16]);
                unreachable!("nothing is ever sent to the victim");
            });
            wait_for_state(&[victim.id()], READING);
            victim.cancel();
            let error = victim.join().unwrap_err();
            assert!(error.is_cancelled(), "{error}");
            let n = yieldpoint::timeout(BOUND, || (&victim_peer).read(&mut [0; 16]))
                .expect("the victim's socket was closed")
                .unwrap();
            assert_eq!(n, 0, "the peer of the cancelled reader reads EOF");

            let before: Vec<usize> = echoers.iter().map(|(_, _, r)| r.load(Ordering::SeqCst)).collect();
            yieldpoint::timeout(BOUND, || {
                while echoers
                    .iter()
                    .zip(&before)
                    .any(|((_, _, r), b)| r.load(Ordering::SeqCst) < b + 10)
                {
                    yieldpoint::sleep(Duration::from_millis(1));
                }
            })
            .expect("the other connections kept echoing");

            // New sockets register and work on this scheduler.
            let (client, server) = tcp_pair();
            let echo = yieldpoint::spawn(move || echo_until_eof(server).unwrap());
            (&client).write_all(b"fresh").unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut back = Vec::new();
            (&client).read_to_end(&mut back).unwrap();
            assert_eq!(back, b"fresh");
            assert_eq!(echo.join().unwrap().0, 5);

            stop.store(true, Ordering::SeqCst);
            for (client, server, _) in echoers {
                client.join().unwrap();
                server.join().unwrap();
            }
        });
    }

    /// 1,000 cycles of connect, park in `read`, cancel: no socket, no registration of one
    /// with a poller, and not much memory is left behind. Sockets are counted among the
    /// `/proc/self/fd` entries (all of them would also count the poller, eventfd and timerfd
    /// of a worker that comes up late on a loaded machine). Run in a child process, where
    /// no other test opens sockets meanwhile.
    #[test]
    fn cancel_cycles_leak_no_descriptors() {
        if !support::child_process::in_child() {
            let output = support::child_process::run_child(&test_path("cancel_cycles_leak_no_descriptors"));
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success() && stdout.contains("1 passed"),
                "the child failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let counts = stdout.lines().find_map(|l| l.find("sockets ").map(|at| &l[at..]));
            println!("{}", counts.unwrap_or_default());
            return;
        }
        rt().block_on(|| {
            let listener = listener_with_backlog(64);
            let addr = listener.local_addr().unwrap();
            let cycle = || {
                let stream = TcpStream::connect(addr).unwrap();
                let (peer, _) = listener.accept().unwrap();
                let reader = yieldpoint::spawn(move || (&stream).read(&mut [0; 16]));
                wait_for_state(&[reader.id()], READING);
                reader.cancel();
                assert!(reader.join().unwrap_err().is_cancelled());
                drop(peer);
            };
            for _ in 0..20 {
                cycle(); // warm up: pools, buffers, every worker's poller
            }
            let (sockets, registrations, rss) =
                (open_sockets(), socket_registrations(), resident_kib());
            for _ in 0..1000 {
                cycle();
            }
            let (sockets_after, registrations_after, rss_after) =
                (open_sockets(), socket_registrations(), resident_kib());
            println!(
                "sockets {sockets} -> {sockets_after}, epoll registrations of sockets \
                 {registrations} -> {registrations_after}, rss {rss} -> {rss_after} KiB"
            );
            assert_eq!(sockets_after, sockets, "open sockets");
            assert_eq!(registrations_after, registrations, "registered sockets");
            assert!(rss_after <= rss + 8 * 1024, "resident memory: {rss} -> {rss_after} KiB");
        });
    }

    /// Python: `loop.create_datagram_endpoint` echo: each datagram comes back whole.
    #[test]
    fn udp_echo() {
        rt().block_on(|| {
            let server = UdpSocket::bind("127.0.0.1:0").unwrap();
            let server_addr = server.local_addr().unwrap();
            let clients = 4;
            let rounds = 50;
            let echo = yieldpoint::spawn(move || {
                let mut buf = vec![0; 65536];
                for _ in 0..clients * rounds {
                    let (n, from) = server.recv_from(&mut buf).unwrap();
                    assert_eq!(server.send_to(&buf[..n], from).unwrap(), n);
                }
            });
            let clients: Vec<_> = (0..clients as u64)
                .map(|c| {
                    yieldpoint::spawn(move || {
                        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                        socket.connect(server_addr).unwrap();
                        assert_eq!(socket.peer_addr().unwrap(), server_addr);
                        let mut buf = vec![0; 65536];
                        for round in 0..rounds as u64 {
                            let message = payload(c * 100 + round, 1 + (round as usize * 397) % 8000);
                            assert_eq!(socket.send(&message).unwrap(), message.len());
                            let n = yieldpoint::timeout(BOUND, || socket.recv(&mut buf))
                                .expect("the echo comes")
                                .unwrap();
                            assert_eq!(buf[..n], message[..], "client {c} round {round}");
                        }
                    })
                })
                .collect();
            for client in clients {
                client.join().unwrap();
            }
            echo.join().unwrap();
        });
    }

    /// Python: `asyncio.start_unix_server` / `open_unix_connection`, and a
    /// `socket.socketpair()` with a reader and a writer task.
    #[test]
    fn unix_stream_echo_and_pair() {
        rt().block_on(|| {
            let path = socket_path();
            let listener = UnixListener::bind(&path).unwrap();
            let server = yieldpoint::spawn(move || {
                let (stream, _) = listener.accept().unwrap();
                let mut request = Vec::new();
                (&stream).read_to_end(&mut request).unwrap();
                (&stream).write_all(&request).unwrap();
                request.len()
            });
            let stream = Arc::new(UnixStream::connect(&path).unwrap());
            let data = payload(7, 300 * 1024); // more than a socket buffer: both sides park
            let writer = {
                let (stream, data) = (stream.clone(), data.clone());
                yieldpoint::spawn(move || {
                    (&*stream).write_all(&data).unwrap();
                    stream.shutdown(Shutdown::Write).unwrap();
                })
            };
            // The server echoes only after EOF, so the whole request is in its buffer then.
            writer.join().unwrap();
            let mut echo = Vec::new();
            (&*stream).read_to_end(&mut echo).unwrap();
            assert_eq!(server.join().unwrap(), data.len());
            assert!(echo == data, "the echo differs");
            std::fs::remove_file(&path).unwrap();

            let (a, b) = UnixStream::pair().unwrap();
            let sent = payload(8, 1024 * 1024);
            let writer = {
                let sent = sent.clone();
                yieldpoint::spawn(move || (&a).write_all(&sent).unwrap())
            };
            let mut received = vec![0; sent.len()];
            (&b).read_exact(&mut received).unwrap();
            writer.join().unwrap();
            assert!(received == sent, "the pair delivered other bytes");
            assert_eq!((&b).read(&mut [0; 8]).unwrap(), 0, "EOF once the writer's end is gone");
        });
    }

    /// Python: `open_unix_connection` to a server whose listen backlog is full waits for
    /// room (as a blocking `connect` does), and connects once the server accepts; the
    /// scheduler keeps running meanwhile. Linux refuses such a non-blocking connect with
    /// `EAGAIN`, which is no connect in progress.
    #[test]
    fn unix_connect_waits_while_the_backlog_is_full() {
        rt().block_on(|| {
            let path = socket_path();
            let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None)
                .unwrap();
            socket.bind(&socket2::SockAddr::unix(&path).unwrap()).unwrap();
            socket.listen(1).unwrap();
            let listener = UnixListener::from_std(OwnedFd::from(socket).into()).unwrap();
            let clients: Vec<_> = (0..6u8)
                .map(|i| {
                    let path = path.clone();
                    yieldpoint::spawn(move || {
                        let stream = UnixStream::connect(&path)?;
                        (&stream).write_all(&[i])?;
                        Ok::<_, io::Error>(stream)
                    })
                })
                .collect();
            yieldpoint::sleep(Duration::from_millis(100));
            let waiting = clients.iter().filter(|c| !c.is_finished()).count();
            assert!(waiting >= 3, "only {waiting} of 6 connects wait for a backlog of 1");
            let mut seen = Vec::new();
            for _ in 0..6 {
                let (stream, _) = yieldpoint::timeout(BOUND, || listener.accept())
                    .expect("every client connects")
                    .unwrap();
                let mut index = [0];
                (&stream).read_exact(&mut index).unwrap();
                seen.push(index[0]);
            }
            for client in clients {
                client.join().unwrap().expect("the connect succeeds once there is room");
            }
            seen.sort_unstable();
            assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
            std::fs::remove_file(&path).unwrap();
        });
    }

    /// Python: `loop.add_reader(pipe_fd, ...)`: a green thread waits for a pipe while
    /// another task writes to it, and wakes for the data, then for the EOF.
    #[test]
    fn wait_readable_on_a_pipe() {
        rt().block_on(|| {
            let (mut read_end, mut write_end) = pipe();
            let written = Arc::new(AtomicBool::new(false));
            let writer = {
                let written = written.clone();
                yieldpoint::spawn(move || {
                    yieldpoint::sleep(Duration::from_millis(50));
                    written.store(true, Ordering::SeqCst);
                    write_end.write_all(b"through the pipe").unwrap();
                    yieldpoint::sleep(Duration::from_millis(20));
                    drop(write_end);
                })
            };
            let mut buf = [0; 64];
            assert_eq!(
                read_end.read(&mut buf).unwrap_err().kind(),
                io::ErrorKind::WouldBlock,
                "the pipe is empty at first"
            );
            yieldpoint::timeout(BOUND, || yieldpoint::io::wait_readable(&read_end))
                .expect("the wait ends")
                .unwrap();
            assert!(written.load(Ordering::SeqCst), "woke before the write");
            let n = read_end.read(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"through the pipe");
            yieldpoint::timeout(BOUND, || yieldpoint::io::wait_readable(&read_end))
                .expect("EOF wakes the wait")
                .unwrap();
            assert_eq!(read_end.read(&mut buf).unwrap(), 0);
            writer.join().unwrap();
        });
    }

    /// Python: two `add_reader` waits on one descriptor (or a wait on a socket the loop
    /// already watches) both end when it becomes readable: a second registration of the
    /// same descriptor with one thread's poller is not an error (epoll's `EEXIST`), and a
    /// wait that joins a descriptor which is readable already returns at once.
    #[test]
    fn waits_on_one_descriptor_share_its_registration() {
        one_thread().block_on(|| {
            let (read_end, mut write_end) = pipe();
            let read_end = Arc::new(read_end);
            let waiters: Vec<_> = (0..3)
                .map(|_| {
                    let read_end = read_end.clone();
                    yieldpoint::spawn(move || {
                        yieldpoint::timeout(BOUND, || yieldpoint::io::wait_readable(&*read_end))
                    })
                })
                .collect();
            let ids: Vec<_> = waiters.iter().map(JoinHandle::id).collect();
            wait_for_state(&ids, READING);
            write_end.write_all(b"!").unwrap();
            for waiter in waiters {
                let woken = waiter.join().unwrap().expect("the write wakes every waiter");
                assert!(woken.is_ok(), "{woken:?}");
            }

            // A socket that has waited on this thread, then is readable while nobody waits:
            // a wait on it returns at once, and its own reads still work.
            let (client, server) = tcp_pair();
            let reader = yieldpoint::spawn(move || {
                let mut buf = [0; 8];
                let n = (&server).read(&mut buf).unwrap(); // parks: registers `server` here
                assert_eq!(&buf[..n], b"one");
                server
            });
            wait_for_state(&[reader.id()], READING);
            (&client).write_all(b"one").unwrap();
            let server = reader.join().unwrap();
            (&client).write_all(b"two").unwrap();
            yieldpoint::sleep(Duration::from_millis(20)); // the edge comes and goes unseen
            let waited = yieldpoint::timeout(BOUND, || yieldpoint::io::wait_readable(&server))
                .expect("the data waiting in the socket ends the wait");
            assert!(waited.is_ok(), "{waited:?}");
            let mut buf = [0; 8];
            let n = (&server).read(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"two");
            let later = yieldpoint::spawn(move || {
                let n = (&server).read(&mut buf).unwrap();
                buf[..n].to_vec()
            });
            wait_for_state(&[later.id()], READING);
            (&client).write_all(b"three").unwrap();
            assert_eq!(later.join().unwrap(), b"three");
        });
    }

    /// Python: `loop.add_reader` on a regular file raises (`PermissionError` from epoll);
    /// here an `io::Error`, not a hang.
    #[test]
    fn wait_on_a_regular_file_is_an_error() {
        rt().block_on(|| {
            let file = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
            let readable = yieldpoint::timeout(BOUND, || yieldpoint::io::wait_readable(&file))
                .expect("the wait returns");
            assert!(readable.is_err(), "a regular file cannot be polled");
            let writable = yieldpoint::timeout(BOUND, || yieldpoint::io::wait_writable(&file))
                .expect("the wait returns");
            assert!(writable.is_err());
        });
    }
}

/// An idle round-robin server (and its clients) holding 1,000 open connections uses
/// (almost) no CPU: the scheduler thread waits in its poller.
#[test]
fn idle_1000_connections_use_no_cpu_on_round_robin() {
    let used = within(LIMIT, || {
        thread::Builder::new()
            .name("net-idle-rr".into())
            .spawn(|| {
                RoundRobin::new().block_on(|| idle_connections_cpu_ticks(1000, "net-idle-rr"))
            })
            .unwrap()
            .join()
            .unwrap()
    });
    // Spinning would use ~100 ticks (100 Hz clock) here.
    assert!(
        used <= 5,
        "the idle scheduler used {used} clock ticks of CPU in 1 s"
    );
}

/// The same on a work queue of 2 workers: both workers wait in their pollers.
#[test]
fn idle_1000_connections_use_no_cpu_on_work_queue() {
    let used = within(LIMIT, || {
        let rt = WorkQueue::builder()
            .workers(2)
            .thread_name("net-idle-wq")
            .build();
        rt.block_on(|| idle_connections_cpu_ticks(1000, "net-idle-wq"))
    });
    assert!(
        used <= 5,
        "the idle workers used {used} clock ticks of CPU in 1 s"
    );
}

/// The environment variable that makes `ten_thousand_connections_on_round_robin` the
/// client side (in a child process), with the server's address.
const CLIENT_OF: &str = "YIELDPOINT_NET_CLIENT_OF";

/// 10,000 connections open at once on one round-robin thread: each echoes a message, and
/// all stay open until every one has. The clients run in a child process (also on a
/// round-robin scheduler), so each process needs about 10,100 descriptors: this raises
/// `RLIMIT_NOFILE` to its hard limit and skips, saying so, if that is below 12,500
/// (room for a 1,000-connection test of this file running beside it).
#[test]
fn ten_thousand_connections_on_round_robin() {
    const CONNECTIONS: usize = 10_000;
    if let Some(addr) = std::env::var_os(CLIENT_OF) {
        let addr: SocketAddr = addr.to_str().unwrap().parse().unwrap();
        return ten_thousand_clients(addr, CONNECTIONS);
    }
    if !raise_fd_limit(12_500) {
        println!(
            "skipped: 10,000 connections need RLIMIT_NOFILE >= 12,500 (raise the hard limit: ulimit -Hn)"
        );
        return;
    }
    let (peak, served) = within(LIMIT, || {
        RoundRobin::new().block_on(|| {
            let listener = listener_with_backlog(4096);
            let addr = listener.local_addr().unwrap();
            let exe = std::env::current_exe().unwrap();
            let child = std::process::Command::new(exe)
                .args([
                    "--exact",
                    "ten_thousand_connections_on_round_robin",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CLIENT_OF, addr.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let child = yieldpoint::spawn(move || {
                yieldpoint::spawn_blocking(move || child.wait_with_output())
            });
            let open = Arc::new(AtomicUsize::new(0));
            let peak = Arc::new(AtomicUsize::new(0));
            let mut servers = Vec::with_capacity(CONNECTIONS);
            for _ in 0..CONNECTIONS {
                let accepted = yieldpoint::timeout(BOUND, || listener.accept());
                let Ok(Ok((stream, _))) = accepted else {
                    let output = child.join().unwrap().unwrap();
                    panic!(
                        "accept #{} failed ({accepted:?}); the clients said:\n{}\n{}",
                        servers.len(),
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    );
                };
                let (open, peak) = (open.clone(), peak.clone());
                servers.push(yieldpoint::spawn(move || {
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let mut message = [0; 8];
                    (&stream).read_exact(&mut message).unwrap();
                    (&stream).write_all(&message).unwrap();
                    let n = (&stream).read(&mut [0; 8]).unwrap(); // until the client closes
                    open.fetch_sub(1, Ordering::SeqCst);
                    (n, u64::from_le_bytes(message))
                }));
            }
            let mut served: Vec<u64> = servers
                .into_iter()
                .map(|s| {
                    let (n, id) = s.join().unwrap();
                    assert_eq!(n, 0, "EOF after the echo");
                    id
                })
                .collect();
            served.sort_unstable();
            let output = child.join().unwrap().unwrap();
            assert!(
                output.status.success(),
                "the clients failed:\n{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            (peak.load(Ordering::SeqCst), served)
        })
    });
    assert_eq!(peak, CONNECTIONS, "all connections were open at once");
    assert_eq!(
        served,
        (0..CONNECTIONS as u64).collect::<Vec<_>>(),
        "each client served once"
    );
}

/// The child side of `ten_thousand_connections_on_round_robin`: `connections` client
/// green threads; each connects, sends its number, checks the echo, and closes only once
/// every client has its echo.
fn ten_thousand_clients(addr: SocketAddr, connections: usize) {
    RoundRobin::new().block_on(move || {
        let echoed = Arc::new(AtomicUsize::new(0));
        let all_echoed = Arc::new(Event::new());
        let clients: Vec<_> = (0..connections as u64)
            .map(|i| {
                let (echoed, all_echoed) = (echoed.clone(), all_echoed.clone());
                yieldpoint::spawn(move || {
                    let stream = TcpStream::connect(addr).unwrap();
                    (&stream).write_all(&i.to_le_bytes()).unwrap();
                    let mut echo = [0; 8];
                    (&stream).read_exact(&mut echo).unwrap();
                    assert_eq!(u64::from_le_bytes(echo), i);
                    if echoed.fetch_add(1, Ordering::SeqCst) + 1 == connections {
                        all_echoed.set();
                    }
                    all_echoed.wait();
                })
            })
            .collect();
        for client in clients {
            client.join().unwrap();
        }
    });
}

/// Outside any scheduler the sockets block the OS thread, as std's do: `accept`, `read`,
/// `recv_from` and a connect with a timeout wait for the other thread.
#[test]
fn sockets_on_plain_os_threads_block_like_std() {
    within(LIMIT, || {
        // Each blocking call starts before the other thread acts: the other thread waits
        // for a "now" message sent just before the call, then for `delay`. A non-blocking
        // socket would fail with `WouldBlock` instead of returning the value.
        let delay = Duration::from_millis(100);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (accepting, accepting_now) = mpsc::channel();
        let (reading, reading_now) = mpsc::channel::<()>();
        let server = thread::spawn(move || {
            let started = Instant::now();
            accepting.send(()).unwrap();
            let (stream, _) = listener.accept().unwrap();
            let waited = started.elapsed();
            let mut request = [0; 4];
            (&stream).read_exact(&mut request).unwrap();
            reading_now.recv().unwrap();
            thread::sleep(delay);
            (&stream).write_all(b"pong").unwrap();
            (waited, request)
        });
        accepting_now.recv().unwrap();
        thread::sleep(delay);
        let client = TcpStream::connect(addr).unwrap();
        (&client).write_all(b"ping").unwrap();
        let started = Instant::now();
        reading.send(()).unwrap();
        let mut reply = [0; 4];
        (&client).read_exact(&mut reply).unwrap();
        assert!(started.elapsed() >= delay, "the read waited for the reply");
        assert_eq!(&reply, b"pong");
        let (accept_waited, request) = server.join().unwrap();
        assert!(accept_waited >= delay, "accept waited for the connect");
        assert_eq!(&request, b"ping");
        assert_eq!(
            (&client).read(&mut [0; 4]).unwrap(),
            0,
            "EOF once the server's stream is gone"
        );

        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = receiver.local_addr().unwrap();
        let (receiving, receiving_now) = mpsc::channel::<()>();
        let sender = thread::spawn(move || {
            receiving_now.recv().unwrap();
            thread::sleep(delay);
            let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
            socket.send_to(b"datagram", to).unwrap();
        });
        let started = Instant::now();
        receiving.send(()).unwrap();
        let mut buf = [0; 16];
        let (n, _) = receiver.recv_from(&mut buf).unwrap();
        assert!(
            started.elapsed() >= delay,
            "recv_from waited for the datagram"
        );
        assert_eq!(&buf[..n], b"datagram");
        sender.join().unwrap();

        // A regular file cannot be polled here either: an error, not a hang.
        let file = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
        assert!(yieldpoint::io::wait_readable(&file).is_err());

        // A connect with a timeout gives up on a full backlog (the OS thread's own poller).
        let full = listener_with_backlog(1);
        let addr = full.local_addr().unwrap();
        let mut connected = Vec::new();
        let error = loop {
            assert!(
                connected.len() < 64,
                "64 connects to a backlog of 1 all succeeded"
            );
            match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(stream) => connected.push(stream),
                Err(error) => break error,
            }
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    });
}

/// A reader task and a writer task share an `Arc<TcpStream>` on a work queue of 2 workers;
/// the stream registers with each worker's poller that waits on it. Each pair moves
/// 1 MiB through an echo server; the test runs pairs until one pair ran on two
/// different workers (the reader is started on the other worker while the spawner's
/// worker is held up).
#[test]
fn work_queue_reader_and_writer_share_a_stream_across_workers() {
    within(LIMIT, || {
        let rt = WorkQueue::builder().workers(2).build();
        let split = rt.block_on(|| {
            let listener = Arc::new(listener_with_backlog(64));
            let addr = listener.local_addr().unwrap();
            let mut split = 0;
            for pair in 0..20u64 {
                let server = {
                    let listener = listener.clone();
                    yieldpoint::spawn(move || echo_until_eof(listener.accept().unwrap().0).unwrap())
                };
                let stream = Arc::new(TcpStream::connect(addr).unwrap());
                let data = Arc::new(payload(pair, MIB));
                let reader = {
                    let (stream, data) = (stream.clone(), data.clone());
                    yieldpoint::spawn(move || {
                        let thread = thread::current().id();
                        let mut echo = Vec::new();
                        (&*stream).read_to_end(&mut echo).unwrap();
                        assert!(echo == *data, "pair {pair}: the echo differs");
                        thread
                    })
                };
                // Hold this worker (no yield point) so the other one steals the reader.
                thread::sleep(Duration::from_millis(20));
                let writer = {
                    let stream = stream.clone();
                    yieldpoint::spawn(move || {
                        (&*stream).write_all(&data).unwrap();
                        stream.shutdown(Shutdown::Write).unwrap();
                        thread::current().id()
                    })
                };
                let writer_thread = writer.join().unwrap();
                let reader_thread = reader.join().unwrap();
                assert_eq!(server.join().unwrap().0, MIB);
                if writer_thread != reader_thread {
                    split += 1;
                }
            }
            split
        });
        println!("{split} of 20 pairs ran on two workers");
        assert!(
            split > 0,
            "no pair ran on two workers: the test checked nothing"
        );
    });
}
