//! What the socket examples share: a small command-line parser, the choice of scheduler,
//! and the accept loop that gives each connection its own green thread.
//!
//! Each example includes it with `mod net_common;` (a folder without `main.rs` is not an
//! example of its own). Not every example uses every item, hence `dead_code` is allowed.
#![allow(dead_code)]

use std::process;
use std::str::FromStr;

use yieldpoint::net::{TcpListener, TcpStream};
use yieldpoint::sched::{RoundRobin, WorkQueue};

/// Which scheduler runs the green threads (`--scheduler round-robin|work-queue`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheduler {
    /// `RoundRobin`: every green thread on the calling OS thread.
    RoundRobin,
    /// `WorkQueue` with this many workers (`None`: one per core).
    WorkQueue(Option<usize>),
}

impl Scheduler {
    /// The scheduler named by `--scheduler` (if given) with `--workers` (if given).
    ///
    /// # Errors
    ///
    /// An unknown name, or `--workers` with the round-robin scheduler.
    pub fn from_flags(name: Option<&str>, workers: Option<usize>) -> Result<Scheduler, String> {
        match (name.unwrap_or("work-queue"), workers) {
            ("work-queue", workers) => Ok(Scheduler::WorkQueue(workers)),
            ("round-robin", None) => Ok(Scheduler::RoundRobin),
            ("round-robin", Some(_)) => Err("--workers needs --scheduler work-queue".into()),
            (other, _) => Err(format!("unknown scheduler {other:?}")),
        }
    }

    /// Runs `main` as the first green thread and returns its value once it ends.
    pub fn block_on<T: Send + 'static>(self, main: impl FnOnce() -> T + Send + 'static) -> T {
        match self {
            Scheduler::RoundRobin => RoundRobin::new().block_on(main),
            Scheduler::WorkQueue(None) => WorkQueue::new().block_on(main),
            Scheduler::WorkQueue(Some(n)) => WorkQueue::builder().workers(n).build().block_on(main),
        }
    }
}

/// The command line split into `--flag value` pairs and positional arguments.
#[derive(Debug, Default)]
pub struct Args {
    flags: Vec<(String, String)>,
    positional: Vec<String>,
}

impl Args {
    /// Splits `args` (without the program name). Every flag takes a value, as
    /// `--flag value` or `--flag=value`; `known` lists the flags allowed.
    ///
    /// # Errors
    ///
    /// An unknown flag, or a flag without its value.
    pub fn parse(args: impl IntoIterator<Item = String>, known: &[&str]) -> Result<Args, String> {
        let mut parsed = Args::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if !arg.starts_with("--") {
                parsed.positional.push(arg);
                continue;
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
                None => (arg, None),
            };
            if !known.contains(&flag.as_str()) {
                return Err(format!("unknown flag {flag}"));
            }
            let value = inline
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))?;
            parsed.flags.push((flag, value));
        }
        Ok(parsed)
    }

    /// The last value given for `flag`, as text.
    pub fn text(&self, flag: &str) -> Option<&str> {
        let mut values = self.flags.iter().filter(|(f, _)| f == flag);
        values.next_back().map(|(_, value)| value.as_str())
    }

    /// The last value given for `flag`, parsed.
    ///
    /// # Errors
    ///
    /// If the value does not parse as a `T`.
    pub fn value<T: FromStr>(&self, flag: &str) -> Result<Option<T>, String> {
        self.text(flag)
            .map(|text| {
                text.parse()
                    .map_err(|_| format!("{flag}: cannot use {text:?}"))
            })
            .transpose()
    }

    /// The one positional argument (the address), or `default` without one.
    ///
    /// # Errors
    ///
    /// More than one positional argument.
    pub fn address(&self, default: &str) -> Result<String, String> {
        match self.positional.as_slice() {
            [] => Ok(default.to_string()),
            [addr] => Ok(addr.clone()),
            [_, extra, ..] => Err(format!("unexpected argument {extra:?}")),
        }
    }

    /// The scheduler chosen by `--scheduler` and `--workers`.
    ///
    /// # Errors
    ///
    /// As [`Scheduler::from_flags`], or a `--workers` that is not a positive number.
    pub fn scheduler(&self) -> Result<Scheduler, String> {
        let workers = match self.value::<usize>("--workers")? {
            Some(0) => return Err("--workers must be at least 1".into()),
            workers => workers,
        };
        Scheduler::from_flags(self.text("--scheduler"), workers)
    }
}

/// Prints `error` and `usage` to standard error and exits with status 2 (a usage error).
pub fn usage_error(usage: &str, error: &str) -> ! {
    eprintln!("error: {error}\n\n{usage}");
    process::exit(2)
}

/// The arguments after the program name; with `--help` or `-h` among them, prints
/// `usage` and exits.
pub fn command_line(usage: &str) -> Vec<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{usage}");
        process::exit(0);
    }
    args
}

/// The usage of a server example named `name`.
pub fn server_usage(name: &str) -> String {
    format!(
        "usage: {name} [--scheduler round-robin|work-queue] [--workers N] [ADDR]\n\
         \n  --scheduler  which scheduler runs the connections (default: work-queue)\
         \n  --workers    worker threads of the work queue (default: one per core)\
         \n  ADDR         where to listen (default: {DEFAULT_ADDR}; port 0 picks a free port)"
    )
}

/// Where the servers listen unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// The command line of a server: its scheduler and address. `--help` prints the usage
/// and exits; a bad argument prints it and exits with status 2.
pub fn server_args(name: &str) -> (Scheduler, String) {
    let usage = server_usage(name);
    let args = command_line(&usage);
    let parsed = Args::parse(args, &["--scheduler", "--workers"])
        .and_then(|args| Ok((args.scheduler()?, args.address(DEFAULT_ADDR)?)));
    parsed.unwrap_or_else(|error| usage_error(&usage, &error))
}

/// Listens on `addr`, prints `listening on ADDR` (the bound address, so a port 0 shows the
/// port picked), then gives each connection its own green thread running `handle`, until
/// the process is killed. Call it inside a scheduler.
pub fn serve(addr: &str, handle: fn(TcpStream)) -> ! {
    let listener = TcpListener::bind(addr.to_string()).unwrap_or_else(|error| {
        eprintln!("error: cannot listen on {addr}: {error}");
        process::exit(1)
    });
    let local = listener
        .local_addr()
        .expect("a bound listener has an address");
    println!("listening on {local}");
    loop {
        match listener.accept() {
            // The handle is dropped: the connection's green thread runs on, detached.
            Ok((stream, _peer)) => {
                // Replies go out at once, not held back for the next request's ACK.
                let _ = stream.set_nodelay(true);
                drop(yieldpoint::spawn(move || handle(stream)));
            }
            // Out of descriptors (EMFILE) and the like: the listener stays usable.
            Err(error) => {
                eprintln!("accept: {error}");
                yieldpoint::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}
