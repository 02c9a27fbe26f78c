//! A load generator for an echo server: C connections, each its own green thread, each
//! sending M messages of S bytes one at a time and reading every echo back before the
//! next (a round trip), checking each byte.
//!
//! ```text
//! cargo run --release --example echo_client -- [--connections C] [--messages M] [--size S]
//!     [--scheduler round-robin|work-queue] [--workers N] [ADDR]
//! ```
//!
//! Defaults: 100 connections, 1000 messages each, 100 bytes, the work-queue scheduler,
//! `127.0.0.1:7878` (where `echo_server` listens by default). It prints one line:
//!
//! ```text
//! round_trips=100000 per_sec=61234 p50_us=1520 p99_us=3810 errors=0
//! ```
//!
//! (`per_sec` counts round trips per second of wall time, from the first connect to the
//! last echo; `p50_us` and `p99_us` are latency percentiles of one round trip, in
//! microseconds). It exits with status 1 if any connection failed or any echo differed
//! from what was sent, and with status 2 on a bad argument.
//!
//! What it shows: many concurrent clients written as straight-line code, one green thread
//! each, and a measurement of the scheduler's I/O path under load. Python: a script that
//! `asyncio.gather`s one `open_connection` coroutine per client.

mod net_common;

use std::io::{self, Read, Write};
use std::process;
use std::time::{Duration, Instant};

use net_common::{Args, Scheduler};
use yieldpoint::net::TcpStream;

/// What to run, from the command line.
#[derive(Clone, Debug)]
struct Load {
    connections: usize,
    messages: usize,
    size: usize,
    addr: String,
}

/// The usage message.
const USAGE: &str = "usage: echo_client [--connections C] [--messages M] [--size S] \
[--scheduler round-robin|work-queue] [--workers N] [ADDR]

  --connections  concurrent connections, one green thread each (default: 100)
  --messages     round trips per connection (default: 1000)
  --size         bytes per message (default: 100)
  --scheduler    which scheduler runs the connections (default: work-queue)
  --workers      worker threads of the work queue (default: one per core)
  ADDR           the echo server (default: 127.0.0.1:7878)";

/// The load and the scheduler named by `args`.
fn parse(args: Vec<String>) -> Result<(Load, Scheduler), String> {
    let known = [
        "--connections",
        "--messages",
        "--size",
        "--scheduler",
        "--workers",
    ];
    let args = Args::parse(args, &known)?;
    let positive = |flag: &str, default: usize| match args.value::<usize>(flag)? {
        Some(0) => Err(format!("{flag} must be at least 1")),
        value => Ok(value.unwrap_or(default)),
    };
    let load = Load {
        connections: positive("--connections", 100)?,
        messages: positive("--messages", 1000)?,
        size: positive("--size", 100)?,
        addr: args.address(net_common::DEFAULT_ADDR)?,
    };
    Ok((load, args.scheduler()?))
}

/// What one connection saw.
#[derive(Debug, Default)]
struct Outcome {
    /// Time of each round trip that echoed correctly.
    latencies: Vec<Duration>,
    /// Round trips whose echo differed from the message, and connection failures.
    errors: usize,
}

/// Message `index` of connection `connection`: `size` bytes that differ between
/// connections and between messages, so an echo sent to the wrong client shows.
fn message(connection: usize, index: usize, size: usize) -> Vec<u8> {
    let seed = connection
        .wrapping_mul(31)
        .wrapping_add(index.wrapping_mul(7));
    (0..size)
        .map(|i| (seed.wrapping_add(i) % 251) as u8)
        .collect()
}

// ANCHOR: round_trips
/// Connects to `load.addr` and runs `load.messages` round trips, timing each.
fn client(connection: usize, load: &Load) -> io::Result<Outcome> {
    let mut stream = TcpStream::connect(load.addr.clone())?;
    stream.set_nodelay(true)?;
    let mut outcome = Outcome::default();
    let mut echo = vec![0; load.size];
    for index in 0..load.messages {
        let sent = message(connection, index, load.size);
        let started = Instant::now();
        stream.write_all(&sent)?;
        stream.read_exact(&mut echo)?;
        if echo == sent {
            outcome.latencies.push(started.elapsed());
        } else {
            outcome.errors += 1;
        }
    }
    Ok(outcome)
}
// ANCHOR_END: round_trips

/// Runs every connection in its own green thread and merges what they saw; also
/// returns the wall time from the first connect to the last echo.
fn run(load: Load) -> (Outcome, Duration) {
    let started = Instant::now();
    let clients: Vec<_> = (0..load.connections)
        .map(|connection| {
            let load = load.clone();
            yieldpoint::spawn(move || client(connection, &load))
        })
        .collect();
    let mut total = Outcome::default();
    for handle in clients {
        match handle.join() {
            Ok(Ok(outcome)) => {
                total.latencies.extend(outcome.latencies);
                total.errors += outcome.errors;
            }
            Ok(Err(error)) => {
                eprintln!("connection failed: {error}");
                total.errors += 1;
            }
            Err(error) => {
                eprintln!("client task failed: {error}");
                total.errors += 1;
            }
        }
    }
    (total, started.elapsed())
}

/// The latency at `percentile` (0 to 100) of sorted `latencies`, in whole microseconds.
fn percentile_us(sorted: &[Duration], percentile: usize) -> u128 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * percentile).div_ceil(100).max(1);
    sorted[rank - 1].as_micros()
}

/// The one-line report: `round_trips=N per_sec=N p50_us=N p99_us=N errors=N`.
fn report(mut outcome: Outcome, elapsed: Duration) -> String {
    outcome.latencies.sort_unstable();
    let round_trips = outcome.latencies.len();
    let per_sec = round_trips as f64 / elapsed.as_secs_f64().max(1e-9);
    format!(
        "round_trips={round_trips} per_sec={per_sec:.0} p50_us={} p99_us={} errors={}",
        percentile_us(&outcome.latencies, 50),
        percentile_us(&outcome.latencies, 99),
        outcome.errors
    )
}

fn main() {
    let args = net_common::command_line(USAGE);
    let (load, scheduler) = parse(args).unwrap_or_else(|e| net_common::usage_error(USAGE, &e));
    let (outcome, elapsed) = scheduler.block_on(move || run(load));
    let failed = outcome.errors > 0;
    println!("{}", report(outcome, elapsed));
    if failed {
        process::exit(1);
    }
}
