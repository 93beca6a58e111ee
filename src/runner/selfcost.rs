//! The harness's own cost, read from /proc/self: CPU time and peak RSS.

use crate::summary::HarnessCost;
use std::time::Instant;

/// CPU seconds (user + system) this process has used so far.
fn cpu_s() -> f64 {
    let ticks = crate::process::stat(None).map_or(0, |s| s.utime + s.stime);
    let per_s = rustix::param::clock_ticks_per_second().max(1) as f64;
    ticks as f64 / per_s
}

/// Peak resident set size so far (VmHWM), bytes.
fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Measures from its creation to [`CostMeter::finish`].
pub struct CostMeter {
    started: Instant,
    cpu_at_start_s: f64,
    work_at_start_s: f64,
    bytes_at_start: u64,
}

impl CostMeter {
    pub fn start() -> CostMeter {
        CostMeter {
            started: Instant::now(),
            cpu_at_start_s: cpu_s(),
            work_at_start_s: crate::work_cpu::total_s(),
            bytes_at_start: crate::work_cpu::total_bytes(),
        }
    }

    pub fn finish(&self) -> HarnessCost {
        let wall_s = self.started.elapsed().as_secs_f64();
        let cpu = cpu_s() - self.cpu_at_start_s;
        let work = (crate::work_cpu::total_s() - self.work_at_start_s).min(cpu);
        let bytes = crate::work_cpu::total_bytes() - self.bytes_at_start;
        let share = |cpu_s: f64| {
            if wall_s > 0.0 {
                cpu_s * 100.0 / wall_s
            } else {
                0.0
            }
        };
        HarnessCost {
            cpu_s: cpu,
            wall_s,
            cpu_share_of_one_core_pct: share(cpu),
            peak_rss_bytes: peak_rss_bytes(),
            migration_work_cpu_s: work,
            migration_work_bytes: bytes,
            migration_work_cpu_s_per_gb: (bytes > 0).then(|| work / (bytes as f64 / 1e9)),
            own_share_of_one_core_pct: share(cpu - work),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_this_process() {
        let meter = CostMeter::start();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        std::hint::black_box(x);
        let cost = meter.finish();
        assert!(cost.peak_rss_bytes > 1 << 20, "{cost:?}");
        assert!(cost.wall_s > 0.0 && cost.cpu_s >= 0.0, "{cost:?}");
    }
}
