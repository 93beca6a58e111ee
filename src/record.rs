//! Records of a run: `ops.csv` (one row per operation), `samples.csv` (one row
//! per sampler tick), both appended and flushed to the kernel row by row and
//! synced to the disk at least every second (see [`appender`] for what
//! survives what), and `summary.json`.

pub mod appender;
pub mod criu_split;
pub mod migration;
pub mod ops;
pub mod percentiles;
pub mod samples;
pub mod summary;
pub mod thresholds;
pub mod transfer;

pub use appender::{read_rows, CsvAppender, ReadRows, SkippedRow, SYNC_EVERY};
pub use criu_split::{criu_splits, CriuSplit};
pub use ops::{OpRecord, Outcome, Phase};
pub use samples::SampleRow;
pub use summary::{RunVerdict, Summary};

/// File names inside a run directory.
pub const OPS_CSV: &str = "ops.csv";
pub const SAMPLES_CSV: &str = "samples.csv";
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
