//! Exit codes, and the error that carries one (see README "Exit codes").

pub mod exit {
    /// Everything migrated and verified (a collapse found under the guard is a result, not a failure).
    pub const SUCCESS: u8 = 0;
    /// An unexpected error (I/O on the results directory, a bug).
    pub const INTERNAL: u8 = 1;
    /// Bad input: scenario file, override or command line.
    pub const BAD_INPUT: u8 = 2;
    /// The environment is not ready: engine, CRIU, cgroups (`migbench doctor` says what to do).
    pub const NOT_READY: u8 = 3;
    use crate::summary::RunVerdict;
    /// The run finished, but operations failed or states were lost before any collapse.
    pub const FAILURES: u8 = RunVerdict::Failures.exit_code();
    /// The run finished, and a `[thresholds]` limit was breached (takes precedence over 4).
    pub const THRESHOLDS: u8 = RunVerdict::ThresholdsBreached.exit_code();
    /// The run did not finish (killed or crashed): `report` on a run without its summary.
    pub const INCOMPLETE: u8 = RunVerdict::Incomplete.exit_code();
    /// The harness's own machine stopped the run (sampler lag, its memory floor):
    /// the target was not judged.
    pub const INCONCLUSIVE: u8 = RunVerdict::Inconclusive.exit_code();
    /// Interrupted by SIGINT / SIGTERM (after cleanup).
    pub const INTERRUPTED: u8 = RunVerdict::Interrupted.exit_code();
}

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct AppError {
    pub code: u8,
    pub error: anyhow::Error,
}

impl AppError {
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> AppError {
        AppError {
            code,
            error: error.into(),
        }
    }
}

pub fn internal(error: impl Into<anyhow::Error>) -> AppError {
    AppError::new(exit::INTERNAL, error)
}
