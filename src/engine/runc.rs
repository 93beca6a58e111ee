//! [`Engine`] for runc driven directly, with no daemon: the floor every
//! engine stands on (Docker and Podman both end in runc + CRIU here).
//!
//! Containers run from OCI bundles made from the workload image's unpacked
//! root filesystem; their output is a pipe drained into the bundle
//! (`output.rs`). A checkpoint is `runc checkpoint --image-path` into the
//! harness's checkpoint directory, a restore `runc restore -d` from wherever
//! the checkpoint is on this machine, so CRIU's own `stats-dump` and
//! `stats-restore` are at hand. Everything the engine owns lives under one
//! data directory (`layout.rs`), named by the endpoint `runc:///DIR`; an
//! emulated host gives it its data root and its cgroup.

mod bundle;
mod command;
mod layout;
mod lazy_pages;
mod output;
mod post_copy_probe;
mod rootfs_store;
mod runc_engine;
mod runc_ready;

use super::capabilities::{Capabilities, Intake, Strategy};
use super::contract::{
    prepared_or_created, Checkpointed, ContainerSpec, Engine, EngineError, EngineInfo,
    LabelledContainer, Restored,
};
use super::criu_stats::CriuStats;
use super::kind::EngineKind;
use super::options::CheckpointRoute;
use super::readiness::{Check, Role};
use super::{criu_log, fsutil, procs};
use async_trait::async_trait;
use command::Runc;
use lazy_pages::LazyPages;
pub use post_copy_probe::probe as post_copy_probe;
use runc_engine::ms_since;
pub use runc_engine::RuncEngine;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

#[async_trait]
impl Engine for RuncEngine {
    fn endpoint(&self) -> &str {
        &self.runc.endpoint
    }

    fn kind(&self) -> EngineKind {
        EngineKind::Runc
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            intake: match self.route {
                // The restore reads an image directory on this machine.
                CheckpointRoute::Local => Intake::Staged,
                CheckpointRoute::Ssh(_) => Intake::InRestore,
            },
            strategies: &[Strategy::StopAndCopy, Strategy::Lazy],
        }
    }

    async fn info(&self) -> Result<EngineInfo, EngineError> {
        let version = self.runc.check(&["--version"], "tell its version").await?;
        let version = String::from_utf8_lossy(&version);
        let list = self.runc.check(&["list", "-q"], "list containers").await?;
        Ok(runc_ready::info(
            &self.runc.endpoint,
            &version,
            self.data_dir(),
            String::from_utf8_lossy(&list).lines().count() as u64,
        ))
    }

    async fn readiness(&self, _role: Role) -> Vec<Check> {
        runc_ready::checks(self).await
    }

    async fn clean_leftovers(&self, is_live: for<'a> fn(&'a str) -> bool) -> Vec<String> {
        runc_ready::clean_leftovers(self, &self.layout.staging(), is_live).await
    }

    async fn has_image(&self, tag: &str) -> Result<bool, EngineError> {
        Ok(rootfs_store::has(&self.layout, tag))
    }

    async fn import_rootfs(&self, rootfs_tar: Vec<u8>, tag: &str) -> Result<(), EngineError> {
        rootfs_store::unpack(&self.layout, &rootfs_tar, tag)
    }

    async fn save_image(&self, tag: &str) -> Result<Vec<u8>, EngineError> {
        rootfs_store::pack(&self.layout, tag)
    }

    async fn load_image(&self, image_tar: Vec<u8>) -> Result<(), EngineError> {
        rootfs_store::unpack_packed(&self.layout, &image_tar, &self.runc)
    }

    async fn create(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        if self.layout.bundle(&spec.name).exists() {
            return Err(self.runc.failed(
                &format!("create container '{}'", spec.name),
                "a container of that name exists",
            ));
        }
        self.write_bundle(spec).await?;
        Ok(spec.name.clone())
    }

    async fn start(&self, id: &str) -> Result<(), EngineError> {
        let bundle = self.layout.bundle(id);
        let mut run = self.runc.command(&["run", "-d", "--bundle"]);
        run.arg(&bundle).arg(id);
        let what = format!("start container '{id}'");
        output::run_piped(&self.runc, run, &self.layout.output(id), &what).await
    }

    async fn checkpoint(
        &self,
        id: &str,
        dir: &Path,
        name: &str,
    ) -> Result<Checkpointed, EngineError> {
        let what = format!("checkpoint container '{id}'");
        let image = dir.join(name);
        std::fs::create_dir_all(&image).map_err(Runc::io("cannot create checkpoint", &image))?;
        let path = image.to_string_lossy().to_string();
        let started = Instant::now();
        let args = [
            "checkpoint",
            "--image-path",
            &path,
            "--work-path",
            &path,
            id,
        ];
        let ran = self.runc.run(&args, &what).await?;
        if !ran.ok {
            let error = self.runc.failed(&what, ran.stderr);
            return Err(criu_log::with_log_file(error, image.join("dump.log")).await);
        }
        let stats = CriuStats {
            runtime_ms: ms_since(started),
            ..Self::stats(&[&image], "stats-dump")
        };
        Ok(Checkpointed {
            bytes: fsutil::dir_bytes(&image)?,
            path: image,
            stats,
        })
    }

    async fn staging_dir(&self, run_id: &str) -> Result<PathBuf, EngineError> {
        let dir = self.layout.staging().join(run_id);
        std::fs::create_dir_all(&dir).map_err(Runc::io("cannot create staging directory", &dir))?;
        Ok(dir)
    }

    async fn prepare_clone(&self, spec: &ContainerSpec) -> Result<Option<String>, EngineError> {
        // The bundle is written now; the restore only runs runc.
        self.create(spec).await.map(Some)
    }

    async fn restore(
        &self,
        spec: &ContainerSpec,
        checkpoint: &Path,
        created: &OnceLock<String>,
    ) -> Result<Restored, EngineError> {
        let id = prepared_or_created(self, spec, created).await?;
        let what = format!("restore container '{id}'");
        let work = self.layout.restore_work(&id);
        std::fs::create_dir_all(&work).map_err(Runc::io("cannot create restore work", &work))?;
        let (checkpoint, transfer) = match &self.route {
            CheckpointRoute::Local => (checkpoint.to_path_buf(), None),
            CheckpointRoute::Ssh(access) => {
                let (image, transferred) = self.receive(access, &id, checkpoint).await?;
                (image, Some(transferred))
            }
        };
        let checkpoint = checkpoint.as_path();
        let lazy = match self.strategy {
            Strategy::Lazy => Some(LazyPages::start(&self.runc, checkpoint, &work).await?),
            _ => None,
        };
        let mut restore = self.runc.command(&["restore", "-d"]);
        if lazy.is_some() {
            restore.arg("--lazy-pages");
        }
        restore
            .arg("--image-path")
            .arg(checkpoint)
            .arg("--work-path")
            .arg(&work)
            .arg("--bundle")
            .arg(self.layout.bundle(&id))
            .arg(&id);
        let started = Instant::now();
        let ran = output::run_piped(&self.runc, restore, &self.layout.output(&id), &what).await;
        if let Err(error) = ran {
            return Err(criu_log::with_log_file(error, work.join("restore.log")).await);
        }
        let mut stats = CriuStats {
            runtime_ms: ms_since(started),
            ..Self::stats(&[&work, checkpoint], "stats-restore")
        };
        if let Some(lazy) = lazy {
            // The restore is done when the last page is in, not when the
            // process runs: the time between is the degraded period.
            stats.lazy_last_page_ms = Some(lazy.finish(&self.runc, started).await?);
            // CRIU restores few pages eagerly (stats-restore counts them);
            // the daemon served the rest of what the dump wrote.
            let dumped = Self::stats(&[checkpoint], "stats-dump").pages_written;
            stats.lazy_pages = dumped.map(|d| d.saturating_sub(stats.pages_restored.unwrap_or(0)));
        }
        Ok(Restored {
            id,
            stats,
            transfer,
        })
    }

    async fn abandon_restore(&self, id: &str) -> Option<String> {
        // Only the restore this engine started for `id`: runc with this
        // engine's state directory, restoring exactly that container.
        let state = self.layout.state().to_string_lossy().to_string();
        procs::kill_tree(|args| {
            args.first().is_some_and(|a| a.ends_with("runc"))
                && args.iter().any(|a| a == &state)
                && args.iter().any(|a| a == "restore")
                && args.last().is_some_and(|a| a == id)
        });
        let log = self.layout.restore_work(id).join("restore.log");
        std::fs::read_to_string(log).ok()
    }

    async fn log_lines(&self, id: &str) -> Result<Vec<String>, EngineError> {
        let path = self.layout.output(id);
        let text =
            std::fs::read_to_string(&path).map_err(Runc::io("cannot read the output of", &path))?;
        Ok(text.lines().map(str::to_string).collect())
    }

    async fn is_running(&self, id: &str) -> Result<bool, EngineError> {
        Ok(self.status(id).await.as_deref() == Some("running"))
    }

    async fn remove(&self, id: &str) -> Result<(), EngineError> {
        let what = format!("remove container '{id}'");
        let ran = self.runc.run(&["delete", "-f", id], &what).await?;
        if !ran.ok && !ran.stderr.contains("does not exist") {
            return Err(self.runc.failed(&what, ran.stderr));
        }
        let bundle = self.layout.bundle(id);
        match std::fs::remove_dir_all(&bundle) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Runc::io("cannot remove bundle", &bundle)(e))
            }
            _ => Ok(()),
        }
    }

    async fn list_labelled(
        &self,
        label: &str,
        value: Option<&str>,
    ) -> Result<Vec<LabelledContainer>, EngineError> {
        let listed = self
            .runc
            .check(&["list", "-f", "json"], "list containers")
            .await?;
        let running: Vec<String> =
            serde_json::from_slice::<Option<Vec<serde_json::Value>>>(&listed)
                .map_err(|e| self.runc.failed("list containers", e.to_string()))?
                .unwrap_or_default()
                .iter()
                .filter(|c| c["status"] == "running")
                .filter_map(|c| Some(c["id"].as_str()?.to_string()))
                .collect();
        let mut found = Vec::new();
        let dir = self.layout.containers();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let id = entry.file_name().to_string_lossy().to_string();
            let Some(annotations) = bundle::annotations(&self.layout, &id) else {
                continue;
            };
            let Some(label_value) = annotations.get(label) else {
                continue;
            };
            if value.is_some_and(|v| v != label_value) {
                continue;
            }
            found.push(LabelledContainer {
                running: running.contains(&id),
                name: id.clone(),
                id,
                label_value: label_value.clone(),
            });
        }
        Ok(found)
    }
}
