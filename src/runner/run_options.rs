//! How a run is asked for, what it gives back, and why it could not be
//! carried out.

use crate::record;
use crate::summary::Summary;
use std::path::PathBuf;
use std::sync::Arc;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run directories are created under this directory.
    pub results_dir: PathBuf,
    /// Stop at the first failed operation (otherwise failures are data and the batch goes on).
    pub fail_fast: bool,
    /// Set to the run directory once it exists, for whoever must record in a hurry.
    pub current_run_dir: CurrentRunDir,
    /// Show progress (bars on a terminal, a line every few seconds elsewhere).
    pub progress: bool,
}

/// The directory of the run in progress, shared with the signal handler.
pub type CurrentRunDir = Arc<std::sync::Mutex<Option<PathBuf>>>;

/// A finished run.
#[derive(Debug)]
pub struct RunReport {
    pub run_dir: PathBuf,
    pub summary: Summary,
    pub interrupted: bool,
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The machine is not ready (engine, CRIU, cgroups...): what to do is in the text.
    #[error("{0}")]
    Environment(String),
    #[error(transparent)]
    Record(#[from] record::RecordError),
    #[error("{0}")]
    Io(String),
}
