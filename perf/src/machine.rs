//! What the report says about where and with what it was measured: the machine, the
//! date, and the versions of every crate (read from `Cargo.lock`) and of Python.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

/// Crates whose versions the report names (as resolved in the workspace's `Cargo.lock`).
const CRATES: &[&str] = &[
    "yieldpoint",
    "corosensei",
    "crossbeam-deque",
    "generator",
    "may",
    "tokio",
    "rayon",
    "serde_json",
];

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    // `python3 --version` writes to stderr on old Pythons.
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    Some(first_line(&String::from_utf8_lossy(&text)))
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| {
            release.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| first_line(&k))
        .unwrap_or_default();
    if kernel.is_empty() {
        pretty
    } else {
        format!("{pretty}, Linux {kernel}")
    }
}

fn memory_gib() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: f64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some((kib / (1024.0 * 1024.0) * 10.0).round() / 10.0)
}

/// The machine the report was measured on.
pub fn machine() -> Value {
    json!({
        "cpu": cpu_model(),
        "cores": perf::cores(),
        "memory_gib": memory_gib(),
        "os": os_name(),
        "arch": std::env::consts::ARCH,
        "vm_max_map_count": perf::memory::max_map_count(),
    })
}

/// Versions: rustc, every crate in [`CRATES`] from `Cargo.lock`, `python3` and `wrk`.
pub fn versions(workspace: &Path) -> Value {
    let lock = std::fs::read_to_string(workspace.join("Cargo.lock")).unwrap_or_default();
    let mut versions = Map::new();
    versions.insert(
        "rustc".into(),
        json!(command_output("rustc", &["--version"]).unwrap_or_else(|| "unknown".into())),
    );
    for name in CRATES {
        versions.insert((*name).into(), json!(locked_version(&lock, name)));
    }
    versions.insert("python3".into(), json!(python_version()));
    versions.insert("wrk".into(), json!(wrk_version()));
    Value::Object(versions)
}

/// `wrk`'s version (`wrk 4.1.0`), or `None` when there is no `wrk` (`wrk -v` exits with
/// status 1).
pub fn wrk_version() -> Option<String> {
    let out = Command::new("wrk").arg("-v").output().ok()?;
    let line = first_line(&String::from_utf8_lossy(&out.stdout));
    let version: Vec<&str> = line.split_whitespace().take(2).collect();
    (version.first() == Some(&"wrk")).then(|| version.join(" "))
}

/// `python3`'s version, or `None` when there is no `python3`.
pub fn python_version() -> Option<String> {
    command_output(
        "python3",
        &["-c", "import platform; print(platform.python_version())"],
    )
}

/// The version of `name` in a `Cargo.lock` (the highest, if several are locked).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let needle = format!("name = \"{name}\"");
    lock.split("[[package]]")
        .filter(|block| block.lines().any(|l| l.trim() == needle))
        .filter_map(|block| {
            block.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("version = \"")
                    .map(|v| v.trim_end_matches('"').to_string())
            })
        })
        .max_by_key(|v| {
            v.split('.')
                .map(|p| p.parse::<u64>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
}

/// Today's date (UTC) as `YYYY-MM-DD`, and the time as RFC 3339.
pub fn now() -> (String, String) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let date = format!("{y:04}-{m:02}-{d:02}");
    let time = format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    (date, time)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::{civil_from_days, locked_version};

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }

    #[test]
    fn versions_from_a_lock_file() {
        let lock = "[[package]]\nname = \"tokio\"\nversion = \"1.54.1\"\n\n[[package]]\nname = \"tokio-macros\"\nversion = \"2.7.2\"\n";
        assert_eq!(locked_version(lock, "tokio").as_deref(), Some("1.54.1"));
        assert_eq!(locked_version(lock, "may"), None);
    }
}
