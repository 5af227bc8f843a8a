//! Measurement primitives: the same sources as the Python side (monotonic clock, getrusage).

use std::time::Instant;

/// The thread variables both sides set from the cell's one thread count (see harness/threads.py).
pub const THREAD_VARIABLES: [&str; 7] = [
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "RAYON_NUM_THREADS",
];

/// Export the cell's thread count to every threading runtime, so a binary started by hand is
/// pinned exactly as one started by `pairbench launch`. Call before any thread pool starts.
pub fn pin_threads(threads: u32) {
    for var in THREAD_VARIABLES {
        // Single-threaded at this point: no other thread can be reading the environment.
        std::env::set_var(var, threads.to_string());
    }
}

/// Seconds taken by `f`, on the monotonic clock.
pub fn time_secs<F: FnOnce()>(f: F) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes into the zeroed struct we own.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    }
}

/// Peak resident set size of this process in MiB.
///
/// Linux: VmHWM from /proc/self/status, because ru_maxrss survives fork + execve and would report
/// the launching Python process's peak. Elsewhere: ru_maxrss (bytes on macOS, KiB otherwise).
pub fn peak_rss_mb() -> f64 {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
        {
            return kib / 1024.0;
        }
    }
    let maxrss = rusage().ru_maxrss as f64;
    if cfg!(target_os = "macos") {
        maxrss / (1024.0 * 1024.0)
    } else {
        maxrss / 1024.0
    }
}

/// This process's CPU time (user + system, every thread) in nanoseconds: CLOCK_PROCESS_CPUTIME_ID,
/// the clock Python's `time.process_time_ns` reads, so both harnesses' CPU samples mean the same.
pub fn process_cpu_ns() -> u64 {
    // SAFETY: clock_gettime only writes into the zeroed struct we own.
    unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts);
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }
}

fn cpu_secs() -> f64 {
    let u = rusage();
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// CPU time over wall time for a region, as a percentage of one core.
pub struct CpuMeter {
    cpu0: f64,
    wall0: Instant,
}

impl CpuMeter {
    pub fn start() -> Self {
        Self {
            cpu0: cpu_secs(),
            wall0: Instant::now(),
        }
    }

    pub fn percent(&self) -> f64 {
        let wall = self.wall0.elapsed().as_secs_f64();
        if wall > 0.0 {
            100.0 * (cpu_secs() - self.cpu0) / wall
        } else {
            0.0
        }
    }
}

pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The CPU's model name as /proc/cpuinfo gives it (the architecture where it gives none), the same
/// rule as the Python side: analysis never pools samples of different CPU models.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// Current UTC time as RFC 3339 with milliseconds, e.g. `2026-11-24T13:05:00.123Z`.
pub fn utc_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_utc(now.as_secs() as i64, now.subsec_millis())
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
pub fn format_utc(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(format_utc(1_795_525_200, 999), "2026-11-24T13:00:00.999Z");
    }

    #[test]
    fn timer_and_rss_are_positive() {
        let t = time_secs(|| std::thread::sleep(std::time::Duration::from_millis(5)));
        assert!(t >= 0.005, "slept 5 ms but measured {t}");
        assert!(peak_rss_mb() > 0.0);
    }
}
