//! The scenario file as written: serde structs with documented defaults.

use super::defaults;
use super::ranged::{Factor, Percent, Ranged};
use super::{Pacing, Scenario, TargetSpec, DEFAULT_ENDPOINT};
use bytesize::ByteSize;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// Root of a scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Names the run directory: letters, digits, `.`, `_`, `-`.
    pub name: RunName,
    /// How many containers to migrate.
    pub containers: Ranged<1, 10_000>,
    /// Time between the last launch and the first checkpoint, seconds.
    #[serde(default = "defaults::warmup_s")]
    pub warmup_s: Ranged<0, 3600>,
    /// Concurrency of both the checkpoint and the restore phase, unless a
    /// phase sets its own.
    pub concurrency: Option<Ranged<1, 256>>,
    /// Timeout of any one operation (create, start, checkpoint, restore...), seconds.
    #[serde(default = "defaults::timeout_s")]
    pub timeout_s: Ranged<1, 3600>,
    #[serde(default)]
    pub checkpoint: PhaseFile,
    #[serde(default)]
    pub restore: PhaseFile,
    #[serde(default)]
    pub workload: WorkloadFile,
    #[serde(default)]
    pub source: SourceFile,
    #[serde(default)]
    pub target: TargetFile,
    #[serde(default)]
    pub transfer: TransferFile,
    #[serde(default)]
    pub sampler: SamplerFile,
    #[serde(default)]
    pub collapse: CollapseFile,
    #[serde(default)]
    pub guard: GuardFile,
}

/// A run name, checked while parsing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunName(String);

impl TryFrom<String> for RunName {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if !value.is_empty() && value.len() <= 64 && value.chars().all(allowed) {
            Ok(RunName(value))
        } else {
            Err(format!(
                "must be 1 to 64 letters, digits, '.', '_' or '-', got '{value}'"
            ))
        }
    }
}

impl From<RunName> for String {
    fn from(value: RunName) -> String {
        value.0
    }
}

/// `[checkpoint]` and `[restore]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseFile {
    /// Operations in flight at once (default: the top-level `concurrency`, else 1).
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
}

impl Default for WorkloadFile {
    fn default() -> Self {
        WorkloadFile {
            memory_mib: Ranged::new_const(0),
            log_interval_ms: defaults::log_interval_ms(),
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
    pub endpoint: Option<String>,
}

/// `[target]`: either a running engine or an emulated host.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// Engine endpoint; default: the local engine (same as the source).
    pub endpoint: Option<String>,
    /// An emulated memory-bounded host brought up for the run.
    pub emulate: Option<EmulateFile>,
}

/// `emulate = { memory = "2GiB", swap = "1536MiB", cpus = 4 }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmulateFile {
    /// RAM budget of the host (daemon, shims and containers together).
    pub memory: ByteSize,
    /// Swap the host may use on top of `memory`.
    #[serde(default)]
    pub swap: ByteSize,
    /// CPU quota in cores; default: no quota.
    pub cpus: Option<f64>,
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
}

/// `[transfer]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TransferFile {
    #[serde(default)]
    pub mode: TransferMode,
    /// Where the source engine writes checkpoints (one subdirectory per run).
    #[serde(default = "defaults::checkpoint_dir")]
    pub checkpoint_dir: PathBuf,
}

impl Default for TransferFile {
    fn default() -> Self {
        TransferFile {
            mode: TransferMode::default(),
            checkpoint_dir: defaults::checkpoint_dir(),
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
        }
    }
}

/// What the harness does once a collapse is detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuardPolicy {
    /// Stop restoring, tear down cleanly, write everything.
    #[default]
    Stop,
    /// Keep going until the end or until the target dies.
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

impl ScenarioFile {
    /// Cross-field checks and conversion into the validated [`Scenario`].
    pub(super) fn into_scenario(self, source_text: String) -> Result<Scenario, String> {
        let target = match (self.target.endpoint, self.target.emulate) {
            (Some(_), Some(_)) => {
                return Err("[target]: give either 'endpoint' or 'emulate', not both".into())
            }
            (None, Some(budget)) => {
                check_budget(&budget)?;
                TargetSpec::Emulated(budget)
            }
            (endpoint, None) => TargetSpec::Endpoint(check_endpoint(
                "target.endpoint",
                endpoint.unwrap_or_else(|| DEFAULT_ENDPOINT.into()),
            )?),
        };
        let source_endpoint = check_endpoint(
            "source.endpoint",
            self.source
                .endpoint
                .unwrap_or_else(|| DEFAULT_ENDPOINT.into()),
        )?;
        if !self.transfer.checkpoint_dir.is_absolute() {
            return Err(format!(
                "transfer.checkpoint_dir: must be an absolute path (the engine writes there), got '{}'",
                self.transfer.checkpoint_dir.display()
            ));
        }
        let shared = self.concurrency.unwrap_or_else(defaults::concurrency);
        let pacing = |phase: &PhaseFile| Pacing {
            concurrency: phase.concurrency.unwrap_or(shared).get() as usize,
            pause: Duration::from_millis(phase.pause_ms.get()),
        };
        Ok(Scenario {
            name: self.name.0,
            containers: self.containers.get() as usize,
            warmup: Duration::from_secs(self.warmup_s.get()),
            op_timeout: Duration::from_secs(self.timeout_s.get()),
            checkpoint: pacing(&self.checkpoint),
            restore: pacing(&self.restore),
            workload_memory_mib: self.workload.memory_mib.get(),
            log_interval: Duration::from_millis(self.workload.log_interval_ms.get()),
            source_endpoint,
            target,
            transfer_mode: self.transfer.mode,
            checkpoint_dir: self.transfer.checkpoint_dir,
            sample_interval: Duration::from_millis(self.sampler.interval_ms.get()),
            collapse: self.collapse,
            guard_policy: self.guard.policy,
            host_min_available_mib: self.guard.host_min_available_mib.get(),
            source_text,
        })
    }
}

fn check_endpoint(field: &str, endpoint: String) -> Result<String, String> {
    let known = ["unix://", "tcp://", "http://", "https://"];
    if known.iter().any(|scheme| endpoint.starts_with(scheme)) {
        Ok(endpoint)
    } else {
        Err(format!(
            "{field}: must start with unix://, tcp://, http:// or https://, got '{endpoint}'"
        ))
    }
}

fn check_budget(budget: &EmulateFile) -> Result<(), String> {
    const MIN_MEMORY: u64 = 64 * 1024 * 1024;
    if budget.memory.as_u64() < MIN_MEMORY {
        return Err(format!(
            "target.emulate.memory: must be at least 64MiB (the engine itself needs it), got '{}'",
            budget.memory
        ));
    }
    match budget.cpus {
        Some(cpus) if !(cpus > 0.0 && cpus <= 1024.0) => Err(format!(
            "target.emulate.cpus: must be above 0 and at most 1024, got {cpus}"
        )),
        _ => Ok(()),
    }
}
