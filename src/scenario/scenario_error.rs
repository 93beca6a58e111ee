//! Everything that can be wrong with a scenario, each naming the file.

use crate::quote::{quote, quote_path};
use std::path::PathBuf;

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
