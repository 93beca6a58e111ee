//! [`Engine`] for the Docker Engine API, through bollard.
//!
//! Two things here are Docker 20.10 specifics (both verified on 20.10.24):
//! bollard cannot start a container from a checkpoint, so that one request
//! gets `?checkpoint=NAME` through a request modifier; and the engine refuses
//! a custom checkpoint directory on start, so the checkpoint is first placed
//! into `<data-root>/containers/<id>/checkpoints/NAME`, where it looks by default
//! (by the harness on this machine, or streamed over SSH into the engine's
//! machine with a [`CheckpointRoute::Ssh`]).

use super::capabilities::{Capabilities, Intake, Strategy};
use super::contract::{
    prepared_or_created, Checkpointed, ContainerSpec, Engine, EngineError, EngineInfo,
    LabelledContainer, Restored,
};
use super::criu_stats::CriuStats;
use super::kind::EngineKind;
use super::options::CheckpointRoute;
use super::readiness::{Check, Role};
use super::{containerd_copies, criu_log};
use async_trait::async_trait;
use bollard::body_full;
use bollard::container::CreateCheckpointOptions;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, ImportImageOptions, ListContainersOptions,
    LogsOptions, RemoveContainerOptions,
};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[async_trait]
impl Engine for DockerEngine {
    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn kind(&self) -> EngineKind {
        EngineKind::Docker
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            // Docker restores only from the clone's own store: the harness
            // puts checkpoints there, or each restore streams its own in.
            intake: match self.route {
                CheckpointRoute::Local => Intake::Staged,
                CheckpointRoute::Ssh(_) => Intake::InRestore,
            },
            // containerd exposes no lazy pages.
            strategies: &[Strategy::StopAndCopy],
        }
    }

    async fn readiness(&self, role: Role) -> Vec<Check> {
        ready::checks(self, role).await
    }

    async fn clean_leftovers(&self, is_live: for<'a> fn(&'a str) -> bool) -> Vec<String> {
        ready::clean_leftovers(self, is_live).await
    }

    async fn info(&self) -> Result<EngineInfo, EngineError> {
        let info = self.docker.info().await.map_err(self.fail("info"))?;
        let version = self.docker.version().await.map_err(self.fail("version"))?;
        Ok(EngineInfo {
            kind: EngineKind::Docker,
            endpoint: self.endpoint.clone(),
            server_version: version.version.unwrap_or_default(),
            api_version: version.api_version.unwrap_or_default(),
            experimental: version.experimental.unwrap_or(false)
                || info.experimental_build.unwrap_or(false),
            data_root: PathBuf::from(info.docker_root_dir.unwrap_or_default()),
            kernel: info.kernel_version.unwrap_or_default(),
            os: info.operating_system.unwrap_or_default(),
            cpus: info.ncpu.unwrap_or_default().max(0) as u64,
            memory_bytes: info.mem_total.unwrap_or_default().max(0) as u64,
            cgroup_driver: info
                .cgroup_driver
                .map(|d| d.to_string())
                .unwrap_or_default(),
            running_containers: info.containers_running.unwrap_or_default().max(0) as u64,
        })
    }

    async fn has_image(&self, tag: &str) -> Result<bool, EngineError> {
        match self.docker.inspect_image(tag).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(e) => Err(self.fail(format!("inspect image '{tag}'"))(e)),
        }
    }

    async fn import_rootfs(&self, rootfs_tar: Vec<u8>, tag: &str) -> Result<(), EngineError> {
        let (repo, version) = tag.split_once(':').unwrap_or((tag, "latest"));
        let options = CreateImageOptions {
            from_src: Some("-".into()),
            repo: Some(repo.into()),
            tag: Some(version.into()),
            ..Default::default()
        };
        self.docker
            .create_image(Some(options), Some(body_full(rootfs_tar.into())), None)
            .try_collect::<Vec<_>>()
            .await
            .map_err(self.fail(format!("import image '{tag}'")))?;
        Ok(())
    }

    async fn save_image(&self, tag: &str) -> Result<Vec<u8>, EngineError> {
        let chunks: Vec<_> = self
            .docker
            .export_image(tag)
            .try_collect()
            .await
            .map_err(self.fail(format!("save image '{tag}'")))?;
        Ok(chunks.concat())
    }

    async fn load_image(&self, image_tar: Vec<u8>) -> Result<(), EngineError> {
        self.docker
            .import_image(
                ImportImageOptions::default(),
                body_full(image_tar.into()),
                None,
            )
            .try_collect::<Vec<_>>()
            .await
            .map_err(self.fail("load image"))?;
        Ok(())
    }

    async fn create(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: Some(spec.cmd.clone()),
            labels: Some(spec.labels.clone()),
            network_disabled: Some(true),
            host_config: Some(HostConfig {
                network_mode: Some("none".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let options = CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..Default::default()
        };
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(self.fail(format!("create container '{}'", spec.name)))?;
        Ok(created.id)
    }

    async fn start(&self, id: &str) -> Result<(), EngineError> {
        self.docker
            .start_container(id, None)
            .await
            .map_err(self.fail(format!("start container '{id}'")))
    }

    async fn checkpoint(
        &self,
        id: &str,
        dir: &Path,
        name: &str,
    ) -> Result<Checkpointed, EngineError> {
        let options = CreateCheckpointOptions {
            checkpoint_id: name.to_string(),
            checkpoint_dir: Some(dir.display().to_string()),
            exit: true,
        };
        match self.docker.create_checkpoint(id, options).await {
            Ok(()) => {
                let path = dir.join(name);
                let measured = path.clone();
                let bytes = tokio::task::spawn_blocking(move || super::dir_bytes(&measured))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or_default();
                // containerd's shim deletes CRIU's stats files with its work directory.
                Ok(Checkpointed {
                    path,
                    bytes,
                    stats: CriuStats::default(),
                })
            }
            Err(e) => {
                let error = self.fail(format!("checkpoint container '{id}'"))(e);
                Err(criu_log::with_dump_log(error).await)
            }
        }
    }

    async fn staging_dir(&self, run_id: &str) -> Result<PathBuf, EngineError> {
        let root = self.data_root().await?;
        if !root.is_dir() {
            return Err(EngineError::Operation {
                endpoint: self.endpoint.clone(),
                what: "stage checkpoints".into(),
                detail: format!(
                    "its data root '{}' is not on this machine: Docker restores only from its \
                     own store (run migbench on the target, or use transfer.mode = \"ssh\")",
                    root.display()
                ),
            });
        }
        let staging = root.join(STAGING_DIR).join(run_id);
        std::fs::create_dir_all(&staging).map_err(|source| EngineError::Io {
            what: "cannot create staging directory".into(),
            path: staging.clone(),
            source,
        })?;
        Ok(staging)
    }

    async fn prepare_clone(&self, spec: &ContainerSpec) -> Result<Option<String>, EngineError> {
        // Created now, started from its checkpoint in the restore.
        self.create(spec).await.map(Some)
    }

    async fn restore(
        &self,
        spec: &ContainerSpec,
        checkpoint: &Path,
        created: &OnceLock<String>,
    ) -> Result<Restored, EngineError> {
        let id = prepared_or_created(self, spec, created).await?;
        let placement = match self.data_root().await {
            Ok(root) if checkpoint.starts_with(root.join(STAGING_DIR)) => Placement::Move,
            _ => Placement::Copy,
        };
        let upload = self
            .start_from_checkpoint(&id, checkpoint, placement)
            .await?;
        Ok(Restored {
            id,
            stats: CriuStats::default(),
            // Streamed over SSH inside this restore (`transfer.mode = "ssh"`);
            // else it came by the transfer phase, before the restore.
            transfer: upload,
        })
    }

    async fn abandon_restore(&self, id: &str) -> Option<String> {
        // The engine may not answer now (busy with this very restore): a
        // data root seen before, or the default one.
        let data_root = match self.data_root.get() {
            Some(root) => root.clone(),
            None => PathBuf::from("/var/lib/docker"),
        };
        let id = id.to_string();
        tokio::task::spawn_blocking(move || {
            let log = criu_log::abandon_restore(&data_root, &id);
            // Its runc and CRIU are gone: containerd's copy of the checkpoint is litter.
            let store = data_root.join("containers").join(&id).join("checkpoints");
            for checkpoint in std::fs::read_dir(&store).into_iter().flatten().flatten() {
                containerd_copies::remove_copies_of(&checkpoint.path());
            }
            log
        })
        .await
        .ok()
        .flatten()
    }

    async fn log_lines(&self, id: &str) -> Result<Vec<String>, EngineError> {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: "all".into(),
            ..Default::default()
        };
        let mut text = String::new();
        let mut stream = self.docker.logs(id, Some(options));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(self.fail(format!("logs of '{id}'")))?;
            text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
        Ok(text.lines().map(str::to_string).collect())
    }

    async fn is_running(&self, id: &str) -> Result<bool, EngineError> {
        let inspect = self
            .docker
            .inspect_container(id, None)
            .await
            .map_err(self.fail(format!("inspect container '{id}'")))?;
        Ok(inspect.state.and_then(|s| s.running).unwrap_or(false))
    }

    async fn remove(&self, id: &str) -> Result<(), EngineError> {
        let options = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self.docker.remove_container(id, Some(options)).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(self.fail(format!("remove container '{id}'"))(e)),
        }
    }

    async fn list_labelled(
        &self,
        label: &str,
        value: Option<&str>,
    ) -> Result<Vec<LabelledContainer>, EngineError> {
        let filter = match value {
            Some(value) => format!("{label}={value}"),
            None => label.to_string(),
        };
        let options = ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([("label".to_string(), vec![filter])])),
            ..Default::default()
        };
        let containers = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(self.fail("list containers"))?;
        Ok(containers
            .into_iter()
            .map(|c| LabelledContainer {
                id: c.id.unwrap_or_default(),
                name: c
                    .names
                    .and_then(|n| n.first().map(|n| n.trim_start_matches('/').to_string()))
                    .unwrap_or_default(),
                running: c.state.map(|s| s.to_string() == "running").unwrap_or(false),
                label_value: c
                    .labels
                    .and_then(|mut labels| labels.remove(label))
                    .unwrap_or_default(),
            })
            .collect())
    }
}

mod classify;
mod handle;
mod place;
mod ready;

pub use handle::DockerEngine;
use handle::{Placement, STAGING_DIR};

#[cfg(test)]
#[path = "docker_tests.rs"]
mod tests;
