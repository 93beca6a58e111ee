//! The runc engine's handle: its runc, its data directory's layout, what
//! it puts its containers under and how its restores run, and the steps the
//! Engine implementation (in `runc.rs`) shares.

use super::bundle;
use super::command::Runc;
use super::layout::{Layout, DEFAULT_DATA_DIR, SCHEME};
use crate::engine::criu_stats::{self, CriuStats};
use crate::engine::{CheckpointRoute, ContainerSpec, EngineError, Strategy, Transferred};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// runc with its state, bundles and images under one data directory.
pub struct RuncEngine {
    pub(super) runc: Runc,
    pub(super) layout: Layout,
    /// The cgroup every container belongs under (an emulated host's budget).
    cgroup_parent: Option<String>,
    /// How restores get the memory back: all at once, or lazily.
    pub(super) strategy: Strategy,
    /// How checkpoints reach it: read where they are, or streamed over SSH
    /// into the clone's bundle (across an emulated host's link).
    pub(super) route: CheckpointRoute,
    base_spec: tokio::sync::OnceCell<serde_json::Value>,
}

impl RuncEngine {
    /// The engine whose data directory `endpoint` (`runc:///DIR`) names.
    pub fn connect(endpoint: &str) -> Result<RuncEngine, EngineError> {
        let layout = Layout::from_endpoint(endpoint).ok_or_else(|| EngineError::Operation {
            endpoint: endpoint.to_string(),
            what: "connect".into(),
            detail: format!(
                "a runc endpoint is {SCHEME} followed by an absolute data directory, \
                 e.g. {SCHEME}{DEFAULT_DATA_DIR}"
            ),
        })?;
        Ok(RuncEngine {
            runc: Runc::new(endpoint, layout.state()),
            layout,
            cgroup_parent: None,
            strategy: Strategy::StopAndCopy,
            route: CheckpointRoute::Local,
            base_spec: tokio::sync::OnceCell::new(),
        })
    }

    /// Puts every container this engine creates or restores under `cgroup`.
    pub fn with_cgroup_parent(mut self, cgroup: Option<String>) -> RuncEngine {
        self.cgroup_parent = cgroup;
        self
    }

    /// Restores lazily (`Strategy::Lazy`) or all at once.
    pub fn with_strategy(mut self, strategy: Strategy) -> RuncEngine {
        self.strategy = strategy;
        self
    }

    /// Takes checkpoints over SSH (`CheckpointRoute::Ssh`) or where they are.
    pub fn with_route(mut self, route: CheckpointRoute) -> RuncEngine {
        self.route = route;
        self
    }

    /// Streams `checkpoint` over SSH into clone `id`'s bundle; returns where
    /// it landed and how the stream went.
    pub(super) async fn receive(
        &self,
        access: &crate::ssh::Access,
        id: &str,
        checkpoint: &Path,
    ) -> Result<(PathBuf, Transferred), EngineError> {
        let name = checkpoint
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "checkpoint".into());
        let parent = self.layout.bundle(id).join("checkpoint");
        let started = Instant::now();
        let bytes = crate::ssh::upload_dir(access, checkpoint, &name, Vec::new(), &parent)
            .await
            .map_err(|e| EngineError::Transfer {
                endpoint: self.runc.endpoint.clone(),
                what: format!("stream the checkpoint of '{id}' over SSH"),
                detail: e.to_string(),
            })?;
        let transferred = Transferred {
            bytes,
            started,
            // The remote tar has taken it all (its exit): nothing is in flight.
            ended: Instant::now(),
        };
        Ok((parent.join(name), transferred))
    }

    pub(super) async fn write_bundle(&self, spec: &ContainerSpec) -> Result<(), EngineError> {
        let base = self
            .base_spec
            .get_or_try_init(|| bundle::default_spec(&self.runc))
            .await?;
        bundle::write(&self.layout, base, spec, self.cgroup_parent.as_deref())
    }

    /// runc's view of container `id`: its status, when runc knows it.
    pub(super) async fn status(&self, id: &str) -> Option<String> {
        let ran = self.runc.run(&["state", id], "read its state").await.ok()?;
        let state: serde_json::Value = serde_json::from_slice(&ran.stdout).ok()?;
        Some(state.get("status")?.as_str()?.to_string())
    }

    /// CRIU's stats file `name`, looked for in each of `dirs`.
    pub(super) fn stats(dirs: &[&Path], name: &str) -> CriuStats {
        dirs.iter()
            .find_map(|dir| criu_stats::decode(&std::fs::read(dir.join(name)).ok()?).ok())
            .unwrap_or_default()
    }

    pub(super) fn data_dir(&self) -> PathBuf {
        self.layout.data().to_path_buf()
    }
}

pub(super) fn ms_since(started: Instant) -> Option<f64> {
    // Whole microseconds, as every other duration in the records.
    Some((started.elapsed().as_secs_f64() * 1e6).round() / 1000.0)
}
