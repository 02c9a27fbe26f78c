//! What Linux's `/proc` says about this process: descriptors, epoll registrations,
//! resident memory, CPU time per thread.

/// Open file descriptors of this process (entries of `/proc/self/fd`).
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Descriptors registered in all of this process's epoll instances (the `tfd:` lines of
/// their `/proc/self/fdinfo` entries).
pub fn epoll_registrations() -> usize {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/fdinfo").unwrap() {
        let info = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        total += info.lines().filter(|l| l.starts_with("tfd:")).count();
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
