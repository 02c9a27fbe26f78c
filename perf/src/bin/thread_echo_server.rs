//! The `echo_server` example written with an OS thread per connection (std's blocking
//! sockets), for the report's `tcp_echo` rows.
//!
//! ```text
//! cargo run --release -p perf --bin thread_echo_server -- [ADDR]
//! ```
//!
//! Each connection gets a `std::thread` running the loop of `examples/echo_server.rs`
//! (read up to 16 KiB, write it all back, `TCP_NODELAY` on). Prints `listening on ADDR`
//! (default `127.0.0.1:7879`; port 0 picks a free port), then serves until killed.

use std::net::TcpListener;

use perf::servers::{announce, cannot_listen, echo, server_args};

const USAGE: &str = "usage: thread_echo_server [ADDR]";

fn main() {
    let args = server_args(USAGE, &[]);
    let listener = TcpListener::bind(&args.addr).unwrap_or_else(|e| cannot_listen(&args.addr, e));
    announce(listener.local_addr());
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                std::thread::spawn(move || echo(stream));
            }
            Err(error) => eprintln!("accept: {error}"),
        }
    }
}
