//! The container engine seam: what the runner needs from an engine, as a
//! small trait, with the Docker implementation (bollard) in `docker.rs` and the
//! workload image (built locally, no registry) in `image.rs`.

mod criu_log;
mod docker;
mod fsutil;
pub mod image;
pub mod litter;
mod procs;

pub use docker::DockerEngine;
pub use fsutil::{copy_dir, dir_bytes};

use async_trait::async_trait;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Label carried by every container migbench creates; its value is the run id.
pub const RUN_LABEL: &str = "io.migbench.run";

/// Errors at the engine edge, each naming the engine and what was attempted.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("engine '{endpoint}' is not reachable: {detail}. Is dockerd running? (scripts/provision.sh starts it; `migbench doctor` checks)")]
    Unreachable { endpoint: String, detail: String },
    #[error("engine '{endpoint}': {what}: {detail}")]
    Operation {
        endpoint: String,
        what: String,
        detail: String,
    },
    /// CRIU failed: the engine's message, and CRIU's own log when it could be read
    /// before the engine threw it away.
    #[error("engine '{endpoint}': {what}: {detail} [CRIU: {reason}]")]
    Criu {
        endpoint: String,
        what: String,
        detail: String,
        /// The last errors CRIU logged before it gave up.
        reason: String,
        log: String,
    },
    /// The engine took longer than the client's timeout to answer one request:
    /// the engine is alive (it accepted the request) but this operation hangs.
    #[error("engine '{endpoint}': {what}: no answer within {seconds} s")]
    Timeout {
        endpoint: String,
        what: String,
        seconds: u64,
    },
    #[error("{what} '{path}': {source}")]
    Io {
        what: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl EngineError {
    /// True when the engine itself stopped answering (not one container failing).
    pub fn is_engine_down(&self) -> bool {
        matches!(self, EngineError::Unreachable { .. })
    }

    /// True when the operation did not answer in time (its clean-up is a timeout's).
    pub fn is_timeout(&self) -> bool {
        matches!(self, EngineError::Timeout { .. })
    }

    /// CRIU's log of the failed checkpoint or restore, when it was kept.
    pub fn criu_log(&self) -> Option<&str> {
        match self {
            EngineError::Criu { log, .. } => Some(log),
            _ => None,
        }
    }
}

/// What an engine says about itself and its machine.
#[derive(Debug, Clone, Serialize, Default)]
pub struct EngineInfo {
    pub endpoint: String,
    pub server_version: String,
    pub api_version: String,
    pub experimental: bool,
    pub data_root: PathBuf,
    pub kernel: String,
    pub os: String,
    pub cpus: u64,
    pub memory_bytes: u64,
    pub cgroup_driver: String,
    pub running_containers: u64,
}

/// A container to create.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub cmd: Vec<String>,
    pub labels: HashMap<String, String>,
}

/// A container found by label.
#[derive(Debug, Clone)]
pub struct LabelledContainer {
    pub id: String,
    pub name: String,
    pub running: bool,
    /// The value of the label it was found by.
    pub label_value: String,
}

/// How a restore gets the checkpoint into the clone's own checkpoint store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Copy the files (the source stays, e.g. a shared directory).
    Copy,
    /// Rename the directory (it was already transferred next to the store).
    Move,
}

/// The operations migbench drives on an engine.
#[async_trait]
pub trait Engine: Send + Sync {
    /// The endpoint this engine was reached at.
    fn endpoint(&self) -> &str;
    async fn info(&self) -> Result<EngineInfo, EngineError>;
    async fn has_image(&self, tag: &str) -> Result<bool, EngineError>;
    /// Imports a root filesystem tar as image `tag` (= `docker import`).
    async fn import_rootfs(&self, rootfs_tar: Vec<u8>, tag: &str) -> Result<(), EngineError>;
    /// Saves image `tag` as a tar (= `docker save`).
    async fn save_image(&self, tag: &str) -> Result<Vec<u8>, EngineError>;
    /// Loads an image tar (= `docker load`).
    async fn load_image(&self, image_tar: Vec<u8>) -> Result<(), EngineError>;
    /// Creates a container; returns its full id.
    async fn create(&self, spec: &ContainerSpec) -> Result<String, EngineError>;
    async fn start(&self, id: &str) -> Result<(), EngineError>;
    /// Checkpoints `id` into `dir/name` and stops it.
    async fn checkpoint(&self, id: &str, dir: &Path, name: &str) -> Result<(), EngineError>;
    /// Starts the created (never started) clone `id` from the checkpoint directory `checkpoint`.
    async fn restore(
        &self,
        id: &str,
        checkpoint: &Path,
        placement: Placement,
    ) -> Result<(), EngineError>;
    /// Ends a restore that does not return (the operation timed out): returns
    /// what CRIU logged of it, when readable, and kills the restore's
    /// processes so that the clone can be removed.
    async fn abandon_restore(&self, id: &str) -> Option<String>;
    /// The container's output so far, one entry per line.
    async fn log_lines(&self, id: &str) -> Result<Vec<String>, EngineError>;
    async fn is_running(&self, id: &str) -> Result<bool, EngineError>;
    /// Removes a container (forced) and its volumes; gone already is fine.
    async fn remove(&self, id: &str) -> Result<(), EngineError>;
    /// Containers (running or not) whose `label` matches `value` (any value when `None`).
    async fn list_labelled(
        &self,
        label: &str,
        value: Option<&str>,
    ) -> Result<Vec<LabelledContainer>, EngineError>;
}
