//! The highest values the sampler saw over a run: the machine's memory,
//! swap, CPU, memory pressure and its own lag, and the target's.

use crate::record::SampleRow;
use serde::{Deserialize, Serialize};

/// Highest values seen by the sampler.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Peaks {
    pub mem_used_bytes: u64,
    pub swap_used_bytes: u64,
    pub cpu_pct: f64,
    pub psi_memory_full_avg10: f64,
    pub lag_ms: f64,
    pub target_memory_bytes: Option<u64>,
    pub target_swap_bytes: Option<u64>,
    pub target_oom_kills: Option<u64>,
}

/// The peaks of `samples`; none without samples.
pub fn peaks(samples: &[SampleRow]) -> Option<Peaks> {
    if samples.is_empty() {
        return None;
    }
    let max_opt = |f: fn(&SampleRow) -> Option<u64>| samples.iter().filter_map(f).max();
    Some(Peaks {
        mem_used_bytes: samples.iter().map(|s| s.mem_used_bytes).max().unwrap_or(0),
        swap_used_bytes: samples.iter().map(|s| s.swap_used_bytes).max().unwrap_or(0),
        cpu_pct: samples.iter().map(|s| s.cpu_pct).fold(0.0, f64::max),
        psi_memory_full_avg10: samples
            .iter()
            .map(|s| s.psi_memory_full_avg10)
            .fold(0.0, f64::max),
        lag_ms: samples.iter().map(|s| s.lag_ms).fold(0.0, f64::max),
        target_memory_bytes: max_opt(|s| s.target_memory_bytes),
        target_swap_bytes: max_opt(|s| s.target_swap_bytes),
        target_oom_kills: max_opt(|s| s.target_oom_kills),
    })
}
