//! Peak resident memory, from /proc (Linux): reset the high-water mark, run, read it.

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Current resident set in KiB.
pub fn rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// Peak resident set since the last reset, in KiB.
pub fn peak_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

/// Resets the peak to the current resident set ("5" to clear_refs, Linux 4.0+).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
