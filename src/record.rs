//! Records of a run: `ops.csv` (one row per operation) and `samples.csv` (one
//! row per sampler tick), both appended and flushed to the kernel row by row
//! and synced to the disk at least every second (see [`appender`] for what
//! survives what). The run summed up (`summary.json`) is in `crate::summary`.

pub mod appender;
pub mod ops;
pub mod rounds;
mod run_files;
pub mod samples;

pub use appender::{read_rows, CsvAppender, ReadRows, SkippedRow, SYNC_EVERY};
pub use ops::{OpRecord, Outcome, Phase};
pub use rounds::RoundRow;
pub use run_files::{
    RecordError, ENVIRONMENT_JSON, OPS_CSV, ROUNDS_CSV, SAMPLES_CSV, SCENARIO_TOML, SUMMARY_JSON,
};
pub use samples::SampleRow;
