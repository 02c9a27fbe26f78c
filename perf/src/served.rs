//! The rows whose server runs in a process of its own and whose load comes from a client
//! in another (`tcp_echo`, `http_hello`): starting a server and waiting for its
//! `listening on ADDR` line, the guard that kills it, and one sample of client load.
//!
//! Every wait is bounded: a server that does not say where it listens within
//! [`START_TIMEOUT`], or a client that does not finish within [`LOAD_TIMEOUT`], is killed
//! and reported as a failure.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a server may take to print `listening on ADDR`.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one sample of client load may take.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Connections of the `tcp_echo` client.
pub const ECHO_CONNECTIONS: usize = 100;
/// Round trips per connection and sample: 100,000 round trips in all, about 1 s
/// on the 2-core development machine (1.5 s for asyncio).
pub const ECHO_MESSAGES: usize = 1000;
/// Bytes per `tcp_echo` message.
pub const ECHO_SIZE: usize = 100;

/// A program the report starts.
#[derive(Clone, Copy)]
pub enum Program {
    /// An example of the yieldpoint package (`target/release/examples/NAME`).
    Example(&'static str),
    /// A binary of the perf package (`target/release/NAME`).
    Bin(&'static str),
    /// A script of `perf/python/`, run with `python3`.
    Python(&'static str),
}

impl Program {
    /// The command that runs it, without arguments.
    fn command(self) -> Command {
        let release = || -> PathBuf {
            let exe = std::env::current_exe().expect("the path of perf-report");
            exe.parent().expect("a directory").to_path_buf()
        };
        match self {
            Program::Example(name) => Command::new(release().join("examples").join(name)),
            Program::Bin(name) => Command::new(release().join(name)),
            Program::Python(script) => {
                let mut command = Command::new("python3");
                command.arg(crate::workspace().join("perf/python").join(script));
                command
            }
        }
    }

    fn name(self) -> &'static str {
        match self {
            Program::Example(name) | Program::Bin(name) | Program::Python(name) => name,
        }
    }
}

/// What loads the server.
#[derive(Clone, Copy)]
pub enum Load {
    /// The `echo_client` example (round-robin scheduler: one client thread for every
    /// server): [`ECHO_CONNECTIONS`] connections, [`ECHO_MESSAGES`] round trips of
    /// [`ECHO_SIZE`] bytes each.
    EchoClient,
    /// `wrk -t1 -c100 -d3s --latency` (keep-alive) against `http://ADDR/`.
    Wrk,
}

impl Load {
    /// Operations per sample, when fixed (`wrk` runs for a fixed time instead).
    pub fn operations(self) -> Option<u64> {
        match self {
            Load::EchoClient => Some((ECHO_CONNECTIONS * ECHO_MESSAGES) as u64),
            Load::Wrk => None,
        }
    }
}

/// A server and the load of one sample.
pub struct Served {
    pub server: Program,
    /// The server's arguments before its address (`127.0.0.1:0`, appended).
    pub args: &'static [&'static str],
    pub load: Load,
}

impl Served {
    /// The tool the entry needs beyond the workspace's own binaries, if any.
    pub fn requires(&self) -> Option<&'static str> {
        match (self.server, self.load) {
            (Program::Python(_), _) => Some("python3"),
            (_, Load::Wrk) => Some("wrk"),
            _ => None,
        }
    }
}

/// One sample: microseconds of wall time per operation (round trip or request), and the
/// 99th percentile latency of one operation in microseconds.
pub struct Sample {
    pub micros_per_op: f64,
    pub p99_us: f64,
}

/// A running server; dropping it kills the process and reaps it.
pub struct Running {
    child: Child,
    /// Where it listens, from its `listening on ADDR` line.
    addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `served`'s server on a free port and waits (at most [`START_TIMEOUT`]) for its
/// `listening on ADDR` line. Its standard error goes to ours.
pub fn start(served: &Served) -> Result<Running, String> {
    let name = served.server.name();
    let child = served
        .server
        .command()
        .args(served.args)
        .arg("127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    let mut running = Running {
        child,
        addr: String::new(),
    };
    let stdout = running.child.stdout.take().expect("piped");
    match listening_addr(stdout).recv_timeout(START_TIMEOUT) {
        Ok(addr) => {
            running.addr = addr;
            Ok(running)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "{name} did not print `listening on ADDR` within {START_TIMEOUT:?}; killed"
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // Its output closed: it has exited, or is about to.
            thread::sleep(Duration::from_millis(100));
            Err(match running.child.try_wait() {
                Ok(Some(status)) => format!("{name} exited ({status}) before it listened"),
                _ => format!("{name} closed its output before it listened; killed"),
            })
        }
    }
}

/// A channel that receives ADDR once `stdout` gives a `listening on ADDR` line; a thread
/// reads (and drops) the rest of the output, so the server never blocks writing it.
fn listening_addr(stdout: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    rx
}

/// One sample of `load` against `server`.
pub fn sample(load: Load, server: &Running) -> Result<Sample, String> {
    match load {
        Load::EchoClient => {
            let mut client = Program::Example("echo_client").command();
            client.args(["--scheduler", "round-robin"]);
            for (flag, value) in [
                ("--connections", ECHO_CONNECTIONS),
                ("--messages", ECHO_MESSAGES),
                ("--size", ECHO_SIZE),
            ] {
                client.args([flag, &value.to_string()]);
            }
            let out = run_bounded(client.arg(&server.addr), "echo_client")?;
            parse_echo_client(&out)
        }
        Load::Wrk => {
            let mut wrk = Command::new("wrk");
            wrk.args(["-t1", "-c100", "-d3s", "--latency"]);
            let out = run_bounded(wrk.arg(format!("http://{}/", server.addr)), "wrk")?;
            parse_wrk(&out)
        }
    }
}

/// Runs `command` to its end with its output captured, killing it after [`LOAD_TIMEOUT`];
/// an exit status other than success is an error carrying its standard error.
fn run_bounded(command: &mut Command, name: &str) -> Result<String, String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    let deadline = Instant::now() + LOAD_TIMEOUT;
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{name} did not finish within {LOAD_TIMEOUT:?}; killed"
            ));
        }
        thread::sleep(Duration::from_millis(5));
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    if status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "{name} failed ({status}): {} {}",
            stdout.trim(),
            String::from_utf8_lossy(&stderr).trim()
        ))
    }
}

/// The value of `key=N` in `echo_client`'s line.
fn field(line: &str, key: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        .and_then(|value| value.parse().ok())
}

/// `round_trips=N per_sec=N p50_us=N p99_us=N errors=N` as a sample.
fn parse_echo_client(out: &str) -> Result<Sample, String> {
    let unreadable = || format!("echo_client printed {:?}", out.trim());
    let per_sec = field(out, "per_sec")
        .filter(|r| *r > 0.0)
        .ok_or_else(unreadable)?;
    Ok(Sample {
        micros_per_op: 1e6 / per_sec,
        p99_us: field(out, "p99_us").ok_or_else(unreadable)?,
    })
}

/// wrk's `Requests/sec:` and the `99%` line of its `--latency` distribution as a sample.
fn parse_wrk(out: &str) -> Result<Sample, String> {
    let unreadable = || format!("wrk printed {:?}", out.trim());
    let after = |prefix: &str| {
        out.lines()
            .find_map(|line| line.trim().strip_prefix(prefix))
            .map(str::trim)
    };
    let per_sec: f64 = after("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .filter(|r| *r > 0.0)
        .ok_or_else(unreadable)?;
    let p99 = after("99%").and_then(micros).ok_or_else(unreadable)?;
    Ok(Sample {
        micros_per_op: 1e6 / per_sec,
        p99_us: p99,
    })
}

/// A wrk duration (`812.00us`, `1.25ms`, `2.01s`) in microseconds.
fn micros(text: &str) -> Option<f64> {
    let units = [("us", 1.0), ("ms", 1e3), ("s", 1e6), ("m", 60e6)];
    units.iter().find_map(|(unit, scale)| {
        let number: f64 = text.strip_suffix(unit)?.parse().ok()?;
        Some(number * scale)
    })
}

#[cfg(test)]
mod tests {
    use super::{micros, parse_echo_client, parse_wrk};

    #[test]
    fn reads_the_echo_client_line() {
        let line = "round_trips=50000 per_sec=50000 p50_us=900 p99_us=2100 errors=0\n";
        let sample = parse_echo_client(line).unwrap();
        assert_eq!(sample.micros_per_op, 20.0);
        assert_eq!(sample.p99_us, 2100.0);
        assert!(parse_echo_client("nonsense").is_err());
    }

    #[test]
    fn reads_wrk_requests_and_p99() {
        let out = "  Latency Distribution\n     50%  600.00us\n     99%    1.50ms\n\
                   Requests/sec:  80000.00\nTransfer/sec:      9.00MB\n";
        let sample = parse_wrk(out).unwrap();
        assert_eq!(sample.micros_per_op, 12.5);
        assert_eq!(sample.p99_us, 1500.0);
        assert_eq!(micros("2.5s"), Some(2.5e6));
        assert_eq!(micros("7.0"), None);
    }
}
