//! The rows of the report and who runs in each: yieldpoint's variants first, then the
//! peers, each compared with the yieldpoint variant that does the same thing.

use perf::timing::{self, Workload};
use perf::{cores, may_peer, memory, peers, yp, FAN_OUT_TASKS, IDLE_TASKS};

use crate::served::{Load, Program, Served, ECHO_CONNECTIONS, ECHO_MESSAGES, ECHO_SIZE};

/// Where a measurement comes from.
pub enum Source {
    /// A function of this binary, timed in this process.
    InProcess(Workload),
    /// A may workload in a child process with this many workers.
    May {
        workload: &'static str,
        workers: usize,
    },
    /// A workload of `perf/python/workloads.py`, run with `python3`.
    Python(&'static str),
    /// Bytes of RSS per idle task, from `perf-report child rss IMPL`.
    IdleRss(&'static str),
    /// A server in a process of its own under a client's load (`served.rs`).
    Served(Served),
}

impl Source {
    /// The tool the entry needs beyond the workspace's own binaries (`python3`, `wrk`).
    pub fn requires(&self) -> Option<&'static str> {
        match self {
            Source::Python(_) => Some("python3"),
            Source::Served(served) => served.requires(),
            _ => None,
        }
    }
}

/// One implementation in a row.
pub struct Entry {
    /// Stable id within the row (`round-robin`, `tokio-current-thread`, ...).
    pub id: &'static str,
    /// What the table shows.
    pub label: String,
    /// yieldpoint itself (otherwise a peer).
    pub yieldpoint: bool,
    /// For a peer: the id of the yieldpoint entry it is compared with.
    pub versus: Option<&'static str>,
    pub source: Source,
    /// Said next to the number in the report (what makes it differ, if anything).
    pub note: Option<&'static str>,
}

/// A performance target of the project, shown in the report's targets table.
pub enum Target {
    /// The yieldpoint entry's median is at most this (in the row's unit).
    AtMost { entry: &'static str, limit: f64 },
    /// The yieldpoint entry's median is at most `factor` times the peer's.
    WithinFactor {
        entry: &'static str,
        peer: &'static str,
        factor: f64,
    },
}

pub struct Row {
    pub operation: &'static str,
    pub unit: &'static str,
    pub description: String,
    pub entries: Vec<Entry>,
    /// The project's targets for this row (the report's targets table).
    pub targets: Vec<(String, Target)>,
    /// Memory rows take fewer samples (each is a child process spawning 10,000 tasks).
    pub memory: bool,
}

fn yieldpoint(id: &'static str, label: &str, workload: Workload) -> Entry {
    yieldpoint_from(id, label, Source::InProcess(workload))
}

fn yieldpoint_from(id: &'static str, label: &str, source: Source) -> Entry {
    Entry {
        id,
        label: format!("yieldpoint {label}"),
        yieldpoint: true,
        versus: None,
        source,
        note: None,
    }
}

fn peer(id: &'static str, label: impl Into<String>, versus: &'static str, source: Source) -> Entry {
    Entry {
        id,
        label: label.into(),
        yieldpoint: false,
        versus: Some(versus),
        source,
        note: None,
    }
}

fn noted(mut entry: Entry, note: &'static str) -> Entry {
    entry.note = Some(note);
    entry
}

/// Every timed row and memory row; `max_live_tasks` is reported on its own.
pub fn rows() -> Vec<Row> {
    let n = cores();
    let may = |workload, workers| Source::May { workload, workers };
    vec![
        Row {
            operation: "coroutine_send_round_trip",
            unit: "ns",
            description: "one send into a suspended coroutine and the yield back out".into(),
            entries: vec![
                yieldpoint("send", "`Coroutine::send`", yp::send),
                peer(
                    "corosensei",
                    "corosensei `resume`/`suspend` (raw)",
                    "send",
                    Source::InProcess(peers::corosensei_resume),
                ),
                noted(
                    peer(
                        "corosensei-nested",
                        "corosensei, `suspend` one call down",
                        "send",
                        Source::InProcess(peers::corosensei_resume_nested),
                    ),
                    "the same raw switch, but the body suspends inside a function it calls in a \
                     loop: resumed there, it returns out of that function before its next \
                     suspend, so the CPU's return-address predictor misses on both switches. \
                     yieldpoint inlines `yield_now`, parking and the scheduler's resume so that \
                     a green thread switches without this penalty",
                ),
                peer(
                    "generator",
                    "`generator` crate `send`",
                    "send",
                    Source::InProcess(peers::generator_send),
                ),
                peer(
                    "python",
                    "Python generator `send`",
                    "send",
                    Source::Python("generator_send"),
                ),
            ],
            targets: vec![(
                "send round trip ≤ 1.3× raw corosensei".into(),
                Target::WithinFactor {
                    entry: "send",
                    peer: "corosensei",
                    factor: 1.3,
                },
            )],
            memory: false,
        },
        Row {
            operation: "green_yield_switch",
            unit: "ns",
            description: "two green threads yielding to each other; per switch".into(),
            entries: vec![
                yieldpoint("round-robin", "round-robin", yp::yield_round_robin),
                yieldpoint(
                    "work-queue-1",
                    "work-queue (1 worker)",
                    yp::yield_work_queue_1,
                ),
                peer(
                    "tokio",
                    "tokio current-thread `yield_now`",
                    "round-robin",
                    Source::InProcess(peers::tokio_yield),
                ),
                peer(
                    "may",
                    "may (1 worker) `yield_now`",
                    "work-queue-1",
                    may("yield", 1),
                ),
                peer(
                    "asyncio",
                    "asyncio `await sleep(0)`",
                    "round-robin",
                    Source::Python("asyncio_switch"),
                ),
                peer(
                    "python-round-robin",
                    "Python generators, round-robin `run(tasks)`",
                    "round-robin",
                    Source::Python("generator_round_robin_switch"),
                ),
            ],
            targets: vec![(
                "round-robin switch ≤ 25 ns".into(),
                Target::AtMost {
                    entry: "round-robin",
                    limit: 25.0,
                },
            )],
            memory: false,
        },
        Row {
            operation: "maybe_yield_check",
            unit: "ns",
            description: "one iteration of a CPU loop that calls the cooperative check and does \
                          not yield"
                .into(),
            entries: vec![
                noted(
                    yieldpoint(
                        "round-robin",
                        "`maybe_yield` (round-robin)",
                        yp::maybe_yield_round_robin,
                    ),
                    "the check is 3 of the loop's 8 instructions per iteration (a load of the \
                     global tick, a compare with the thread's last seen tick, a branch). A loop \
                     that short runs at the speed its placement in the binary allows: the same 8 \
                     instructions took 0.61 ns in one build of this report and 0.73 ns in the \
                     next, and in a test program built from the same two sources the slower \
                     build's loop crossed a 64-byte line (17% slower, same instruction count)",
                ),
                peer(
                    "tokio",
                    "tokio current-thread `consume_budget().await`",
                    "round-robin",
                    Source::InProcess(peers::tokio_consume_budget),
                ),
            ],
            targets: vec![(
                "`maybe_yield` ≤ 1 ns when it does not yield".into(),
                Target::AtMost {
                    entry: "round-robin",
                    limit: 1.0,
                },
            )],
            memory: false,
        },
        Row {
            operation: "spawn_join",
            unit: "ns",
            description: "spawn an empty task and wait for it, from inside the scheduler".into(),
            entries: vec![
                yieldpoint("round-robin", "round-robin", yp::spawn_join_round_robin),
                yieldpoint(
                    "work-queue",
                    &format!("work-queue ({n} workers)"),
                    yp::spawn_join_work_queue,
                ),
                peer(
                    "tokio-current",
                    "tokio current-thread spawn + await",
                    "round-robin",
                    Source::InProcess(peers::tokio_spawn_join_current),
                ),
                peer(
                    "may-1",
                    "may (1 worker) spawn + join",
                    "round-robin",
                    may("spawn-join", 1),
                ),
                peer(
                    "std-thread",
                    "`std::thread` spawn + join",
                    "round-robin",
                    Source::InProcess(peers::std_spawn_join),
                ),
                peer(
                    "asyncio",
                    "asyncio `create_task` + await",
                    "round-robin",
                    Source::Python("asyncio_spawn_join"),
                ),
                noted(
                    peer(
                        "tokio-multi",
                        format!("tokio multi-thread ({n} workers) spawn + await"),
                        "work-queue",
                        Source::InProcess(peers::tokio_spawn_join_multi),
                    ),
                    "as yieldpoint's, tokio's worker starts the task it spawned next, from its \
                     LIFO slot, which no other worker may take: the join never crosses threads",
                ),
                peer(
                    "may-n",
                    format!("may ({n} workers) spawn + join"),
                    "work-queue",
                    may("spawn-join", n),
                ),
            ],
            targets: vec![(
                "round-robin spawn + join ≤ 200 ns".into(),
                Target::AtMost {
                    entry: "round-robin",
                    limit: 200.0,
                },
            )],
            memory: false,
        },
        Row {
            operation: "channel_ping_pong",
            unit: "ns",
            description: "a message to an echo task and its reply; per round trip".into(),
            entries: vec![
                yieldpoint("round-robin", "round-robin", yp::ping_pong_round_robin),
                yieldpoint(
                    "work-queue",
                    &format!("work-queue ({n} workers, the main task spawns the echo task)"),
                    yp::ping_pong_work_queue,
                ),
                noted(
                    yieldpoint(
                        "round-robin-local",
                        "round-robin, `local_channel`",
                        yp::ping_pong_local_round_robin,
                    ),
                    "the single-thread channel for tasks that never leave their OS thread \
                     (round-robin and `spawn_local` tasks): its ends are not `Send`, the \
                     channel itself takes no lock and no atomic operation, and a `recv` that \
                     finds it empty yields once to the one other ready task before it parks, \
                     so here each wait is a yield, not a park and a wakeup (the thread-safe \
                     `channel` parks); the peers are compared with the thread-safe `channel` \
                     above",
                ),
                noted(
                    yieldpoint(
                        "work-queue-cross",
                        "work-queue (2 workers, tasks on different workers)",
                        yp::ping_pong_work_queue_cross,
                    ),
                    "forced: the main task spawns the echo task, displaces it from its \
                     worker's LIFO slot with a second spawn, and spins until the other worker \
                     has stolen and started it. Started tasks never move, so every message \
                     crosses between the two workers' OS threads (through the receiving \
                     worker's inbox, and a futex wake-up whenever that worker had stopped \
                     searching and parked): its time follows cache-line transfers and the \
                     kernel's wake-up latency, and varies with the machine's load. Compare it \
                     with two OS threads",
                ),
                peer(
                    "tokio-current",
                    "tokio current-thread mpsc",
                    "round-robin",
                    Source::InProcess(peers::tokio_ping_pong_current),
                ),
                peer(
                    "may-1",
                    "may (1 worker) mpsc",
                    "round-robin",
                    may("ping-pong", 1),
                ),
                peer(
                    "asyncio",
                    "asyncio.Queue",
                    "round-robin",
                    Source::Python("asyncio_ping_pong"),
                ),
                noted(
                    peer(
                        "tokio-multi",
                        format!("tokio multi-thread ({n} workers) mpsc"),
                        "work-queue",
                        Source::InProcess(peers::tokio_ping_pong_multi),
                    ),
                    "the main task spawns the echo task, as in yieldpoint's row: tokio starts \
                     it from the spawner's LIFO slot, and runs a task woken on a worker on \
                     that worker, so both share one worker",
                ),
                noted(
                    peer(
                        "may-n",
                        format!("may ({n} workers) mpsc"),
                        "work-queue",
                        may("ping-pong", n),
                    ),
                    "may's scheduler may run both tasks on one worker",
                ),
                peer(
                    "std-mpsc",
                    "`std::sync::mpsc` between two OS threads",
                    "work-queue-cross",
                    Source::InProcess(peers::std_ping_pong),
                ),
            ],
            // The target (issue 12) allows a single-thread channel for round-robin tasks.
            targets: vec![(
                "round-robin ping-pong ≤ 60 ns (`local_channel`)".into(),
                Target::AtMost {
                    entry: "round-robin-local",
                    limit: 60.0,
                },
            )],
            memory: false,
        },
        Row {
            operation: "work_queue_fan_out",
            unit: "ns/task",
            description: format!(
                "{} small CPU tasks spawned at once and joined, on {n} workers (after one untimed round on the same runtime, for each peer)",
                FAN_OUT_TASKS
            ),
            entries: vec![
                yieldpoint(
                    "work-queue",
                    &format!("`WorkQueue` ({n} workers)"),
                    yp::fan_out,
                ),
                noted(
                    peer(
                        "tokio",
                        format!("tokio multi-thread ({n} workers)"),
                        "work-queue",
                        Source::InProcess(peers::tokio_fan_out),
                    ),
                    "a tokio task is one heap allocation; a yieldpoint task is one too (its \
                     task cell), and it takes a 64 KiB guarded stack when it starts, on the \
                     worker that starts it: the coroutine of a task that ended there (a \
                     runner), or a stack from that worker's pool",
                ),
                peer(
                    "may",
                    format!("may ({n} workers)"),
                    "work-queue",
                    may("fan-out", n),
                ),
                noted(
                    peer(
                        "rayon",
                        format!("rayon `par_iter` ({n} threads)"),
                        "work-queue",
                        Source::InProcess(peers::rayon_fan_out),
                    ),
                    "splits the range into chunks, not one task per item",
                ),
                noted(
                    peer(
                        "threads",
                        format!("{n} scoped OS threads, one chunk each"),
                        "work-queue",
                        Source::InProcess(peers::threads_fan_out),
                    ),
                    "no per-task scheduling at all",
                ),
            ],
            targets: Vec::new(),
            memory: false,
        },
        Row {
            operation: "await_green_thread",
            unit: "ns",
            description: "async code on this thread awaits a task that yields once, run by one \
                          worker thread: a yieldpoint green thread (its `JoinHandle` is a \
                          `Future`) or a tokio task"
                .into(),
            entries: vec![
                yieldpoint(
                    "work-queue",
                    "`JoinHandle.await` (tokio current-thread awaits a `WorkQueue` task)",
                    yp::await_green_thread,
                ),
                peer(
                    "tokio",
                    "tokio `block_on` awaits a tokio task (multi-thread, 1 worker)",
                    "work-queue",
                    Source::InProcess(peers::tokio_await_task),
                ),
            ],
            targets: vec![(
                "`await_green_thread` within 1.5× tokio awaiting a tokio task".into(),
                Target::WithinFactor {
                    entry: "work-queue",
                    peer: "tokio",
                    factor: 1.5,
                },
            )],
            memory: false,
        },
        Row {
            operation: "green_awaits_future",
            unit: "ns",
            description: "a task awaits a oneshot that a task it spawned completes, on one thread"
                .into(),
            entries: vec![
                yieldpoint(
                    "round-robin",
                    "green thread `future::await_` (round-robin)",
                    yp::green_awaits_future,
                ),
                peer(
                    "tokio",
                    "tokio task `.await` (current-thread)",
                    "round-robin",
                    Source::InProcess(peers::tokio_awaits_future),
                ),
            ],
            targets: vec![(
                "`green_awaits_future` within 1.5× a tokio task awaiting the same".into(),
                Target::WithinFactor {
                    entry: "round-robin",
                    peer: "tokio",
                    factor: 1.5,
                },
            )],
            memory: false,
        },
        Row {
            operation: "task_dump",
            unit: "ns",
            description: format!(
                "`task::dump()` of {} tasks parked on one event (and the main task), \
                 printed with its `Display`, per dump",
                yp::DUMPED_TASKS
            ),
            entries: vec![
                yieldpoint("round-robin", "`task::dump()` (round-robin)", yp::dump_round_robin),
                yieldpoint(
                    "work-queue",
                    "`task::dump()` (work-queue, one worker per core)",
                    yp::dump_work_queue,
                ),
            ],
            targets: vec![(
                "`task_dump` of 10,000 tasks under 50 ms".into(),
                Target::AtMost {
                    entry: "round-robin",
                    limit: 50_000_000.0,
                },
            )],
            memory: false,
        },
        Row {
            operation: "park_cost",
            unit: "ns",
            description: "one park and wake of a green thread (half a `channel_ping_pong` round \
                          trip, round-robin), with the dump's park details off and on"
                .into(),
            entries: vec![
                yieldpoint("off", "park, details off (the default)", yp::park_plain),
                yieldpoint("park-times", "park, `record_park_times(true)`", yp::park_timed),
                yieldpoint(
                    "park-backtraces",
                    "park, `capture_park_backtraces(true)`",
                    yp::park_backtraced,
                ),
            ],
            targets: Vec::new(),
            memory: false,
        },
        tcp_echo(),
        http_hello(),
        Row {
            operation: "idle_rss_per_task",
            unit: "bytes",
            description: format!(
                "RSS growth per task, {} tasks each switched in once and parked in sleep",
                IDLE_TASKS
            ),
            entries: vec![
                Entry {
                    id: "round-robin",
                    label: "yieldpoint round-robin (64 KiB stacks)".into(),
                    yieldpoint: true,
                    versus: None,
                    source: Source::IdleRss("yieldpoint"),
                    note: None,
                },
                peer(
                    "may",
                    "may (1 worker, default 32 KiB stacks)",
                    "round-robin",
                    Source::IdleRss("may"),
                ),
                noted(
                    peer(
                        "tokio",
                        "tokio current-thread tasks in `time::sleep`",
                        "round-robin",
                        Source::IdleRss("tokio"),
                    ),
                    "a parked future keeps only its state machine; a parked stackful task \
                     keeps the stack pages it touched (at least one 4 KiB page)",
                ),
                peer(
                    "threads",
                    "OS threads (2 MiB stacks), parked",
                    "round-robin",
                    Source::IdleRss("threads"),
                ),
            ],
            targets: vec![(
                "idle RSS ≤ 12 KiB per green thread".into(),
                Target::AtMost {
                    entry: "round-robin",
                    limit: 12.0 * 1024.0,
                },
            )],
            memory: true,
        },
    ]
}

/// A yieldpoint example server loaded by `load`.
fn served_yieldpoint(
    id: &'static str,
    label: &str,
    example: &'static str,
    args: &'static [&'static str],
    load: Load,
) -> Entry {
    let server = Program::Example(example);
    yieldpoint_from(id, label, Source::Served(Served { server, args, load }))
}

/// A peer server loaded by `load`.
fn served_peer(
    id: &'static str,
    label: &str,
    versus: &'static str,
    server: Program,
    args: &'static [&'static str],
    load: Load,
) -> Entry {
    let source = Source::Served(Served { server, args, load });
    peer(id, label, versus, source)
}

/// `tcp_echo`: the `echo_server` example and its peers, each in a process of its own,
/// loaded by the `echo_client` example, at 1 worker and at 2.
fn tcp_echo() -> Row {
    let echo = |id, label, versus, server, args| {
        served_peer(id, label, versus, server, args, Load::EchoClient)
    };
    Row {
        operation: "tcp_echo",
        unit: "µs",
        description: format!(
            "wall time per round trip of {ECHO_SIZE}-byte messages over {ECHO_CONNECTIONS} \
             loopback connections ({} round trips per sample), the server in a process of \
             its own, the client (the `echo_client` example, round-robin scheduler, one \
             thread) in another; the note gives the 99th percentile latency of one round \
             trip (median over the samples)",
            ECHO_CONNECTIONS * ECHO_MESSAGES
        ),
        entries: vec![
            served_yieldpoint(
                "round-robin",
                "`echo_server` round-robin",
                "echo_server",
                &["--scheduler", "round-robin"],
                Load::EchoClient,
            ),
            noted(
                served_yieldpoint(
                    "work-queue-2",
                    "`echo_server` work-queue (2 workers)",
                    "echo_server",
                    &["--scheduler", "work-queue", "--workers", "2"],
                    Load::EchoClient,
                ),
                "a connection's green thread stays on the worker it started on (a started \
                 task never moves), and the client process takes one of this machine's two \
                 cores, so both workers share the other with it: while the OS keeps one \
                 worker off a core, all of that worker's connections wait, where tokio's \
                 workers take over each other's woken tasks. Compare the one-worker row \
                 below",
            ),
            served_yieldpoint(
                "work-queue-1",
                "`echo_server` work-queue (1 worker)",
                "echo_server",
                &["--scheduler", "work-queue", "--workers", "1"],
                Load::EchoClient,
            ),
            echo(
                "tokio-current",
                "tokio current-thread",
                "round-robin",
                Program::Bin("tokio_echo_server"),
                &["--current-thread"],
            ),
            echo(
                "may-1",
                "may (1 worker)",
                "round-robin",
                Program::Bin("may_echo_server"),
                &["--workers", "1"],
            ),
            echo(
                "asyncio",
                "asyncio streams (`asyncio.start_server`)",
                "round-robin",
                Program::Python("echo_server.py"),
                &[],
            ),
            echo(
                "tokio-multi-2",
                "tokio multi-thread (2 workers)",
                "work-queue-2",
                Program::Bin("tokio_echo_server"),
                &["--workers", "2"],
            ),
            echo(
                "may-2",
                "may (2 workers)",
                "work-queue-2",
                Program::Bin("may_echo_server"),
                &["--workers", "2"],
            ),
            echo(
                "threads",
                "an OS thread per connection (std blocking sockets)",
                "work-queue-2",
                Program::Bin("thread_echo_server"),
                &[],
            ),
        ],
        targets: vec![
            at_least_as_fast(
                "tcp_echo",
                "round-robin",
                "tokio-current",
                "tokio current-thread",
            ),
            at_least_as_fast("tcp_echo", "round-robin", "may-1", "may (1 worker)"),
            at_least_as_fast(
                "tcp_echo",
                "work-queue-2",
                "tokio-multi-2",
                "tokio multi-thread (2 workers)",
            ),
            at_least_as_fast("tcp_echo", "work-queue-2", "may-2", "may (2 workers)"),
        ],
        memory: false,
    }
}

/// `http_hello`: the `http_hello` example and its tokio peer, each in a process of its
/// own, loaded by `wrk` (keep-alive), at 1 worker.
fn http_hello() -> Row {
    Row {
        operation: "http_hello",
        unit: "µs",
        description: "wall time per `GET /` answered `Hello, world!` under \
                      `wrk -t1 -c100 -d3s --latency` (100 keep-alive connections, one wrk \
                      thread), the server in a process of its own; the note gives wrk's 99th \
                      percentile latency (median over the samples)"
            .into(),
        entries: vec![
            served_yieldpoint(
                "round-robin",
                "`http_hello` round-robin",
                "http_hello",
                &["--scheduler", "round-robin"],
                Load::Wrk,
            ),
            served_peer(
                "tokio-current",
                "tokio current-thread, the same handler (`tokio_http_hello`)",
                "round-robin",
                Program::Bin("tokio_http_hello"),
                &["--current-thread"],
                Load::Wrk,
            ),
        ],
        targets: vec![at_least_as_fast(
            "http_hello",
            "round-robin",
            "tokio-current",
            "tokio current-thread",
        )],
        memory: false,
    }
}

/// The target "yieldpoint's `entry` in row `operation` at least as fast as `peer`"
/// (`WithinFactor` 1.0: the peer's ratio at least 1.0×).
fn at_least_as_fast(
    operation: &str,
    entry: &'static str,
    peer: &'static str,
    peer_label: &str,
) -> (String, Target) {
    let text = format!("`{operation}` {entry} ≥ 1.0× {peer_label}");
    let target = Target::WithinFactor {
        entry,
        peer,
        factor: 1.0,
    };
    (text, target)
}

/// Runs the `perf-report child ...` workloads; returns what the child prints.
pub fn child(args: &[String]) -> String {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    match arg(0) {
        "may" => {
            let workers: usize = arg(2).parse().expect("may workers");
            let target_ms: u64 = arg(3).parse().expect("target ms");
            may_peer::configure(workers);
            let workload: Workload = match arg(1) {
                "yield" => may_peer::yield_pair,
                "spawn-join" => may_peer::spawn_join,
                "ping-pong" => may_peer::ping_pong,
                "fan-out" => may_peer::fan_out,
                other => panic!("no may workload {other:?}"),
            };
            let ns = timing::measure(workload, std::time::Duration::from_millis(target_ms));
            format!("{ns:.3}")
        }
        "rss" => format!("{:.1}", memory::idle_rss(arg(1))),
        "max-live" => memory::max_live().to_string(),
        other => panic!("no child workload {other:?}"),
    }
}
