//! Scenario files: the TOML schema, its defaults, and validation.
//!
//! Parse, then convert: [`ScenarioFile`] describes the file exactly as written
//! (serde, unknown keys rejected, every number and string checked while
//! parsing so the error carries the line, column and field), and
//! [`Scenario::load`] turns it, plus any `--set key=value` overrides (which win
//! over the file at every level, see `overrides`), into the validated
//! [`Scenario`] that the rest of migbench uses. Its `source_text` is the
//! effective scenario, written to the run directory. Its targets are
//! `[target]` (a fleet of one) or `[[targets]]` (a fleet, each entry named),
//! resolved and checked alike (`fleet`).
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
mod fleet;
mod metrics_url;
mod overrides;
mod ranged;
mod read;
mod scenario_error;
mod ssh_fields;
mod ssh_settings;
mod sweep;
mod table_keys;
mod target_file;
mod validated;

pub use bandwidth::{format_bits_per_s, Bandwidth};
pub use budget::{check_budget, BudgetFields, EmulateFile as EmulatedBudget, NetworkFile};
pub use checked::TARGET_NAME;
pub use file::{
    CollapseFile as CollapseRules, GuardPolicy, Mode, OnFailure, PlacementPolicy, ScenarioFile,
    ThresholdsFile as Thresholds, TransferMode,
};
pub use fleet::{listed as listed_names, NAMES_SHOWN};
pub use metrics_url::{check_metrics_url, MetricsSource};
pub use scenario_error::ScenarioError;
pub use ssh_settings::SshSettings;
pub use sweep::{load_grid, MAX_POINTS};
pub use table_keys::SWEEPABLE;
pub use validated::{FleetTarget, Pacing, Scenario, TargetSpec};

use std::path::Path;

/// How run directories recorded before overrides were applied in place mark
/// the overrides given with `--set` (re-applied when read back).
const OLD_OVERRIDES_MARKER: &str = "\n# overrides given on the command line:\n";
const OLD_OVERRIDE_PREFIX: &str = "# --set ";

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
}

#[cfg(test)]
mod fleet_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod override_tests;
#[cfg(test)]
mod ssh_settings_tests;
#[cfg(test)]
#[path = "scenario/scenario_tests.rs"]
mod tests;
