//! Errors managing emulated hosts, each naming the resource.

use std::path::{Path, PathBuf};

/// Errors managing emulated hosts, each naming the resource.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("host name {} is invalid: use 1 to 12 lowercase letters, digits or '-'", crate::quote::quote(.0))]
    BadName(String),
    #[error(
        "host '{0}' is already up (see `migbench host ls`; `migbench host down {0}` removes it)"
    )]
    AlreadyUp(String),
    #[error("no emulated host '{0}' (see `migbench host ls`)")]
    Unknown(String),
    #[error("{what} '{path}': {source}")]
    Io {
        what: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    /// The cgroup backend (v1, hybrid or v2) lacks what a budget needs; the
    /// text names the controller or file and what to do.
    #[error("{0}: emulated hosts need it (`migbench doctor` says what this machine has)")]
    NoController(String),
    #[error("{0}")]
    Budget(String),
    #[error("{0}")]
    Network(String),
    /// A host this engine cannot be (the text says why and what to use).
    #[error("{0}")]
    Unsupported(String),
    #[error("the engine of host '{name}' did not come up within {seconds} s; its log: {log}")]
    EngineStart {
        name: String,
        seconds: u64,
        log: PathBuf,
    },
}

pub fn io_error(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> HostError {
    let what = what.to_string();
    let path = path.to_path_buf();
    move |source| HostError::Io { what, path, source }
}
