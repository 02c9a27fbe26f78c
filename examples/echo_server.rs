//! A TCP echo server: one green thread per connection, each a plain blocking-style loop
//! (`read`, then `write_all` what came) that parks only its own green thread.
//!
//! ```text
//! cargo run --release --example echo_server -- [--scheduler round-robin|work-queue] [--workers N] [ADDR]
//! ```
//!
//! `ADDR` defaults to `127.0.0.1:7878`; port 0 picks a free port. Once it accepts, the
//! server prints `listening on ADDR` with the bound address, then serves until it is
//! killed. A bad argument prints the usage and exits with status 2.
//!
//! What it shows: the code of a thread-per-connection server, at the cost of a green
//! thread per connection. Python: `asyncio.start_server` with a `handle_echo` coroutine,
//! except that nothing here is `async`. Load it with the `echo_client` example:
//!
//! ```text
//! cargo run --release --example echo_client -- --connections 100 127.0.0.1:7878
//! ```

mod net_common;

use std::io::{Read, Write};

use yieldpoint::net::TcpStream;

/// Bytes read (and written back) at a time.
const BUFFER: usize = 16 * 1024;

// ANCHOR: echo
/// Echoes everything `stream` sends until it closes its side or the connection fails.
fn echo(mut stream: TcpStream) {
    let mut buf = vec![0; BUFFER];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return, // closed by the peer, or reset
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}
// ANCHOR_END: echo

fn main() {
    let (scheduler, addr) = net_common::server_args("echo_server");
    scheduler.block_on(move || net_common::serve(&addr, echo));
}
