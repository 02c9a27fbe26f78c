//! The `echo_server` example's peer on tokio, for comparing both under the same load.
//!
//! ```text
//! cargo run --release -p perf --bin tokio_echo_server -- [--current-thread] [--workers N] [ADDR]
//! cargo run --release --example echo_client -- --connections 100 ADDR
//! ```
//!
//! One tokio task per connection, each the same loop as `examples/echo_server.rs` (read
//! up to 16 KiB, write it all back, `TCP_NODELAY` on). The runtime is tokio's multi-thread
//! one (`--workers` threads, default a worker per core) or, with `--current-thread`, the
//! single-thread one, the peers of `--scheduler work-queue` and `--scheduler round-robin`.
//! Prints `listening on ADDR` (default `127.0.0.1:7879`; port 0 picks a free port), then
//! serves until killed.

use perf::servers::{server_args, tokio_runtime, tokio_serve, BUFFER};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const USAGE: &str = "usage: tokio_echo_server [--current-thread] [--workers N] [ADDR]";

/// Echoes everything `stream` sends until it closes its side or the connection fails.
async fn echo(mut stream: TcpStream) {
    let mut buf = vec![0; BUFFER];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

fn main() {
    let args = server_args(USAGE, &["--current-thread", "--workers"]);
    tokio_runtime(&args).block_on(tokio_serve(args.addr, echo));
}
