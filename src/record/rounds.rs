//! One row of `rounds.csv`: what a soak looked like after each round, to
//! tell a harness or an engine that grows round over round from one that
//! holds steady.

use serde::{Deserialize, Serialize};

/// The machine and the run after one round of a soak.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoundRow {
    /// From 1; odd rounds went from the source to the target, even ones back.
    pub round: u32,
    /// When the round ended, ms since the run started.
    pub end_ms: f64,
    /// Containers whose migration this round continued where it stopped.
    pub verified: usize,
    /// migbench's resident memory and open file descriptors.
    pub harness_rss_bytes: u64,
    pub harness_open_fds: usize,
    /// Bytes under /tmp (containerd leaves checkpoint copies there).
    pub tmp_bytes: u64,
    /// containerd's checkpoint copies left in /tmp.
    pub containerd_copies: usize,
    /// Bytes in the run's checkpoint directory (and staging directories).
    pub checkpoint_bytes: u64,
    /// Bytes in each engine's data root (its store).
    pub source_store_bytes: u64,
    pub target_store_bytes: u64,
    /// The run's containers each engine still holds, running or not.
    pub source_containers: usize,
    pub target_containers: usize,
}
