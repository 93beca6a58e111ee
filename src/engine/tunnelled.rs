//! An engine reached through an SSH tunnel: the engine at the tunnel's local
//! socket, named by its `ssh://` endpoint in everything it says (errors,
//! info, checks), and holding the tunnel, which closes with the last handle.
//! An engine that stops answering because the tunnel died says so.

use super::{
    Check, Checkpointed, ContainerSpec, Engine, EngineError, EngineInfo, EngineKind,
    LabelledContainer, Restored, Role,
};
use crate::ssh::Tunnel;
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The engine behind a tunnel.
pub struct Tunnelled {
    /// The `ssh://` endpoint.
    endpoint: String,
    /// The tunnel's local end, as the inner engine names itself.
    local: String,
    inner: Arc<dyn Engine>,
    tunnel: Tunnel,
}

impl Tunnelled {
    pub fn new(endpoint: &str, inner: Arc<dyn Engine>, tunnel: Tunnel) -> Tunnelled {
        Tunnelled {
            endpoint: endpoint.to_string(),
            local: inner.endpoint().to_string(),
            inner,
            tunnel,
        }
    }

    /// `text` with the local socket's endpoint replaced by the `ssh://` one.
    fn renamed(&self, text: &str) -> String {
        text.replace(&self.local, &self.endpoint)
    }

    /// The inner engine's error, naming the `ssh://` endpoint, and saying
    /// so when the engine is unreachable because the tunnel died.
    fn named(&self, error: EngineError) -> EngineError {
        let endpoint = self.endpoint.clone();
        match error {
            EngineError::Unreachable { detail, .. } => EngineError::Unreachable {
                detail: match self.tunnel.exited() {
                    Some(why) => format!("{}; {why}", self.renamed(&detail)),
                    None => self.renamed(&detail),
                },
                endpoint,
            },
            EngineError::Operation { what, detail, .. } => EngineError::Operation {
                endpoint,
                what,
                detail: self.renamed(&detail),
            },
            EngineError::Criu {
                what,
                detail,
                reason,
                log,
                ..
            } => EngineError::Criu {
                endpoint,
                what,
                detail: self.renamed(&detail),
                reason,
                log,
            },
            EngineError::Timeout { what, seconds, .. } => EngineError::Timeout {
                endpoint,
                what,
                seconds,
            },
            io @ EngineError::Io { .. } => io,
        }
    }

    fn named_result<T>(&self, result: Result<T, EngineError>) -> Result<T, EngineError> {
        result.map_err(|e| self.named(e))
    }
}

#[async_trait]
impl Engine for Tunnelled {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn kind(&self) -> EngineKind {
        self.inner.kind()
    }

    async fn info(&self) -> Result<EngineInfo, EngineError> {
        let mut info = self.named_result(self.inner.info().await)?;
        info.endpoint = self.endpoint.clone();
        Ok(info)
    }

    async fn readiness(&self, role: Role) -> Vec<Check> {
        let mut checks = self.inner.readiness(role).await;
        for check in &mut checks {
            check.detail = self.renamed(&check.detail);
            check.fix = self.renamed(&check.fix);
        }
        checks
    }

    async fn clean_leftovers(&self, is_live: for<'a> fn(&'a str) -> bool) -> Vec<String> {
        self.inner.clean_leftovers(is_live).await
    }

    async fn has_image(&self, tag: &str) -> Result<bool, EngineError> {
        self.named_result(self.inner.has_image(tag).await)
    }

    async fn import_rootfs(&self, rootfs_tar: Vec<u8>, tag: &str) -> Result<(), EngineError> {
        self.named_result(self.inner.import_rootfs(rootfs_tar, tag).await)
    }

    async fn save_image(&self, tag: &str) -> Result<Vec<u8>, EngineError> {
        self.named_result(self.inner.save_image(tag).await)
    }

    async fn load_image(&self, image_tar: Vec<u8>) -> Result<(), EngineError> {
        self.named_result(self.inner.load_image(image_tar).await)
    }

    async fn create(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        self.named_result(self.inner.create(spec).await)
    }

    async fn start(&self, id: &str) -> Result<(), EngineError> {
        self.named_result(self.inner.start(id).await)
    }

    async fn checkpoint(
        &self,
        id: &str,
        dir: &Path,
        name: &str,
    ) -> Result<Checkpointed, EngineError> {
        self.named_result(self.inner.checkpoint(id, dir, name).await)
    }

    async fn staging_dir(&self, run_id: &str) -> Result<Option<PathBuf>, EngineError> {
        self.named_result(self.inner.staging_dir(run_id).await)
    }

    async fn restore(
        &self,
        spec: &ContainerSpec,
        checkpoint: &Path,
        created: &OnceLock<String>,
    ) -> Result<Restored, EngineError> {
        self.named_result(self.inner.restore(spec, checkpoint, created).await)
    }

    async fn abandon_restore(&self, id: &str) -> Option<String> {
        self.inner.abandon_restore(id).await
    }

    async fn log_lines(&self, id: &str) -> Result<Vec<String>, EngineError> {
        self.named_result(self.inner.log_lines(id).await)
    }

    async fn is_running(&self, id: &str) -> Result<bool, EngineError> {
        self.named_result(self.inner.is_running(id).await)
    }

    async fn remove(&self, id: &str) -> Result<(), EngineError> {
        self.named_result(self.inner.remove(id).await)
    }

    async fn list_labelled(
        &self,
        label: &str,
        value: Option<&str>,
    ) -> Result<Vec<LabelledContainer>, EngineError> {
        self.named_result(self.inner.list_labelled(label, value).await)
    }
}
