//! What the harness itself cost while it ran a run.

use serde::{Deserialize, Serialize};

/// The harness's own CPU and memory over a run, from /proc/self.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HarnessCost {
    pub cpu_s: f64,
    pub wall_s: f64,
    /// CPU time over wall time, as a share of one core.
    pub cpu_share_of_one_core_pct: f64,
    pub peak_rss_bytes: u64,
    /// Of `cpu_s`, the migration work the harness does itself (moving
    /// checkpoint bytes: copies, SSH streams, Podman's export downloads and
    /// import uploads, archive reads), which the transfer and restore rows
    /// already time.
    #[serde(default)]
    pub migration_work_cpu_s: f64,
    /// The checkpoint bytes that work moved (a Podman migration moves its
    /// archive twice: down from the source, up to the target).
    #[serde(default)]
    pub migration_work_bytes: u64,
    /// `migration_work_cpu_s` per GB (10^9 bytes) of `migration_work_bytes`.
    #[serde(default)]
    pub migration_work_cpu_s_per_gb: Option<f64>,
    /// The harness's own cost (sampling, recording, scheduling): the rest,
    /// as a share of one core.
    #[serde(default)]
    pub own_share_of_one_core_pct: f64,
}
