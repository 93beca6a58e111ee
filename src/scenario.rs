//! Scenario files: the TOML schema, its defaults, and validation.
//!
//! Parse, then convert: [`ScenarioFile`] describes the file exactly as written
//! (serde, unknown keys rejected, every number and string checked while
//! parsing so the error carries the line, column and field), and
//! [`Scenario::load`] turns it, plus any `--set key=value` overrides (which win
//! over the file at every level, see `overrides`), into the validated
//! [`Scenario`] that the rest of migbench uses. Its `source_text` is the
//! effective scenario, written to the run directory.
//!
//! Hostile input is bounded: a file is read only if it is a regular UTF-8
//! file of at most 16 MiB with at most 20000 items, and errors quote at most a
//! short excerpt of any value ([`quote`](crate::quote::quote)).

mod bandwidth;
mod budget;
mod checked;
mod convert;
mod defaults;
mod excerpt;
mod file;
mod metrics_url;
mod overrides;
mod ranged;
mod read;
mod ssh_fields;
mod sweep;

pub use bandwidth::{format_bits_per_s, Bandwidth};
pub use budget::{
    check_budget, BudgetFields, EmulateFile as EmulatedBudget, NetworkFile, SCENARIO_FIELDS,
};
pub use file::{
    CollapseFile as CollapseRules, GuardPolicy, Mode, ScenarioFile, ThresholdsFile as Thresholds,
    TransferMode,
};
pub use metrics_url::{check_metrics_url, MetricsSource};
pub use ssh_fields::SshSettings;
pub use sweep::{load_grid, MAX_POINTS, SWEEPABLE};

use crate::quote::{quote, quote_path};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How run directories recorded before overrides were applied in place mark
/// the overrides given with `--set` (re-applied when read back).
const OLD_OVERRIDES_MARKER: &str = "\n# overrides given on the command line:\n";
const OLD_OVERRIDE_PREFIX: &str = "# --set ";

/// Everything that can be wrong with a scenario, each naming the file; every
/// user value in them is quoted in part only ([`quote`](crate::quote::quote)).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {}: {}", quote_path(.path), .error)]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("scenario file {} {}", quote_path(.path), .problem)]
    Unreadable { path: PathBuf, problem: String },
    #[error("invalid scenario file {}: {}", quote_path(.path), .message)]
    Invalid { path: PathBuf, message: String },
    #[error("invalid override --set {} for {}: {}", quote(.assignment), quote_path(.path), .message)]
    Override {
        path: PathBuf,
        assignment: String,
        message: String,
    },
}

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
    pub host_min_available_mib: u64,
    /// The effective scenario as TOML (every default filled in, the
    /// overrides applied, listed in a comment): the run's scenario.toml.
    pub source_text: String,
}

impl Scenario {
    /// Reads, parses and validates `path`, applying `overrides` (`key=value`).
    pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let text = read::text(path)?;
        Self::parse(path, &text, overrides)
    }

    /// Parses scenario text (no sweep lists); `path` only names the source in errors.
    pub fn parse(path: &Path, text: &str, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let table = read::table(path, text)?;
        // The typed parse of the text itself attributes errors to their line and column.
        read::check_text(path, text, None)?;
        let table = overrides::apply(path, table, overrides)?;
        read::point(path, table, &read::header(path, None, overrides))
    }

    /// Reads a scenario as recorded in a run directory: the effective
    /// scenario, or (run directories of older versions) the file's text with
    /// the overrides appended as `# --set key=value` comments, re-applied here.
    pub fn load_recorded(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = read::text(path)?;
        match text.find(OLD_OVERRIDES_MARKER) {
            Some(at) => {
                let overrides: Vec<String> = text[at..]
                    .lines()
                    .filter_map(|l| l.strip_prefix(OLD_OVERRIDE_PREFIX).map(str::to_string))
                    .collect();
                Self::parse(path, &text[..at], &overrides)
            }
            None => Self::parse(path, &text, &[]),
        }
    }

    /// The target's endpoint when it is a running engine.
    pub fn target_endpoint(&self) -> Option<&str> {
        match &self.target {
            TargetSpec::Endpoint(endpoint) => Some(endpoint),
            TargetSpec::Emulated(_) => None,
        }
    }
}

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod override_tests;
#[cfg(test)]
mod ssh_tests;
#[cfg(test)]
mod tests;
