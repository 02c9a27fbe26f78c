//! What the servers of `perf/src/bin/` share (the peers of the `echo_server` and
//! `http_hello` examples in the report's `tcp_echo` and `http_hello` rows): their command
//! line, the `listening on ADDR` line the report waits for, the tokio runtime and accept
//! loop, and the blocking echo loop of the may and thread servers.

use std::future::Future;
use std::io::{self, Read, Write};
use std::process;

/// Where the servers listen unless told otherwise (beside `echo_server`'s 7878).
pub const DEFAULT_ADDR: &str = "127.0.0.1:7879";
/// Bytes read (and written back) at a time, as in the `echo_server` example.
pub const BUFFER: usize = 16 * 1024;

/// A server's command line: `[--workers N] [--current-thread] [ADDR]`.
#[derive(Debug)]
pub struct ServerArgs {
    /// `--workers N`: worker threads (`None`: the server's default).
    pub workers: Option<usize>,
    /// `--current-thread`: tokio's single-thread runtime.
    pub current_thread: bool,
    /// Where to listen; port 0 picks a free port.
    pub addr: String,
}

/// Parses the command line of a server whose usage is `usage`, allowing the flags in
/// `flags` (`--workers`, `--current-thread`); a bad argument prints the usage and exits
/// with status 2.
pub fn server_args(usage: &str, flags: &[&str]) -> ServerArgs {
    parse(std::env::args().skip(1), flags).unwrap_or_else(|error| {
        eprintln!("error: {error}\n\n{usage}");
        process::exit(2)
    })
}

fn parse(args: impl IntoIterator<Item = String>, flags: &[&str]) -> Result<ServerArgs, String> {
    let mut parsed = ServerArgs {
        workers: None,
        current_thread: false,
        addr: DEFAULT_ADDR.into(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            flag if flag.starts_with('-') && !flags.contains(&flag) => {
                return Err(format!("unknown flag {flag}"))
            }
            "--current-thread" => parsed.current_thread = true,
            "--workers" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => parsed.workers = Some(n),
                _ => return Err("--workers needs a positive number".into()),
            },
            _ => parsed.addr = arg,
        }
    }
    Ok(parsed)
}

/// Prints `listening on ADDR` (the bound address, so a port 0 shows the port picked) and
/// flushes it: `scripts/perf-report` waits for this line.
pub fn announce(addr: io::Result<std::net::SocketAddr>) {
    let addr = addr.expect("a bound listener has an address");
    println!("listening on {addr}");
    let _ = io::stdout().flush();
}

/// Exits with a message when the server cannot listen on `addr`.
pub fn cannot_listen(addr: &str, error: io::Error) -> ! {
    eprintln!("error: cannot listen on {addr}: {error}");
    process::exit(1)
}

/// The tokio runtime `args` ask for: the single-thread one with `--current-thread`,
/// otherwise the multi-thread one with `--workers` threads (default a worker per core).
pub fn tokio_runtime(args: &ServerArgs) -> tokio::runtime::Runtime {
    let mut builder = if args.current_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    if let Some(workers) = args.workers.filter(|_| !args.current_thread) {
        builder.worker_threads(workers);
    }
    builder.enable_all().build().expect("a tokio runtime")
}

/// Binds `addr`, says where, and spawns a tokio task running `handle` per connection
/// (`TCP_NODELAY` on), forever.
pub async fn tokio_serve<F>(addr: String, handle: fn(tokio::net::TcpStream) -> F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|error| cannot_listen(&addr, error));
    announce(listener.local_addr());
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(handle(stream));
            }
            Err(error) => eprintln!("accept: {error}"),
        }
    }
}

/// Echoes everything `stream` sends until it closes its side or the connection fails:
/// the loop of `examples/echo_server.rs`, on any blocking stream.
pub fn echo(mut stream: impl Read + Write) {
    let mut buf = vec![0; BUFFER];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stream.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_workers_and_address() {
        let parsed = parse(args(&["--workers", "2", "127.0.0.1:0"]), &["--workers"]).unwrap();
        assert_eq!(parsed.workers, Some(2));
        assert_eq!(parsed.addr, "127.0.0.1:0");
        assert!(!parsed.current_thread);
    }

    #[test]
    fn rejects_unknown_flags_and_bad_counts() {
        assert!(parse(args(&["--current-thread"]), &["--workers"]).is_err());
        assert!(parse(args(&["--workers", "0"]), &["--workers"]).is_err());
        assert!(parse(args(&["--workers"]), &["--workers"]).is_err());
    }
}
