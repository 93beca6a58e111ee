//! Errors of cgroup operations.

use std::path::{Path, PathBuf};

/// Errors of cgroup operations, each naming what is missing or which file.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// A controller, a mount or an interface file the budget needs is absent;
    /// the text names it and what to do.
    #[error("{0}")]
    Missing(String),
    #[error("{what} '{path}': {source}")]
    Io {
        what: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

pub(super) fn io_error(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> CgroupError {
    let what = what.to_string();
    let path = path.to_path_buf();
    move |source| CgroupError::Io { what, path, source }
}
