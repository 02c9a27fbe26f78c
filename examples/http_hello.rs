//! An HTTP/1.1 "hello" server with keep-alive: one green thread per connection, requests
//! parsed with `httparse`, every request answered `Hello, world!`.
//!
//! ```text
//! cargo run --release --example http_hello -- [--scheduler round-robin|work-queue] [--workers N] [ADDR]
//! curl -i http://127.0.0.1:7878/
//! wrk -t2 -c100 -d10s http://127.0.0.1:7878/
//! ```
//!
//! `ADDR` defaults to `127.0.0.1:7878`; port 0 picks a free port. Once it accepts, the
//! server prints `listening on ADDR` with the bound address, then serves until it is
//! killed. A bad argument prints the usage and exits with status 2.
//!
//! Each connection reads into a buffer until it holds a whole request head (a request may
//! arrive in pieces), answers every complete request in the buffer (pipelined requests
//! get their responses in order, written together), and keeps the connection open for the
//! next. It closes after answering a request with `Connection: close` (or an HTTP/1.0
//! request without `Connection: keep-alive`), and after answering `400 Bad Request` to
//! anything it cannot parse. A request body (by `Content-Length`) is read and ignored;
//! `Transfer-Encoding` is not supported (400).
//!
//! What it shows: a protocol loop written as sequential code (read, parse, answer) on
//! green threads. Python: an `asyncio.Protocol` whose `data_received` buffers until
//! `b"\r\n\r\n"`, or aiohttp's low-level server, without the callbacks.

mod net_common;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::time::Duration;

use yieldpoint::net::TcpStream;

/// The body of every successful response.
const BODY: &str = "Hello, world!";
/// Bytes read at a time.
const READ_CHUNK: usize = 4096;
/// The largest request head accepted; a longer one is answered 400.
const MAX_HEAD: usize = 8 * 1024;
/// The most headers a request may have.
const MAX_HEADERS: usize = 32;
/// The largest request body accepted (it is read and dropped).
const MAX_BODY: usize = 1024 * 1024;
/// How long a connection closed after a 400 keeps reading what the client still sends,
/// so that closing with unread input does not reset the connection before the client
/// has read the 400.
const LINGER: Duration = Duration::from_secs(1);

/// What the start of the input buffer holds.
#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    /// Not yet a whole request: read more.
    Partial,
    /// A whole request of `len` bytes (head and body).
    Request {
        len: usize,
        /// `HEAD`: the response has no body.
        head_only: bool,
        /// The client asked to close the connection after this request.
        close: bool,
    },
    /// Not a request this server can parse.
    Bad,
}

// ANCHOR: parse
/// Parses the request at the start of `input`.
fn parse(input: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(input) {
        Ok(httparse::Status::Complete(head_len)) => complete(&request, head_len, input.len()),
        Ok(httparse::Status::Partial) if input.len() <= MAX_HEAD => Parsed::Partial,
        Ok(httparse::Status::Partial) | Err(_) => Parsed::Bad,
    }
}
// ANCHOR_END: parse

/// A request whose head (`head_len` bytes) parsed, with `available` bytes in the buffer.
fn complete(request: &httparse::Request<'_, '_>, head_len: usize, available: usize) -> Parsed {
    if header(request, "transfer-encoding").is_some() {
        return Parsed::Bad;
    }
    let body_len = match header(request, "content-length").map(|v| v.trim().parse::<usize>()) {
        None => 0,
        Some(Ok(len)) if len <= MAX_BODY => len,
        Some(_) => return Parsed::Bad,
    };
    let len = head_len + body_len;
    if available < len {
        return Parsed::Partial;
    }
    Parsed::Request {
        len,
        head_only: request.method == Some("HEAD"),
        close: wants_close(request),
    }
}

/// Whether the connection ends after `request`: `Connection: close`, or HTTP/1.0 without
/// `Connection: keep-alive`.
fn wants_close(request: &httparse::Request<'_, '_>) -> bool {
    let has_token = |token: &str| {
        header(request, "connection").is_some_and(|value| {
            value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        })
    };
    has_token("close") || (request.version == Some(0) && !has_token("keep-alive"))
}

/// The value of header `name` (any case), if present and text.
fn header<'a>(request: &httparse::Request<'_, 'a>, name: &str) -> Option<&'a str> {
    let found = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))?;
    std::str::from_utf8(found.value).ok()
}

/// Appends the response `200 OK` with [`BODY`] to `output`.
fn hello(output: &mut Vec<u8>, head_only: bool, close: bool) {
    let connection = if close { "Connection: close\r\n" } else { "" };
    let body = if head_only { "" } else { BODY };
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{connection}\r\n{body}",
        BODY.len()
    );
    output.extend_from_slice(response.as_bytes());
}

/// Appends the response `400 Bad Request` (which closes the connection) to `output`.
fn bad_request(output: &mut Vec<u8>) {
    let body = "Bad Request";
    let response = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    output.extend_from_slice(response.as_bytes());
}

/// What the connection does after answering what the input holds.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Read more requests.
    Read,
    /// Close: the client asked to.
    Close,
    /// Close after a 400, reading for a moment what the client still sends.
    CloseAfterError,
}

// ANCHOR: answer
/// Answers every complete request at the start of `input` into `output`, and removes them
/// from `input` (a partial request stays there, to be completed by the next read).
fn answer(input: &mut Vec<u8>, output: &mut Vec<u8>) -> Next {
    let mut consumed = 0;
    let next = loop {
        match parse(&input[consumed..]) {
            Parsed::Partial => break Next::Read,
            Parsed::Request {
                len,
                head_only,
                close,
            } => {
                consumed += len;
                hello(output, head_only, close);
                if close {
                    break Next::Close;
                }
            }
            Parsed::Bad => {
                bad_request(output);
                break Next::CloseAfterError;
            }
        }
    };
    input.drain(..consumed);
    next
}

/// Serves the requests of one connection until it closes.
fn serve_http(mut stream: TcpStream) {
    let mut input = Vec::with_capacity(READ_CHUNK);
    let mut output = Vec::with_capacity(READ_CHUNK);
    loop {
        let next = answer(&mut input, &mut output);
        if stream.write_all(&output).is_err() {
            return;
        }
        output.clear();
        match next {
            Next::Read if read_more(&mut stream, &mut input) => {}
            Next::Read | Next::Close => return,
            Next::CloseAfterError => return linger(&stream),
        }
    }
}
// ANCHOR_END: answer

/// Reads what the client sent next onto the end of `input`; false once the client has
/// closed its side or the connection failed.
fn read_more(stream: &mut TcpStream, input: &mut Vec<u8>) -> bool {
    let start = input.len();
    input.resize(start + READ_CHUNK, 0);
    let read = stream.read(&mut input[start..]);
    input.truncate(start + *read.as_ref().unwrap_or(&0));
    matches!(read, Ok(n) if n > 0)
}

/// Closes our side, then reads and drops what the client still sends, for at most
/// [`LINGER`] (a lingering close, as web servers do after an error).
fn linger(mut stream: &TcpStream) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let mut sink = [0; READ_CHUNK];
    let _ = yieldpoint::timeout(LINGER, || while let Ok(1..) = stream.read(&mut sink) {});
}

fn main() {
    let (scheduler, addr) = net_common::server_args("http_hello");
    scheduler.block_on(move || net_common::serve(&addr, serve_http));
}
