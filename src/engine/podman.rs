//! [`Engine`] for Podman through the libpod REST API (`podman system service`).
//!
//! Podman treats checkpoint/restore as a feature: a checkpoint is exported as
//! one archive (streamed to the harness's checkpoint directory), and a restore
//! imports such an archive, sent as the request body, creating the clone
//! itself. So a checkpoint reaches a remote engine through its API alone.
//! With `printStats` the archive keeps CRIU's `stats-dump` and the restore
//! answers with CRIU's restore statistics. Specifics (verified on Podman 4.3):
//! every container gets explicit rlimits no higher than this machine's hard
//! limits (Podman's defaults are refused here), and an engine whose containers
//! belong to a budget (an emulated host) rewrites the archive's cgroup parent
//! on import, since libpod would otherwise restore the clone into the source's.

mod archive;
mod http;
mod metered_upload;
mod raw_http;
mod restore;
mod wire;

use super::capabilities::{Capabilities, Intake, Strategy};
use super::contract::{
    Checkpointed, ContainerSpec, Engine, EngineError, EngineInfo, LabelledContainer, Restored,
};
use super::criu_log;
use super::endpoint::EngineEndpoint;
use super::kind::EngineKind;
use super::readiness::{Check, Role};
use async_trait::async_trait;
use http::{encode, Body, Call, Client};
use hyper::{Method, StatusCode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// A Podman service reached at one endpoint.
pub struct PodmanEngine {
    client: Client,
    /// The cgroup every container of this engine belongs under (an emulated
    /// host's budget); `None`: the service's default.
    cgroup_parent: Option<String>,
    graph_root: tokio::sync::OnceCell<PathBuf>,
    /// Lines each restored clone's log holds from its original (they travel
    /// in the archive); its own output follows them.
    inherited_lines: std::sync::Mutex<HashMap<String, usize>>,
    /// An upload that moves no byte for this long fails (`transfer.stall_s`).
    upload_stall: Option<Duration>,
}

impl PodmanEngine {
    /// Connects (lazily: nothing is sent until the first call); the client
    /// waits `api_timeout` for any one answer.
    pub fn connect(
        reached: &EngineEndpoint,
        api_timeout: Duration,
    ) -> Result<PodmanEngine, EngineError> {
        Ok(PodmanEngine {
            client: Client::new(reached, api_timeout)?,
            cgroup_parent: None,
            graph_root: tokio::sync::OnceCell::new(),
            inherited_lines: std::sync::Mutex::new(HashMap::new()),
            upload_stall: None,
        })
    }

    /// Fails a checkpoint upload that moves no byte for `limit`.
    pub fn with_upload_stall(mut self, limit: Option<Duration>) -> PodmanEngine {
        self.upload_stall = limit;
        self
    }

    /// Puts every container this engine creates or restores under `cgroup`.
    pub fn with_cgroup_parent(mut self, cgroup: Option<String>) -> PodmanEngine {
        self.cgroup_parent = cgroup;
        self
    }

    fn call(method: Method, path: String, what: &str) -> Call<'_> {
        Call { method, path, what }
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        call: Call<'_>,
        body: Body,
    ) -> Result<T, EngineError> {
        let what = call.what.to_string();
        let (_, bytes) = self.client.send(call, body, &[]).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            self.client
                .operation(&what, format!("unexpected answer: {e}"))
        })
    }

    /// The service's storage root, where CRIU's logs of a container live.
    async fn graph_root(&self) -> Option<&PathBuf> {
        self.graph_root
            .get_or_try_init(|| async { Ok::<_, EngineError>(self.info().await?.data_root) })
            .await
            .ok()
    }

    /// CRIU's log of container `id`'s failed operation (`dump.log`,
    /// `restore.log`), attached to `error` when this machine can read it.
    async fn with_criu_log(&self, error: EngineError, id: &str, log: &str) -> EngineError {
        match self.graph_root().await {
            Some(root) => {
                let path = root
                    .join("overlay-containers")
                    .join(id)
                    .join("userdata")
                    .join(log);
                criu_log::with_log_file(error, path).await
            }
            None => error,
        }
    }

    /// The id of container `name`, when it exists.
    async fn id_of(&self, name: &str) -> Option<String> {
        let what = format!("inspect container '{name}'");
        let call = Self::call(
            Method::GET,
            format!("/containers/{}/json", encode(name)),
            &what,
        );
        self.json::<wire::Inspect>(call, Body::Empty)
            .await
            .ok()
            .map(|i| i.id)
    }
}

#[async_trait]
impl Engine for PodmanEngine {
    fn endpoint(&self) -> &str {
        self.client.endpoint()
    }

    fn kind(&self) -> EngineKind {
        EngineKind::Podman
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            // The archive travels as the import request's body.
            intake: Intake::InRestore,
            // libpod has no lazy pages.
            strategies: &[Strategy::StopAndCopy],
        }
    }

    async fn info(&self) -> Result<EngineInfo, EngineError> {
        let call = Self::call(Method::GET, "/info".into(), "info");
        let info: wire::Info = self.json(call, Body::Empty).await?;
        Ok(info.into_engine_info(self.client.endpoint()))
    }

    async fn readiness(&self, _role: Role) -> Vec<Check> {
        let call = Self::call(Method::GET, "/info".into(), "info");
        let info = self.json::<wire::Info>(call, Body::Empty).await;
        let fix_service =
            "start it: `podman system service --time=0 unix:///run/podman/podman.sock` \
                           (scripts/provision.sh does)";
        let mut checks = vec![Check::required(
            "podman service",
            info.is_ok(),
            match &info {
                Ok(i) => format!("Podman {} at {}", i.version.version, self.endpoint()),
                Err(e) => e.to_string(),
            },
            fix_service,
        )];
        if let Ok(info) = info {
            let runtime = &info.host.oci_runtime.name;
            checks.push(Check::required(
                "podman runtime",
                runtime == "runc",
                format!("{runtime} ({})", info.host.oci_runtime.path),
                "Debian's crun is built without CRIU: set runtime = \"runc\" under [engine] in \
                 /etc/containers/containers.conf (scripts/provision.sh does) and restart the service",
            ));
        }
        checks
    }

    async fn clean_leftovers(&self, _is_live: for<'a> fn(&'a str) -> bool) -> Vec<String> {
        // Archives live in the harness's checkpoint directory; the service keeps nothing else.
        Vec::new()
    }

    async fn has_image(&self, tag: &str) -> Result<bool, EngineError> {
        let what = format!("look up image '{tag}'");
        let call = Self::call(
            Method::GET,
            format!("/images/{}/exists", encode(tag)),
            &what,
        );
        let (status, _) = self
            .client
            .send(call, Body::Empty, &[StatusCode::NOT_FOUND])
            .await?;
        Ok(status != StatusCode::NOT_FOUND)
    }

    async fn import_rootfs(&self, rootfs_tar: Vec<u8>, tag: &str) -> Result<(), EngineError> {
        let what = format!("import image '{tag}'");
        let path = format!("/images/import?reference={}", encode(tag));
        let call = Self::call(Method::POST, path, &what);
        self.client.send(call, Body::Tar(rootfs_tar), &[]).await?;
        Ok(())
    }

    async fn save_image(&self, tag: &str) -> Result<Vec<u8>, EngineError> {
        let what = format!("save image '{tag}'");
        let path = format!("/images/{}/get?format=docker-archive", encode(tag));
        let call = Self::call(Method::GET, path, &what);
        let (_, bytes) = self.client.send(call, Body::Empty, &[]).await?;
        Ok(bytes.to_vec())
    }

    async fn load_image(&self, image_tar: Vec<u8>) -> Result<(), EngineError> {
        let call = Self::call(Method::POST, "/images/load".into(), "load image");
        self.client.send(call, Body::Tar(image_tar), &[]).await?;
        Ok(())
    }

    async fn create(&self, spec: &ContainerSpec) -> Result<String, EngineError> {
        let what = format!("create container '{}'", spec.name);
        let body = wire::create_body(spec, self.cgroup_parent.as_deref());
        let call = Self::call(Method::POST, "/containers/create".into(), &what);
        let created: wire::Created = self.json(call, Body::Json(body)).await?;
        Ok(created.id)
    }

    async fn start(&self, id: &str) -> Result<(), EngineError> {
        let what = format!("start container '{id}'");
        let call = Self::call(Method::POST, format!("/containers/{id}/start"), &what);
        self.client
            .send(call, Body::Empty, &[StatusCode::NOT_MODIFIED])
            .await?;
        Ok(())
    }

    async fn checkpoint(
        &self,
        id: &str,
        dir: &Path,
        name: &str,
    ) -> Result<Checkpointed, EngineError> {
        let what = format!("checkpoint container '{id}'");
        let archive = dir.join(format!("{name}.tar"));
        let path = format!("/containers/{id}/checkpoint?export=true&printStats=true");
        let call = Self::call(Method::POST, path, &what);
        let bytes = match self.client.download(call, &archive).await {
            Ok(bytes) => bytes,
            Err(e) => return Err(self.with_criu_log(e, id, "dump.log").await),
        };
        let stats = archive::dump_stats(archive.clone()).await;
        Ok(Checkpointed {
            path: archive,
            bytes,
            stats,
        })
    }

    async fn restore(
        &self,
        spec: &ContainerSpec,
        checkpoint: &Path,
        created: &OnceLock<String>,
    ) -> Result<Restored, EngineError> {
        let what = format!(
            "restore container '{}' from '{}'",
            spec.name,
            checkpoint.display()
        );
        let path = format!(
            "/containers/import/restore?import=true&printStats=true&name={}",
            encode(&spec.name)
        );
        // libpod names the clone's id only in its answer: until then the
        // clone is known by its name, which every endpoint also takes.
        let _ = created.set(spec.name.clone());
        let inherited = archive::logged_lines(checkpoint.to_path_buf()).await;
        let body =
            archive::import_body(checkpoint.to_path_buf(), self.cgroup_parent.clone()).await?;
        let call = Self::call(Method::POST, path, &what);
        // The archive crosses to the engine as this request's body: its
        // upload is measured from inside the request (see `metered_upload`).
        let meter = std::sync::Arc::new(metered_upload::UploadMeter::default());
        let stall = meter.stalled(self.upload_stall);
        let answer = tokio::select! {
            answer = self.client.upload(call, body, meter.clone()) => answer,
            // Dropping the request closes the connection: libpod drops the partial body.
            why = stall => Err(EngineError::Transfer {
                endpoint: self.client.endpoint().to_string(),
                what: format!("upload the checkpoint of '{}'", spec.name),
                detail: why,
            }),
        };
        let restored = self.restored(spec, answer).await.map(|restored| Restored {
            transfer: meter.measured(),
            ..restored
        });
        self.inherits(restored, inherited)
    }

    async fn abandon_restore(&self, id: &str) -> Option<String> {
        // Known by its name until libpod answered: its id, if libpod still answers.
        let looked_up = tokio::time::timeout(Duration::from_secs(5), self.id_of(id)).await;
        let id = looked_up.ok().flatten().unwrap_or_else(|| id.to_string());
        let id = id.as_str();
        let log = self.graph_root().await.map(|root| {
            root.join("overlay-containers")
                .join(id)
                .join("userdata/restore.log")
        });
        let id = id.to_string();
        tokio::task::spawn_blocking(move || {
            let log = log.and_then(|path| std::fs::read_to_string(path).ok());
            super::procs::kill_tree(|args| {
                args.first().is_some_and(|arg0| arg0.ends_with("runc"))
                    && args.iter().any(|a| a == "restore")
                    && args.iter().any(|a| a.contains(&id))
            });
            log
        })
        .await
        .ok()
        .flatten()
    }

    async fn log_lines(&self, id: &str) -> Result<Vec<String>, EngineError> {
        let what = format!("logs of '{id}'");
        let path = format!("/containers/{id}/logs?stdout=true&stderr=true");
        let call = Self::call(Method::GET, path, &what);
        let (_, bytes) = self.client.send(call, Body::Empty, &[]).await?;
        let inherited = self
            .inherited_lines
            .lock()
            .ok()
            .and_then(|lines| lines.get(id).copied())
            .unwrap_or(0);
        // A clone's own output only: its original's lines come first.
        Ok(wire::demultiplex(&bytes)
            .lines()
            .skip(inherited)
            .map(str::to_string)
            .collect())
    }

    async fn is_running(&self, id: &str) -> Result<bool, EngineError> {
        let what = format!("inspect container '{id}'");
        let call = Self::call(Method::GET, format!("/containers/{id}/json"), &what);
        let inspect: wire::Inspect = self.json(call, Body::Empty).await?;
        Ok(inspect.state.running)
    }

    async fn remove(&self, id: &str) -> Result<(), EngineError> {
        let what = format!("remove container '{id}'");
        // timeout=0: killed at once; the workload ignores SIGTERM (it is pid 1
        // without a handler), so a forced remove would wait 10 s for nothing.
        let path = format!("/containers/{id}?force=true&v=true&timeout=0");
        let call = Self::call(Method::DELETE, path, &what);
        self.client
            .send(call, Body::Empty, &[StatusCode::NOT_FOUND])
            .await?;
        Ok(())
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
        let filters = serde_json::json!({ "label": [filter] }).to_string();
        let path = format!("/containers/json?all=true&filters={}", encode(&filters));
        let call = Self::call(Method::GET, path, "list containers");
        let listed: Vec<wire::Listed> = self.json(call, Body::Empty).await?;
        Ok(listed.into_iter().map(|c| c.into_labelled(label)).collect())
    }
}

#[cfg(test)]
#[path = "podman_tests.rs"]
mod tests;
