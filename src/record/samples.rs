//! One row of `samples.csv`: one sampler tick.

use serde::{Deserialize, Serialize};

/// The phase name samples carry while a pipeline runs.
pub const PIPELINE_PHASE: &str = "migrate";

/// A row of samples.csv. Target fields are empty when the target is not an
/// emulated host (its cgroup is then not ours to read).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleRow {
    /// Milliseconds since the run started.
    pub t_ms: f64,
    pub phase: String,
    pub mem_used_bytes: u64,
    pub mem_available_bytes: u64,
    pub swap_used_bytes: u64,
    pub swap_total_bytes: u64,
    pub swap_in_pages_per_s: f64,
    pub swap_out_pages_per_s: f64,
    pub cpu_pct: f64,
    /// Per-core CPU %, separated by `;`.
    pub cpu_per_core_pct: String,
    pub load1: f64,
    pub psi_cpu_some_avg10: f64,
    pub psi_memory_some_avg10: f64,
    pub psi_memory_full_avg10: f64,
    pub psi_io_some_avg10: f64,
    pub psi_io_full_avg10: f64,
    pub psi_memory_full_total_us: u64,
    pub target_memory_bytes: Option<u64>,
    pub target_memsw_bytes: Option<u64>,
    pub target_swap_bytes: Option<u64>,
    pub target_failcnt: Option<u64>,
    pub target_oom_kills: Option<u64>,
    pub target_cpu_ns: Option<u64>,
    pub target_running: Option<u64>,
    /// Containers restored so far.
    pub migrated: u64,
    /// Actual minus scheduled tick time: how responsive the machine still is.
    pub lag_ms: f64,
    /// Operations in flight per step (they overlap in pipeline mode); 0 in
    /// runs recorded before these columns existed.
    #[serde(default)]
    pub checkpointing: u64,
    #[serde(default)]
    pub transferring: u64,
    #[serde(default)]
    pub restoring: u64,
    /// The target's memory that reclaim cannot take back, from its cgroup v1
    /// `memory.stat` (hierarchical `total_*` fields, so the engine's container
    /// cgroups are included) and `memory.kmem.usage_in_bytes`. Page cache is
    /// left out on purpose: the kernel reclaims it under pressure (the
    /// checkpoint images a restore reads are charged, then given back), so it
    /// says nothing about where the budget runs out. Empty in runs recorded
    /// before these columns existed, and when the target is not emulated.
    /// The names below are v1's; on cgroup v2 each field keeps its meaning
    /// from the v2 files (see `cgroup::Footprint`).
    ///
    /// `total_rss`: mapped anonymous memory (transparent huge pages included).
    #[serde(default)]
    pub target_anon_bytes: Option<u64>,
    /// `total_rss_huge`: of `target_anon_bytes`, transparent huge pages.
    #[serde(default)]
    pub target_anon_huge_bytes: Option<u64>,
    /// `total_shmem`: tmpfs and shared memory, which only swap can move.
    #[serde(default)]
    pub target_shmem_bytes: Option<u64>,
    /// `total_swap`: what was swapped out (anon and shmem pages).
    #[serde(default)]
    pub target_swapped_bytes: Option<u64>,
    /// `memory.kmem.usage_in_bytes`: kernel memory (page tables, stacks,
    /// slab, the per-container cgroup structures). It includes reclaimable
    /// slab (dentries, inodes), a small share here, so it errs high.
    #[serde(default)]
    pub target_kmem_bytes: Option<u64>,
    /// anon LRU + swapped + kmem: the target's non-reclaimable footprint,
    /// what the projection fits (see `collapse::projection` and
    /// `sampler::Footprint`). In runs recorded before `target_anon_lru_bytes`
    /// existed: mapped anon + shmem + swapped + kmem, which misses the swap
    /// cache once the target swaps.
    #[serde(default)]
    pub target_footprint_bytes: Option<u64>,
    /// `total_active_anon` + `total_inactive_anon`: every anonymous page in
    /// RAM, mapped or not (swap cache and shmem included).
    #[serde(default)]
    pub target_anon_lru_bytes: Option<u64>,
    /// `total_swapcached`: pages both in RAM and in swap.
    #[serde(default)]
    pub target_swapcached_bytes: Option<u64>,
    /// A remote target's node exporter (`[target] metrics`), scraped on its
    /// own cadence; each row takes the latest scrape. Empty when the target
    /// has no metrics URL. The target columns above are then filled from it:
    /// `target_memory_bytes` = MemTotal - MemAvailable, `target_swap_bytes` =
    /// SwapTotal - SwapFree, `target_memsw_bytes` their sum, `target_cpu_ns`
    /// the busy CPU time of all its CPUs.
    ///
    /// `MemTotal`.
    #[serde(default)]
    pub target_memory_total_bytes: Option<u64>,
    /// `SwapTotal`.
    #[serde(default)]
    pub target_swap_total_bytes: Option<u64>,
    /// Busy share of all its CPUs between the last two scrapes, %.
    #[serde(default)]
    pub target_cpu_pct: Option<f64>,
    /// Its PSI shares, % of wall time over the last ~10 s of scrapes (the
    /// exporter gives cumulative stall counters; see
    /// `sampler::node_exporter`): comparable to the host's `*_avg10`.
    #[serde(default)]
    pub target_psi_cpu_some_pct: Option<f64>,
    #[serde(default)]
    pub target_psi_memory_some_pct: Option<f64>,
    #[serde(default)]
    pub target_psi_memory_full_pct: Option<f64>,
    #[serde(default)]
    pub target_psi_io_some_pct: Option<f64>,
    #[serde(default)]
    pub target_psi_io_full_pct: Option<f64>,
    /// Milliseconds since the scrape these values come from; empty until
    /// one succeeded.
    #[serde(default)]
    pub target_scrape_age_ms: Option<f64>,
    /// The latest scrape failed (the values, if any, are older).
    #[serde(default)]
    pub target_scrape_failed: Option<bool>,
    /// The order in which the recorder received this row, counted from 1 over
    /// ops.csv and samples.csv together (see `OpRecord::seq`). 0 in runs
    /// recorded before this column existed.
    #[serde(default)]
    pub seq: u64,
    /// The emulated target's own memory pressure, "full avg10" of its cgroup
    /// v2 `memory.pressure`; empty on cgroup v1 (no per-cgroup pressure:
    /// the PSI rule then reads the machine's `psi_memory_full_avg10`), for
    /// targets that are not emulated, and in runs recorded before it existed.
    #[serde(default)]
    pub target_psi_memory_full_avg10: Option<f64>,
    /// A remote target's node exporter: its latest values are too old to
    /// judge (it stopped answering), so this row carries none of them and
    /// the collapse rules do not judge the target on it.
    #[serde(default)]
    pub target_stale: Option<bool>,
    /// Which fleet target the `target_*` fields and `migrated` are of: one
    /// row per target per tick (the machine's fields repeat in each). Empty
    /// in runs recorded before fleets existed: their one target.
    #[serde(default)]
    pub target: String,
}
