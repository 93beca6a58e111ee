//! The scenario file as written: serde structs with documented defaults.

use super::checked::{AbsoluteDir, Endpoint, RunName};
use super::defaults;
use super::ranged::{Factor, Percent, Ranged, Rate};
use super::ssh_fields::IdentityFile;
use crate::engine::{EngineKind, Strategy};
use serde::{Deserialize, Serialize};

pub use super::target_file::{PlacementFile, PlacementPolicy, TargetFile};

/// Root of a scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Names the run directory: letters, digits, `.`, `_`, `-`.
    pub name: RunName,
    /// How many containers to migrate.
    pub containers: Ranged<1, 10_000>,
    /// `batch` (the lab's: checkpoint all, then restore all) or `pipeline`
    /// (each container migrated end to end, several in flight).
    #[serde(default)]
    pub mode: Mode,
    /// Time between the last launch and the first checkpoint, seconds.
    #[serde(default = "defaults::warmup_s")]
    pub warmup_s: Ranged<0, 3600>,
    /// Concurrency of both the checkpoint and the restore phase, unless a
    /// phase sets its own (a `--set concurrency=N` clears the phases' own);
    /// in pipeline mode, also the migrations in flight at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Ranged<1, 256>>,
    /// Timeout of any one operation (create, start, checkpoint, restore...), seconds.
    #[serde(default = "defaults::timeout_s")]
    pub timeout_s: Ranged<1, 3600>,
    /// What becomes of a container whose transfer or restore failed.
    #[serde(default)]
    pub on_failure: OnFailure,
    /// Rounds of a soak: the batch migrates to the target, back to the
    /// source, and so on, each round verified (1: one way only).
    #[serde(default = "defaults::rounds")]
    pub rounds: Ranged<1, 1000>,
    /// How a restore gets the memory back: `stop-and-copy` (every engine),
    /// `lazy` or `post-copy` (runc only: CRIU's lazy pages).
    #[serde(default)]
    pub strategy: Strategy,
    #[serde(default)]
    pub checkpoint: PhaseFile,
    #[serde(default)]
    pub restore: PhaseFile,
    #[serde(default)]
    pub workload: WorkloadFile,
    #[serde(default)]
    pub source: SourceFile,
    /// The one target; empty when `[[targets]]` gives a fleet.
    #[serde(default, skip_serializing_if = "TargetFile::is_empty")]
    pub target: TargetFile,
    /// A fleet: each entry a target like `[target]`, with a name of its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetFile>,
    #[serde(default)]
    pub placement: PlacementFile,
    #[serde(default)]
    pub transfer: TransferFile,
    #[serde(default)]
    pub sampler: SamplerFile,
    #[serde(default)]
    pub collapse: CollapseFile,
    #[serde(default)]
    pub guard: GuardFile,
    #[serde(default)]
    pub thresholds: ThresholdsFile,
}

/// How the containers are migrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The lab's method: checkpoint every container, then restore every one.
    #[default]
    Batch,
    /// Live migration: each container goes checkpoint -> transfer -> restore
    /// -> verify as one migration, `concurrency` migrations in flight.
    Pipeline,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Batch => "batch",
            Mode::Pipeline => "pipeline",
        }
    }
}

/// `[thresholds]`: what a run must achieve; a breached one makes the run
/// exit 5 (after everything is written). Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsFile {
    /// Downtime p99 (measured by the workload) at most this, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_p99_ms: Option<Ranged<1, 86_400_000>>,
    /// Restore latency p99 at most this, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_p99_ms: Option<Ranged<1, 86_400_000>>,
    /// Checkpoint latency p99 at most this, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_p99_ms: Option<Ranged<1, 86_400_000>>,
    /// Verified migrations per second, end to end, at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_migrations_per_s: Option<Rate>,
    /// Failed operations (any phase, before any collapse) at most this many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failed: Option<Ranged<0, 1_000_000>>,
    /// The target takes at least this many restores before it collapses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_collapse_at: Option<Ranged<1, 10_000>>,
}

/// `[checkpoint]` and `[restore]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseFile {
    /// Operations in flight at once (default: the top-level `concurrency`, else 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Ranged<1, 256>>,
    /// Pause a worker takes after each of its operations, milliseconds.
    #[serde(default)]
    pub pause_ms: Ranged<0, 600_000>,
}

impl Default for PhaseFile {
    fn default() -> Self {
        PhaseFile {
            concurrency: None,
            pause_ms: Ranged::new_const(0),
        }
    }
}

impl Default for Ranged<0, 600_000> {
    fn default() -> Self {
        Ranged::new_const(0)
    }
}

/// `[workload]`: the program inside each container.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadFile {
    /// Memory each container holds and keeps dirtying, MiB.
    #[serde(default)]
    pub memory_mib: Ranged<0, 65_536>,
    /// Interval between two counter lines, milliseconds.
    #[serde(default = "defaults::log_interval_ms")]
    pub log_interval_ms: Ranged<10, 60_000>,
    /// The workload's internal tick, milliseconds: it reads the wall clock
    /// this often, so it measures its own downtime to about one tick.
    #[serde(default = "defaults::tick_ms")]
    pub tick_ms: Ranged<5, 1000>,
}

impl Default for WorkloadFile {
    fn default() -> Self {
        WorkloadFile {
            memory_mib: Ranged::new_const(0),
            log_interval_ms: defaults::log_interval_ms(),
            tick_ms: defaults::tick_ms(),
        }
    }
}

impl Default for Ranged<0, 65_536> {
    fn default() -> Self {
        Ranged::new_const(0)
    }
}

/// `[source]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// Engine endpoint (`unix:///path`, `tcp://host:port`); default: the local engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    /// Which engine: `docker` (default) or `podman`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineKind>,
    /// The private key for an `ssh://` endpoint; default: the user's ssh config and agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_identity: Option<IdentityFile>,
}

/// How checkpoints reach the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransferMode {
    /// The harness copies each checkpoint to the target (timed, bytes counted).
    #[default]
    Copy,
    /// The checkpoint directory is visible to both hosts: only its path is handed over.
    SharedDir,
    /// Each checkpoint streams over SSH straight into the clone's checkpoint
    /// store on the target's machine (Docker targets; `[target] ssh`).
    Ssh,
}

/// `[transfer]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransferFile {
    #[serde(default)]
    pub mode: TransferMode,
    /// Where the source engine writes checkpoints (one subdirectory per run).
    #[serde(default = "defaults::checkpoint_dir")]
    pub checkpoint_dir: AbsoluteDir,
    /// A checkpoint upload over a network connection that moves no byte
    /// for this long fails (a link down, a peer gone), seconds.
    #[serde(default = "defaults::stall_s")]
    pub stall_s: Ranged<1, 3600>,
}

impl Default for TransferFile {
    fn default() -> Self {
        TransferFile {
            mode: TransferMode::default(),
            checkpoint_dir: defaults::checkpoint_dir(),
            stall_s: defaults::stall_s(),
        }
    }
}

/// `[sampler]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SamplerFile {
    /// Sampling period, milliseconds.
    #[serde(default = "defaults::sample_interval_ms")]
    pub interval_ms: Ranged<20, 60_000>,
}

impl Default for SamplerFile {
    fn default() -> Self {
        SamplerFile {
            interval_ms: defaults::sample_interval_ms(),
        }
    }
}

/// `[collapse]`: the rules that define the collapse point (see collapse.rs).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CollapseFile {
    /// Restore latency knee: latency above `knee_factor` x the median of the
    /// first `knee_baseline` restores...
    #[serde(default = "defaults::knee_factor")]
    pub knee_factor: Factor,
    #[serde(default = "defaults::knee_baseline")]
    pub knee_baseline: Ranged<3, 1000>,
    /// ...for this many consecutive restores.
    #[serde(default = "defaults::knee_consecutive")]
    pub knee_consecutive: Ranged<1, 1000>,
    /// PSI memory "full avg10" above this percentage.
    #[serde(default = "defaults::psi_memory_full_pct")]
    pub psi_memory_full_pct: Percent,
    /// Swap used above this share of the target's swap budget.
    #[serde(default = "defaults::swap_share_pct")]
    pub swap_share_pct: Percent,
    /// Sampler lag (actual minus scheduled tick) above this, milliseconds.
    #[serde(default = "defaults::sampler_lag_ms")]
    pub sampler_lag_ms: Ranged<10, 600_000>,
    /// A target that stops answering is down (a collapse) when it stays silent
    /// this long; one that answers again within it restarted, and the batch goes on.
    #[serde(default = "defaults::engine_grace_s")]
    pub engine_grace_s: Ranged<0, 3600>,
    /// Restores the projection of thrashing onset and hard failure is
    /// fitted on (the first this many).
    #[serde(default = "defaults::projection_restores")]
    pub projection_restores: Ranged<1, 10_000>,
}

impl Default for CollapseFile {
    fn default() -> Self {
        CollapseFile {
            knee_factor: defaults::knee_factor(),
            knee_baseline: defaults::knee_baseline(),
            knee_consecutive: defaults::knee_consecutive(),
            psi_memory_full_pct: defaults::psi_memory_full_pct(),
            swap_share_pct: defaults::swap_share_pct(),
            sampler_lag_ms: defaults::sampler_lag_ms(),
            engine_grace_s: defaults::engine_grace_s(),
            projection_restores: defaults::projection_restores(),
        }
    }
}

/// What becomes of a container whose transfer or restore failed or timed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    /// Restore it on its source from its own checkpoint, verified like any
    /// migration: live-migration tools keep the source until the target runs
    /// the container.
    #[default]
    Rollback,
    /// Leave it: its state is gone with the failed restore (the lab's way).
    Abandon,
}

/// What the harness does once a collapse is detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuardPolicy {
    /// Stop restoring, tear down cleanly, write everything.
    #[default]
    Stop,
    /// Keep going after the collapse, until the target fails outright (the
    /// hard failure) or the batch ends; the host floor still stops it.
    Observe,
}

/// `[guard]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GuardFile {
    #[serde(default)]
    pub policy: GuardPolicy,
    /// The harness's own machine never gets below this much available memory, MiB.
    #[serde(default = "defaults::host_min_available_mib")]
    pub host_min_available_mib: Ranged<0, 1_048_576>,
}

impl Default for GuardFile {
    fn default() -> Self {
        GuardFile {
            policy: GuardPolicy::default(),
            host_min_available_mib: defaults::host_min_available_mib(),
        }
    }
}
