//! A validated scenario: what a run is given, every default filled in.

use super::budget::EmulateFile as EmulatedBudget;
use super::checked::TARGET_NAME;
use super::file::{
    CollapseFile as CollapseRules, GuardPolicy, Mode, OnFailure, PlacementPolicy,
    ThresholdsFile as Thresholds, TransferMode,
};
use super::metrics_url::MetricsSource;
use super::ssh_settings::SshSettings;
use crate::engine::Strategy;
use std::path::PathBuf;
use std::time::Duration;

/// Where the target engine comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum TargetSpec {
    /// An engine that already runs at this endpoint.
    Endpoint(String),
    /// An emulated memory-bounded host that `run` brings up and tears down.
    Emulated(EmulatedBudget),
}

/// One target of the fleet: `[target]` (a fleet of one, named "target") or
/// one `[[targets]]` entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FleetTarget {
    /// Names it in records, charts and `--set targets.NAME.field=...`.
    pub name: String,
    pub spec: TargetSpec,
    /// Its machine's node exporter, when it is a remote engine with `metrics`.
    pub metrics: Option<MetricsSource>,
    /// Its machine's SSH destination (`transfer.mode = "ssh"` to a remote engine).
    pub ssh: Option<crate::ssh::Destination>,
    /// The key offered to its machine; `None`: the user's ssh config and agent.
    pub ssh_identity: Option<PathBuf>,
}

impl FleetTarget {
    /// The prefix of its keys in the file and in `--set`: `target` for the
    /// one target of `[target]`, `targets.NAME` for a `[[targets]]` entry.
    pub fn key(&self) -> String {
        if self.name == TARGET_NAME {
            "target".to_string()
        } else {
            format!("targets.{}", self.name)
        }
    }

    /// Its endpoint when it is a running engine.
    pub fn endpoint(&self) -> Option<&str> {
        match &self.spec {
            TargetSpec::Endpoint(endpoint) => Some(endpoint),
            TargetSpec::Emulated(_) => None,
        }
    }
}

/// One phase's pacing: how many operations at once, and the pause each worker
/// takes after each of its operations (the lab paused 2 s / 1 s).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Pacing {
    pub concurrency: usize,
    pub pause: Duration,
}

/// A validated scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scenario {
    pub name: String,
    pub containers: usize,
    pub mode: Mode,
    /// Pipeline mode: migrations in flight at once (the top-level
    /// `concurrency`, else the larger phase concurrency).
    pub in_flight: usize,
    /// The workload's internal tick.
    pub tick: Duration,
    pub thresholds: Thresholds,
    pub warmup: Duration,
    pub op_timeout: Duration,
    pub checkpoint: Pacing,
    pub restore: Pacing,
    pub workload_memory_mib: u64,
    pub log_interval: Duration,
    /// Which engine runs the originals, and which the clones (the same kind).
    pub source_engine: crate::engine::EngineKind,
    pub source_endpoint: String,
    pub target_engine: crate::engine::EngineKind,
    /// Where the containers go: at least one target, in the file's order.
    pub targets: Vec<FleetTarget>,
    /// How each migration picks its target in a fleet of several.
    pub placement: PlacementPolicy,
    pub transfer_mode: TransferMode,
    /// The source's SSH identity (each target's SSH is in its [`FleetTarget`]).
    pub ssh: SshSettings,
    pub checkpoint_dir: PathBuf,
    pub sample_interval: Duration,
    pub collapse: CollapseRules,
    pub guard_policy: GuardPolicy,
    /// What becomes of a container whose transfer or restore failed.
    pub on_failure: OnFailure,
    /// How each restore gets the memory back (runc: lazy pages).
    pub strategy: Strategy,
    /// A checkpoint upload that moves no byte for this long fails.
    pub transfer_stall: Duration,
    /// Rounds back and forth between source and target (1: one way).
    pub rounds: u32,
    pub host_min_available_mib: u64,
    /// The effective scenario as TOML (every default filled in, the
    /// overrides applied, listed in a comment): the run's scenario.toml.
    pub source_text: String,
}

impl Scenario {
    /// Whether it migrates onto several targets (`[[targets]]` with more than one).
    pub fn is_fleet(&self) -> bool {
        self.targets.len() > 1
    }
}
