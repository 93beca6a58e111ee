//! A validated scenario: what a run is given, every default filled in.

use super::budget::EmulateFile as EmulatedBudget;
use super::file::{
    CollapseFile as CollapseRules, GuardPolicy, Mode, OnFailure, ThresholdsFile as Thresholds,
    TransferMode,
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
    pub target: TargetSpec,
    pub transfer_mode: TransferMode,
    /// The SSH destination and identities (`[target] ssh`, `ssh_identity`).
    pub ssh: SshSettings,
    pub checkpoint_dir: PathBuf,
    pub sample_interval: Duration,
    /// The remote target's node exporter, when `[target] metrics` is given.
    pub target_metrics: Option<MetricsSource>,
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
    /// The target's endpoint when it is a running engine.
    pub fn target_endpoint(&self) -> Option<&str> {
        match &self.target {
            TargetSpec::Endpoint(endpoint) => Some(endpoint),
            TargetSpec::Emulated(_) => None,
        }
    }
}
