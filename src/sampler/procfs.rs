//! Readers for /proc/pressure and /proc/vmstat (the target's cgroup is read
//! through `crate::cgroup`). A file that is missing or unreadable reads as
//! zero: a sample is never lost because one source is unavailable.

use crate::cgroup::Psi;

/// `/proc/pressure/<resource>`, zero when PSI is unavailable.
pub fn read_psi(resource: &str) -> Psi {
    std::fs::read_to_string(format!("/proc/pressure/{resource}"))
        .map(|text| Psi::parse(&text))
        .unwrap_or_default()
}

/// Pages swapped in and out since boot.
#[derive(Debug, Clone, Copy, Default)]
pub struct SwapCounters {
    pub pswpin: u64,
    pub pswpout: u64,
}

impl SwapCounters {
    pub fn read() -> SwapCounters {
        let text = std::fs::read_to_string("/proc/vmstat").unwrap_or_default();
        let mut counters = SwapCounters::default();
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("pswpin", v)) => counters.pswpin = v.trim().parse().unwrap_or(0),
                Some(("pswpout", v)) => counters.pswpout = v.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
        counters
    }
}
