//! A Docker restore: the checkpoint placed into the clone's own store (Docker
//! refuses a custom checkpoint directory on start), by the harness here or
//! streamed over SSH into the engine's machine, then the clone started from
//! it while CRIU's restore log is watched.

use super::super::contract::{EngineError, Transferred};
use super::super::fsutil::copy_dir;
use super::super::options::CheckpointRoute;
use super::super::{containerd_copies, criu_log};
use super::handle::{DockerEngine, Placement};
use crate::ssh::Access;
use bollard::Docker;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The file that makes a restore's checkpoint tar unique (see below).
const RESTORE_MARKER: &str = "migbench-clone";

impl DockerEngine {
    /// Places the checkpoint into clone `id`'s own store and starts it from
    /// there; returns the upload when the checkpoint was streamed over SSH.
    pub(super) async fn start_from_checkpoint(
        &self,
        id: &str,
        checkpoint: &Path,
        placement: Placement,
    ) -> Result<Option<Transferred>, EngineError> {
        let name = checkpoint
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| EngineError::Operation {
                endpoint: self.endpoint.clone(),
                what: format!("restore container '{id}'"),
                detail: format!("'{}' names no checkpoint directory", checkpoint.display()),
            })?;
        let data_root = self.data_root().await?;
        let store = data_root.join("containers").join(id).join("checkpoints");
        // dockerd uploads the checkpoint to containerd's content store as a tar
        // and fails ("commit failed: content sha256:...: already exists") when
        // the very same tar is still there from the checkpoint itself, as it is
        // when a restore follows its checkpoint within moments (pipeline mode).
        // A file naming the clone makes this restore's tar its own; CRIU reads
        // only its image files.
        let (upload, images) = match &self.route {
            CheckpointRoute::Local => {
                let placed = self
                    .place_here(id, checkpoint, &store.join(&name), placement)
                    .await?;
                (None, placed)
            }
            CheckpointRoute::Ssh(access) => {
                let upload = self.send(access, id, checkpoint, &store, &name).await?;
                (Some(upload), checkpoint.to_path_buf())
            }
        };
        let watch = criu_log::RestoreLogWatch::start(data_root, id);
        let started = self
            .with_checkpoint_on_start(name)
            .start_container(id, None)
            .await
            .map_err(self.fail(format!("restore container '{id}'")));
        let restored = watch.finish(started).await;
        // The restore has returned: containerd's copy of this checkpoint is
        // litter (recognised by the images; found only on this machine).
        let _ =
            tokio::task::spawn_blocking(move || containerd_copies::remove_copies_of(&images)).await;
        restored.map(|()| upload)
    }

    /// Copies or moves the checkpoint to `destination` in the store and marks
    /// it for its clone; returns where it is.
    async fn place_here(
        &self,
        id: &str,
        checkpoint: &Path,
        destination: &Path,
        placement: Placement,
    ) -> Result<PathBuf, EngineError> {
        let store = destination.parent().unwrap_or(destination).to_path_buf();
        let source = checkpoint.to_path_buf();
        let target = destination.to_path_buf();
        let placed = tokio::task::spawn_blocking(move || {
            crate::work_cpu::counted(|| match placement {
                Placement::Copy => {
                    copy_dir(&source, &target)?;
                    crate::work_cpu::add_bytes(super::super::dir_bytes(&target).unwrap_or(0));
                    Ok(())
                }
                Placement::Move => {
                    let moved = std::fs::create_dir_all(&store)
                        .and_then(|()| std::fs::rename(&source, &target));
                    match moved {
                        // Another filesystem: a move is a copy there.
                        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                            copy_dir(&source, &target)?;
                            std::fs::remove_dir_all(&source).map_err(|e| EngineError::Io {
                                what: "cannot remove the moved checkpoint".into(),
                                path: source.clone(),
                                source: e,
                            })
                        }
                        other => other.map_err(|e| EngineError::Io {
                            what: "cannot move checkpoint into the clone's store".into(),
                            path: target.clone(),
                            source: e,
                        }),
                    }
                }
            })
        })
        .await;
        match placed {
            Ok(result) => result?,
            Err(join) => {
                return Err(EngineError::Operation {
                    endpoint: self.endpoint.clone(),
                    what: format!("place checkpoint for '{id}'"),
                    detail: join.to_string(),
                })
            }
        }
        let marker = destination.join(RESTORE_MARKER);
        std::fs::write(&marker, id).map_err(|e| EngineError::Io {
            what: "cannot mark the checkpoint for its clone".into(),
            path: marker,
            source: e,
        })?;
        Ok(destination.to_path_buf())
    }

    /// Streams the checkpoint, with its clone's mark, over SSH into `store`
    /// (`<data root>/containers/<id>/checkpoints` on the engine's machine).
    async fn send(
        &self,
        access: &Access,
        id: &str,
        checkpoint: &Path,
        store: &Path,
        name: &str,
    ) -> Result<Transferred, EngineError> {
        let started = Instant::now();
        let marker = vec![(RESTORE_MARKER.to_string(), id.as_bytes().to_vec())];
        let bytes = crate::ssh::upload_dir(access, checkpoint, name, marker, store)
            .await
            .map_err(|e| EngineError::Transfer {
                endpoint: self.endpoint.clone(),
                what: format!("stream the checkpoint of '{id}' over SSH"),
                detail: e.to_string(),
            })?;
        // Ended when the remote tar has taken it all (its exit): nothing is in flight.
        Ok(Transferred {
            bytes,
            started,
            ended: Instant::now(),
        })
    }

    /// A handle whose start request asks the daemon to restore `checkpoint`.
    fn with_checkpoint_on_start(&self, checkpoint: String) -> Docker {
        self.docker
            .clone()
            .with_request_modifier(move |mut request| {
                if request.uri().path().ends_with("/start") {
                    let mut parts = request.uri().clone().into_parts();
                    let path = request.uri().path().to_string();
                    let query = format!("{path}?checkpoint={checkpoint}");
                    if let Ok(path_and_query) = query.parse() {
                        parts.path_and_query = Some(path_and_query);
                        if let Ok(uri) = http::Uri::from_parts(parts) {
                            *request.uri_mut() = uri;
                        }
                    }
                }
                request
            })
    }
}
