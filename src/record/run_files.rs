//! The files of a run directory, and the errors writing or reading them.

/// File names inside a run directory.
pub const OPS_CSV: &str = "ops.csv";
pub const SAMPLES_CSV: &str = "samples.csv";
/// A soak's state after each round (`rounds` > 1).
pub const ROUNDS_CSV: &str = "rounds.csv";
pub const SUMMARY_JSON: &str = "summary.json";
pub const SCENARIO_TOML: &str = "scenario.toml";
pub const ENVIRONMENT_JSON: &str = "environment.json";

/// Errors writing or reading records, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot write '{path}': {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read '{path}': {detail}")]
    Read {
        path: std::path::PathBuf,
        detail: String,
    },
}
