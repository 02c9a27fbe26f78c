//! The `echo_server` example's peer on may, for the report's `tcp_echo` rows.
//!
//! ```text
//! cargo run --release -p perf --bin may_echo_server -- [--workers N] [ADDR]
//! ```
//!
//! One may coroutine per connection (`may::go!`), each the loop of
//! `examples/echo_server.rs` on may's `TcpStream` (read up to 16 KiB, write it all back,
//! `TCP_NODELAY` on), on `--workers` worker threads (default 1), not pinned to cores, as
//! in the report's other may rows. Prints `listening on ADDR` (default `127.0.0.1:7879`;
//! port 0 picks a free port), then serves until killed.

use may::net::TcpListener;
use perf::servers::{announce, cannot_listen, echo, server_args};

const USAGE: &str = "usage: may_echo_server [--workers N] [ADDR]";

/// Accepts connections forever, a coroutine each.
fn serve(listener: TcpListener) {
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                may::go!(move || echo(stream));
            }
            Err(error) => eprintln!("accept: {error}"),
        }
    }
}

fn main() {
    let args = server_args(USAGE, &["--workers"]);
    perf::may_peer::configure(args.workers.unwrap_or(1));
    let listener = TcpListener::bind(&args.addr).unwrap_or_else(|e| cannot_listen(&args.addr, e));
    announce(listener.local_addr());
    // The accept loop runs in a coroutine too, so that it parks on may's poller.
    let _ = may::go!(move || serve(listener)).join();
}
