//! The socket examples against real sockets: `echo_server` with `echo_client` (and, if
//! python3 is present, an asyncio client with 200 connections), and `http_hello` with raw
//! HTTP/1.1 requests (keep-alive, pipelining, a request in pieces, a malformed one).
//!
//! Each server runs as a child process (`cargo run --quiet --example NAME -- 127.0.0.1:0`)
//! and says its port on its first line, `listening on ADDR`. A guard kills it when the test
//! ends, failed or not. Every wait is bounded; nothing here measures speed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a child may take to start (cargo may still be building it) or to finish.
const CHILD_LIMIT: Duration = Duration::from_secs(180);
/// How long a socket read in the tests may wait.
const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// A child process, killed (and reaped) when dropped.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill(); // fails only if it has already exited
        let _ = self.0.wait();
    }
}

/// `cargo run --quiet --example NAME -- ARGS...`, from the package root.
fn example(name: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["run", "--quiet", "--example", name, "--"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// A server example running in a child process.
struct Server {
    addr: SocketAddr,
    _child: KillOnDrop,
}

/// Starts the server example `name` on a free port with `flags`, and waits for its
/// `listening on ADDR` line.
fn start_server(name: &str, flags: &[&str]) -> Server {
    let args: Vec<&str> = flags.iter().copied().chain(["127.0.0.1:0"]).collect();
    let mut child = example(name, &args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("cargo can be run");
    let stdout = child.stdout.take().expect("stdout is piped");
    let child = KillOnDrop(child);
    let (line_tx, line_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(stdout).read_line(&mut first);
        let _ = line_tx.send(first);
    });
    let first = line_rx
        .recv_timeout(CHILD_LIMIT)
        .unwrap_or_else(|_| panic!("{name} did not say where it listens"));
    let addr = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{name}'s first line is {first:?}"))
        .parse()
        .expect("the address parses");
    Server {
        addr,
        _child: child,
    }
}

/// What a finished child printed, and how it exited.
struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs `command` to its end, within [`CHILD_LIMIT`] (else kills it and fails).
fn run_bounded(mut command: Command) -> Finished {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command can be run");
    let stdout = read_all_in_background(child.stdout.take().expect("piped"));
    let stderr = read_all_in_background(child.stderr.take().expect("piped"));
    let mut child = KillOnDrop(child);
    let deadline = Instant::now() + CHILD_LIMIT;
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("the child can be waited for") {
            break status;
        }
        assert!(Instant::now() < deadline, "{command:?} ran too long");
        thread::sleep(Duration::from_millis(20));
    };
    Finished {
        status,
        stdout: stdout.join().expect("the reader thread ends"),
        stderr: stderr.join().expect("the reader thread ends"),
    }
}

/// Reads `pipe` to its end on another thread (so neither pipe of a child fills up).
fn read_all_in_background(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// The `key=value` fields of the echo client's report line, in order.
fn report_fields(line: &str) -> Vec<(&str, u64)> {
    line.split_whitespace()
        .map(|field| {
            let (key, value) = field.split_once('=').expect("key=value");
            (key, value.parse().expect("a whole number"))
        })
        .collect()
}

/// Runs `echo_client` with `flags` against `addr`.
fn echo_client(addr: SocketAddr, flags: &[&str]) -> Finished {
    let addr = addr.to_string();
    let args: Vec<&str> = flags.iter().copied().chain([addr.as_str()]).collect();
    run_bounded(example("echo_client", &args))
}

/// `echo_client` with 20 connections of 50 round trips each reports 1000 round trips and
/// no errors, on the server and client scheduler given.
fn check_echo(server_flags: &[&str], client_scheduler: &str) {
    let server = start_server("echo_server", server_flags);
    let flags = [
        "--connections",
        "20",
        "--messages",
        "50",
        "--size",
        "64",
        "--scheduler",
        client_scheduler,
    ];
    let client = echo_client(server.addr, &flags);
    assert!(
        client.status.success(),
        "echo_client failed: {}",
        client.stderr
    );
    let line = client.stdout.trim_end();
    assert_eq!(client.stdout.lines().count(), 1, "one line: {line:?}");
    let fields = report_fields(line);
    let keys: Vec<&str> = fields.iter().map(|(key, _)| *key).collect();
    assert_eq!(
        keys,
        ["round_trips", "per_sec", "p50_us", "p99_us", "errors"]
    );
    assert_eq!(fields[0].1, 1000, "{line}");
    assert_eq!(fields[4].1, 0, "{line}");
    assert!(fields[2].1 <= fields[3].1, "p50 <= p99: {line}");
}

#[test]
fn echo_client_against_a_work_queue_echo_server() {
    check_echo(
        &["--scheduler", "work-queue", "--workers", "2"],
        "round-robin",
    );
}

#[test]
fn echo_client_against_a_round_robin_echo_server() {
    check_echo(&["--scheduler", "round-robin"], "work-queue");
}

/// A server that answers every read with the bytes flipped: the client must notice.
#[test]
fn echo_client_fails_on_a_wrong_echo() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0; 1024];
            while let Ok(n @ 1..) = stream.read(&mut buf) {
                let flipped: Vec<u8> = buf[..n].iter().map(|b| !b).collect();
                if stream.write_all(&flipped).is_err() {
                    break;
                }
            }
        }
    });
    let client = echo_client(addr, &["--connections", "2", "--messages", "3"]);
    assert_eq!(client.status.code(), Some(1), "stderr: {}", client.stderr);
    let fields = report_fields(client.stdout.trim_end());
    assert_eq!(fields[0], ("round_trips", 0));
    assert_eq!(fields[4], ("errors", 6));
}

#[test]
fn bad_arguments_print_the_usage_and_exit_2() {
    for (name, args) in [
        ("echo_server", &["--scheduler", "fifo"][..]),
        ("http_hello", &["--workers", "0"][..]),
        ("echo_server", &["a:1", "b:2"][..]),
        ("echo_client", &["--connections"][..]),
        ("echo_client", &["--size", "big"][..]),
    ] {
        let run = run_bounded(example(name, args));
        assert_eq!(run.status.code(), Some(2), "{name} {args:?}");
        assert!(
            run.stderr.contains("usage:"),
            "{name} {args:?}: {}",
            run.stderr
        );
    }
}

/// 200 concurrent asyncio connections, all open at once, each checking its echoes
/// (tests/python/echo_clients.py). Skipped when python3 is missing.
#[test]
fn asyncio_clients_against_the_echo_server() {
    if Command::new("python3").arg("--version").output().is_err() {
        println!("skipped: python3 is not installed");
        return;
    }
    let server = start_server("echo_server", &[]);
    let mut command = Command::new("python3");
    command
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/python/echo_clients.py"
        ))
        .args([server.addr.to_string().as_str(), "--connections", "200"]);
    let run = run_bounded(command);
    assert!(run.status.success(), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.trim_end(),
        "connections=200 messages=5 mismatches=0 failures=0"
    );
}

/// A connection to `addr` whose reads give up after [`READ_TIMEOUT`].
fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    BufReader::new(stream)
}

/// Writes `bytes` on the connection.
fn send(connection: &mut BufReader<TcpStream>, bytes: &str) {
    connection.get_mut().write_all(bytes.as_bytes()).unwrap();
}

/// One HTTP response: the status line, the headers (names in lowercase) and the body.
#[derive(Debug)]
struct Response {
    status: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    /// The value of header `name` (lowercase), if present.
    fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, value)| value.as_str())
    }
}

/// Reads one response: the head line by line, then `Content-Length` bytes of body.
fn read_response(connection: &mut BufReader<TcpStream>) -> Response {
    let mut line = String::new();
    connection.read_line(&mut line).expect("a status line");
    let status = line.trim_end().to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        connection.read_line(&mut line).expect("a header line");
        let Some((name, value)) = line.trim_end().split_once(':') else {
            assert_eq!(line, "\r\n", "the head ends with an empty line");
            break;
        };
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut response = Response {
        status,
        headers,
        body: String::new(),
    };
    let len: usize = response.header("content-length").unwrap().parse().unwrap();
    let mut body = vec![0; len];
    connection.read_exact(&mut body).expect("the whole body");
    response.body = String::from_utf8(body).unwrap();
    response
}

/// Asserts that `response` is the server's `200 OK` `Hello, world!`.
fn assert_hello(response: &Response) {
    assert_eq!(response.status, "HTTP/1.1 200 OK", "{response:?}");
    assert_eq!(response.header("content-length"), Some("13"));
    assert_eq!(response.body, "Hello, world!");
}

/// Asserts that the server has closed `connection` (a read sees the end).
fn assert_closed(connection: &mut BufReader<TcpStream>) {
    let mut rest = Vec::new();
    connection
        .read_to_end(&mut rest)
        .expect("the server closes");
    assert!(rest.is_empty(), "nothing after the last response: {rest:?}");
}

const GET: &str = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
const GET_CLOSE: &str = "GET /bye HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/// Keep-alive, pipelining, a request in pieces and a malformed request, on one server.
fn check_http(server_flags: &[&str]) {
    let server = start_server("http_hello", server_flags);

    let mut keep_alive = connect(server.addr);
    send(&mut keep_alive, GET);
    assert_hello(&read_response(&mut keep_alive));
    send(&mut keep_alive, GET);
    let second = read_response(&mut keep_alive);
    assert_hello(&second);
    assert_eq!(second.header("connection"), None, "still open");

    let mut pipelined = connect(server.addr);
    send(&mut pipelined, &format!("{GET}{GET_CLOSE}"));
    assert_hello(&read_response(&mut pipelined));
    let last = read_response(&mut pipelined);
    assert_hello(&last);
    assert_eq!(last.header("connection"), Some("close"));
    assert_closed(&mut pipelined);

    let mut in_pieces = connect(server.addr);
    for piece in ["GET / HT", "TP/1.1\r\nHost: loc", "alhost\r\n", "\r\n"] {
        send(&mut in_pieces, piece);
        thread::sleep(Duration::from_millis(20));
    }
    assert_hello(&read_response(&mut in_pieces));

    let mut malformed = connect(server.addr);
    send(&mut malformed, "GET / HTTP/1.1\r\nHost localhost\r\n\r\n");
    let rejected = read_response(&mut malformed);
    assert_eq!(rejected.status, "HTTP/1.1 400 Bad Request");
    assert_eq!(rejected.header("connection"), Some("close"));
    assert_closed(&mut malformed);

    // The first connection is still served after all that.
    send(&mut keep_alive, GET_CLOSE);
    assert_hello(&read_response(&mut keep_alive));
    assert_closed(&mut keep_alive);
}

#[test]
fn http_hello_on_the_work_queue() {
    check_http(&["--workers", "2"]);
}

#[test]
fn http_hello_on_round_robin() {
    check_http(&["--scheduler", "round-robin"]);
}
