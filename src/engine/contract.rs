//! What the runner needs from an engine: the [`Engine`] trait, the values its
//! operations take and give, and the errors at the engine edge.

use super::capabilities::Capabilities;
use super::criu_stats::CriuStats;
use super::kind::EngineKind;
use super::readiness::{Check, Role};
use async_trait::async_trait;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Label carried by every container migbench creates; its value is the run id.
pub const RUN_LABEL: &str = "io.migbench.run";

/// Errors at the engine edge, each naming the engine and what was attempted.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("engine '{endpoint}' is not reachable: {detail}. Is the engine running? (scripts/provision.sh starts it; `migbench doctor` checks)")]
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
    /// The checkpoint did not reach the engine's machine (an upload that
    /// stalled, an SSH stream that broke): the engine never had it.
    #[error("engine '{endpoint}': {what}: {detail}")]
    Transfer {
        endpoint: String,
        what: String,
        detail: String,
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

    /// True when the checkpoint never reached the engine's machine.
    pub fn is_transfer(&self) -> bool {
        matches!(self, EngineError::Transfer { .. })
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
    /// Which engine answered.
    pub kind: EngineKind,
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

/// A checkpoint the engine wrote for the harness.
#[derive(Debug, Clone, Default)]
pub struct Checkpointed {
    /// Where it is: a directory or one archive, as the engine writes them.
    pub path: PathBuf,
    /// Its size on disk (or streamed), bytes.
    pub bytes: u64,
    /// CRIU's own timings, when the engine keeps them.
    pub stats: CriuStats,
}

/// A clone restored from a checkpoint.
#[derive(Debug, Clone, Default)]
pub struct Restored {
    pub id: String,
    /// CRIU's and the runtime's own timings, when the engine gives them.
    pub stats: CriuStats,
    /// How the checkpoint reached the engine's machine inside the restore
    /// itself (sent as the restore request's body, or streamed over SSH into
    /// the clone's store), when it did and was measured: a share of the
    /// restore's own time, not time before it.
    pub transfer: Option<Transferred>,
}

/// A checkpoint's way to the target engine, measured inside its restore.
#[derive(Debug, Clone, Copy)]
pub struct Transferred {
    pub bytes: u64,
    /// The first byte handed to the connection.
    pub started: std::time::Instant,
    /// The last byte acknowledged by the target's machine (or, where there
    /// is no acknowledgement to wait for, handed to the connection).
    pub ended: std::time::Instant,
}

/// The operations migbench drives on an engine.
#[async_trait]
pub trait Engine: Send + Sync {
    /// The endpoint this engine was reached at.
    fn endpoint(&self) -> &str;
    /// Which engine this is.
    fn kind(&self) -> EngineKind;
    /// What it can do: how checkpoints reach it, which strategies it runs.
    fn capabilities(&self) -> Capabilities;
    async fn info(&self) -> Result<EngineInfo, EngineError>;
    /// What this engine needs to checkpoint (as `Role::Source`) or restore
    /// (as `Role::Target`) here, each check with what to do when it fails.
    async fn readiness(&self, role: Role) -> Vec<Check>;
    /// Removes what runs no longer going left in the engine's own store
    /// (staging directories, restore litter); `is_live(run_id)` spares a run
    /// still going. Returns one line per action.
    async fn clean_leftovers(&self, is_live: for<'a> fn(&'a str) -> bool) -> Vec<String>;
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
    /// Checkpoints `id` as `name` under `dir` (the harness's side) and stops it.
    async fn checkpoint(
        &self,
        id: &str,
        dir: &Path,
        name: &str,
    ) -> Result<Checkpointed, EngineError>;
    /// Where a transfer puts a checkpoint for a restore on this engine to
    /// take it, creating it; only engines whose intake is
    /// [`Intake::Staged`](super::Intake::Staged) have one.
    async fn staging_dir(&self, _run_id: &str) -> Result<PathBuf, EngineError> {
        Err(EngineError::Operation {
            endpoint: self.endpoint().to_string(),
            what: "name a staging directory".into(),
            detail: "this engine takes checkpoints inside its restores".into(),
        })
    }
    /// Does ahead of the checkpoint what a restore of `spec` can do before
    /// the container stops (Docker: creates the clone; runc: writes its
    /// bundle), so that it is not inside the freeze; returns the clone's id
    /// when it was made, for [`Engine::restore`] to take in `created`.
    async fn prepare_clone(&self, _spec: &ContainerSpec) -> Result<Option<String>, EngineError> {
        Ok(None)
    }
    /// Creates the clone `spec` from the checkpoint at `checkpoint` and starts
    /// it (a clone [`Engine::prepare_clone`] made is in `created` already);
    /// returns its id. The clone's id is put into `created` as soon as it
    /// exists, so that a failed or hung restore can still be cleaned up.
    async fn restore(
        &self,
        spec: &ContainerSpec,
        checkpoint: &Path,
        created: &std::sync::OnceLock<String>,
    ) -> Result<Restored, EngineError>;
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

/// The clone a restore works on: the one [`Engine::prepare_clone`] made
/// (already in `created`), else one `engine` creates now, put into `created`
/// at once so that a failed restore can still remove it.
pub async fn prepared_or_created(
    engine: &(impl Engine + ?Sized),
    spec: &ContainerSpec,
    created: &std::sync::OnceLock<String>,
) -> Result<String, EngineError> {
    if let Some(prepared) = created.get() {
        return Ok(prepared.clone());
    }
    let id = engine.create(spec).await?;
    let _ = created.set(id.clone());
    Ok(id)
}
