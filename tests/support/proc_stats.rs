//! What Linux's `/proc` says about this process: sockets, their epoll registrations,
//! resident memory, CPU time per thread.

/// Whether this process's descriptor `fd` is a socket (its `/proc/self/fd` link says so).
fn is_socket(fd: &str) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
}

/// This process's open sockets (the `/proc/self/fd` entries that are sockets). Pollers,
/// their eventfds and timerfds, which a scheduler thread makes when it starts, do not
/// count.
pub fn open_sockets() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter(|entry| is_socket(&entry.as_ref().unwrap().file_name().to_string_lossy()))
        .count()
}

/// Sockets registered in this process's epoll instances (the `tfd:` lines of their
/// `/proc/self/fdinfo` entries whose descriptor is a socket), counted once per instance.
pub fn socket_registrations() -> usize {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/fdinfo").unwrap() {
        let info = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        total += info
            .lines()
            .filter_map(|line| line.strip_prefix("tfd:"))
            .filter_map(|rest| rest.split_whitespace().next())
            .filter(|fd| is_socket(fd))
            .count();
    }
    total
}

/// This process's resident memory (`VmRSS`), in KiB.
pub fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// User + system CPU time, in clock ticks, of this process's threads whose name starts
/// with `prefix` (`/proc/self/task/*/stat`, fields 14 and 15), per thread, so tests running
/// beside it do not count.
pub fn thread_cpu_ticks(prefix: &str) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/task").unwrap() {
        let stat = std::fs::read_to_string(entry.unwrap().path().join("stat")).unwrap_or_default();
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        if !stat[open + 1..close].starts_with(prefix) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        total += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    }
    total
}
