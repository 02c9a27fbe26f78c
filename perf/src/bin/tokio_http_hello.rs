//! The `http_hello` example's peer on tokio, for the report's `http_hello` row.
//!
//! ```text
//! cargo run --release -p perf --bin tokio_http_hello -- [--current-thread] [--workers N] [ADDR]
//! wrk -t1 -c100 -d3s http://ADDR/
//! ```
//!
//! One tokio task per connection answering every request `200 OK` with `Hello, world!`,
//! keeping the connection open, as the example does: requests parsed with `httparse`,
//! pipelined requests answered together in order, a `Content-Length` body read and
//! dropped, `400 Bad Request` (then close) for what does not parse, close after
//! `Connection: close` or an HTTP/1.0 request without keep-alive. The runtime is tokio's
//! multi-thread one (`--workers` threads, default a worker per core) or, with
//! `--current-thread`, the single-thread one. Prints `listening on ADDR` (default
//! `127.0.0.1:7879`; port 0 picks a free port), then serves until killed.

use perf::servers::{server_args, tokio_runtime, tokio_serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const USAGE: &str = "usage: tokio_http_hello [--current-thread] [--workers N] [ADDR]";
/// The response to every request (`Content-Length` is that of `Hello, world!`).
const HELLO: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";
/// The response to what does not parse; the connection closes after it.
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\
Content-Length: 11\r\nConnection: close\r\n\r\nBad Request";
/// Bytes read at a time, as the example.
const READ_CHUNK: usize = 4096;
/// The largest request head accepted, as the example.
const MAX_HEAD: usize = 8 * 1024;
/// The largest request body accepted, as the example.
const MAX_BODY: usize = 1024 * 1024;

/// What the start of the input holds: `Ok(None)` for part of a request, `Ok(Some((len,
/// close)))` for a whole one of `len` bytes (head and body) after which the connection
/// closes if `close`, `Err(())` for what is not a request.
fn parse(input: &[u8]) -> Result<Option<(usize, bool)>, ()> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(input) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if input.len() <= MAX_HEAD => return Ok(None),
        _ => return Err(()),
    };
    let value = |name: &str| {
        let header = request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name));
        header.and_then(|h| std::str::from_utf8(h.value).ok())
    };
    let body_len = match value("content-length").map(|v| v.trim().parse::<usize>()) {
        _ if value("transfer-encoding").is_some() => return Err(()),
        None => 0,
        Some(Ok(len)) if len <= MAX_BODY => len,
        Some(_) => return Err(()),
    };
    let token = |t: &str| {
        value("connection").is_some_and(|v| v.split(',').any(|x| x.trim().eq_ignore_ascii_case(t)))
    };
    let close = token("close") || (request.version == Some(0) && !token("keep-alive"));
    let len = head_len + body_len;
    Ok((input.len() >= len).then_some((len, close)))
}

/// Serves the requests of one connection until it closes.
async fn serve_http(mut stream: TcpStream) {
    let mut input = Vec::with_capacity(READ_CHUNK);
    let mut output = Vec::with_capacity(READ_CHUNK);
    let mut chunk = [0; READ_CHUNK];
    loop {
        let mut consumed = 0;
        let open = loop {
            match parse(&input[consumed..]) {
                Ok(None) => break true,
                Ok(Some((len, close))) => {
                    consumed += len;
                    output.extend_from_slice(HELLO);
                    if close {
                        break false;
                    }
                }
                Err(()) => {
                    output.extend_from_slice(BAD_REQUEST);
                    break false;
                }
            }
        };
        input.drain(..consumed);
        if stream.write_all(&output).await.is_err() || !open {
            return;
        }
        output.clear();
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => input.extend_from_slice(&chunk[..n]),
        }
    }
}

fn main() {
    let args = server_args(USAGE, &["--current-thread", "--workers"]);
    tokio_runtime(&args).block_on(tokio_serve(args.addr, serve_http));
}
