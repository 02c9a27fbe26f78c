//! The `echo_server` example's peer on tokio, for comparing both under the same load.
//!
//! ```text
//! cargo run --release -p perf --bin tokio_echo_server -- [--current-thread] [ADDR]
//! cargo run --release --example echo_client -- --connections 100 ADDR
//! ```
//!
//! One tokio task per connection, each the same loop as `examples/echo_server.rs` (read
//! up to 16 KiB, write it all back, `TCP_NODELAY` on). The runtime is tokio's multi-thread
//! one (a worker per core) or, with `--current-thread`, the single-thread one, the peers of
//! `--scheduler work-queue` and `--scheduler round-robin`. Prints `listening on ADDR`
//! (default `127.0.0.1:7879`; port 0 picks a free port), then serves until killed.

use std::process;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Where it listens unless told otherwise (beside `echo_server`'s 7878).
const DEFAULT_ADDR: &str = "127.0.0.1:7879";
/// Bytes read (and written back) at a time, as in `echo_server`.
const BUFFER: usize = 16 * 1024;

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

/// Binds `addr`, says where, and spawns a task per connection, forever.
async fn serve(addr: String) {
    let listener = TcpListener::bind(&addr).await.unwrap_or_else(|error| {
        eprintln!("error: cannot listen on {addr}: {error}");
        process::exit(1)
    });
    println!("listening on {}", listener.local_addr().expect("bound"));
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(echo(stream));
            }
            Err(error) => eprintln!("accept: {error}"),
        }
    }
}

fn main() {
    let mut current_thread = false;
    let mut addr = DEFAULT_ADDR.to_string();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--current-thread" => current_thread = true,
            flag if flag.starts_with('-') => {
                eprintln!("usage: tokio_echo_server [--current-thread] [ADDR]");
                process::exit(2)
            }
            _ => addr = arg,
        }
    }
    let mut builder = if current_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = builder.enable_all().build().expect("a tokio runtime");
    runtime.block_on(serve(addr));
}
