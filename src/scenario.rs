//! Scenario files: the TOML schema, its defaults, and validation.
//!
//! Parse, then convert: [`ScenarioFile`] describes the file exactly as written
//! (serde, unknown keys rejected, every number range-checked while parsing so
//! the error carries the line and column), and [`Scenario::load`] turns it,
//! plus any `--set key=value` overrides, into the validated [`Scenario`] that
//! the rest of migbench uses.

mod defaults;
mod file;
mod overrides;
mod ranged;
mod sweep;

pub use file::{
    CollapseFile as CollapseRules, EmulateFile as EmulatedBudget, GuardPolicy, ScenarioFile,
    TransferMode,
};

pub use sweep::{load_grid, SWEEPABLE};

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How recorded scenarios mark the overrides given with `--set`.
const OVERRIDE_PREFIX: &str = "# --set ";

/// The default local Docker engine.
pub const DEFAULT_ENDPOINT: &str = "unix:///var/run/docker.sock";

/// Everything that can be wrong with a scenario, each naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid scenario file '{path}': {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("invalid override --set '{assignment}' for '{path}': {message}")]
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
    pub warmup: Duration,
    pub op_timeout: Duration,
    pub checkpoint: Pacing,
    pub restore: Pacing,
    pub workload_memory_mib: u64,
    pub log_interval: Duration,
    pub source_endpoint: String,
    pub target: TargetSpec,
    pub transfer_mode: TransferMode,
    pub checkpoint_dir: PathBuf,
    pub sample_interval: Duration,
    pub collapse: CollapseRules,
    pub guard_policy: GuardPolicy,
    pub host_min_available_mib: u64,
    /// The scenario exactly as given (file text, then overrides), for the report.
    pub source_text: String,
}

impl Scenario {
    /// Reads, parses and validates `path`, applying `overrides` (`key=value`).
    pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text, overrides)
    }

    /// Parses scenario text; `path` only names the source in errors.
    pub fn parse(path: &Path, text: &str, overrides: &[String]) -> Result<Scenario, ScenarioError> {
        let invalid = |message: String| ScenarioError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        // Parsing the text first attributes errors to their line and column.
        let file: ScenarioFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let file = if overrides.is_empty() {
            file
        } else {
            overrides::apply(path, text, overrides)?
        };
        let mut source_text = text.to_string();
        if !overrides.is_empty() {
            source_text.push_str("\n# overrides given on the command line:\n");
            for assignment in overrides {
                source_text.push_str(&format!("{OVERRIDE_PREFIX}{assignment}\n"));
            }
        }
        file.into_scenario(source_text).map_err(invalid)
    }

    /// Reads a scenario as recorded in a run directory (its text, with the
    /// command-line overrides appended as `# --set key=value` comments).
    pub fn load_recorded(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let (file_text, overrides) = match text.find("\n# overrides given on the command line:\n") {
            Some(at) => {
                let overrides = text[at..]
                    .lines()
                    .filter_map(|l| l.strip_prefix(OVERRIDE_PREFIX).map(str::to_string))
                    .collect();
                (&text[..at], overrides)
            }
            None => (text.as_str(), Vec::new()),
        };
        Self::parse(path, file_text, &overrides)
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
mod tests;
