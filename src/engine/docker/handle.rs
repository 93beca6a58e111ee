//! The handle on one Docker engine and how it is reached: unix socket, plain
//! TCP, or TLS the docker CLI's way (through an SSH tunnel the handle holds
//! for an `ssh://` endpoint), with a client timeout a run sets from its
//! operation timeout; and where on the engine's machine its checkpoints wait.

use super::super::contract::{Engine, EngineError};
use super::super::endpoint::EngineEndpoint;
use super::super::options::CheckpointRoute;
use super::classify::classify;
use bollard::Docker;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Where, under the data root, transferred checkpoints wait for their restore
/// (next to the clones' stores, so that placing one is a rename).
pub(super) const STAGING_DIR: &str = "migbench-incoming";

/// How a restore gets the checkpoint into the clone's own checkpoint store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Placement {
    /// Copy the files (the source stays, e.g. a shared directory).
    Copy,
    /// Rename the directory (it was already transferred next to the store).
    Move,
}

/// A Docker engine reached at one endpoint.
pub struct DockerEngine {
    /// The endpoint it is called by (see [`EngineEndpoint::name`]).
    pub(super) endpoint: String,
    reached: EngineEndpoint,
    pub(super) docker: Docker,
    pub(super) data_root: OnceCell<PathBuf>,
    /// How restores get their checkpoints into the clones' stores.
    pub(super) route: CheckpointRoute,
}

impl DockerEngine {
    /// Maps a bollard error by what happened (see [`classify`]).
    pub(super) fn fail(
        &self,
        what: impl Into<String>,
    ) -> impl Fn(bollard::errors::Error) -> EngineError + '_ {
        let what = what.into();
        move |e| match classify(&self.endpoint, &what, self.docker.timeout(), e) {
            EngineError::Unreachable { endpoint, detail } => EngineError::Unreachable {
                endpoint,
                detail: self.reached.unreachable_detail(&detail),
            },
            EngineError::Operation {
                endpoint,
                what,
                detail,
            } => EngineError::Operation {
                endpoint,
                what,
                detail: self.reached.renamed(&detail),
            },
            other => other,
        }
    }

    pub(super) async fn data_root(&self) -> Result<&PathBuf, EngineError> {
        self.data_root
            .get_or_try_init(|| async { Ok(self.info().await?.data_root) })
            .await
    }
}

/// How long the client waits for any one API response unless told otherwise
/// ([`DockerEngine::with_api_timeout`]: a run sets it from `timeout_s`).
const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(120);

impl DockerEngine {
    /// Connects (lazily: nothing is sent until the first call).
    /// The client's timeout is [`DEFAULT_API_TIMEOUT`] until set with [`Self::with_api_timeout`].
    pub fn connect(reached: EngineEndpoint) -> Result<DockerEngine, EngineError> {
        let api_timeout_s = DEFAULT_API_TIMEOUT.as_secs();
        let unreachable = |e: bollard::errors::Error| EngineError::Unreachable {
            endpoint: reached.name.clone(),
            detail: reached.unreachable_detail(&e.to_string()),
        };
        let endpoint = reached.dial.as_str();
        let docker = if endpoint.starts_with("unix://") {
            Docker::connect_with_unix(endpoint, api_timeout_s, bollard::API_DEFAULT_VERSION)
        } else if endpoint.starts_with("https://") {
            // TLS the docker CLI's way: key.pem, cert.pem and ca.pem in DOCKER_CERT_PATH.
            let certs = std::env::var_os("DOCKER_CERT_PATH")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".docker")
                });
            Docker::connect_with_ssl(
                endpoint,
                &certs.join("key.pem"),
                &certs.join("cert.pem"),
                &certs.join("ca.pem"),
                api_timeout_s,
                bollard::API_DEFAULT_VERSION,
            )
        } else {
            let address = endpoint.replacen("tcp://", "http://", 1);
            Docker::connect_with_http(&address, api_timeout_s, bollard::API_DEFAULT_VERSION)
        }
        .map_err(unreachable)?;
        Ok(DockerEngine {
            endpoint: reached.name.clone(),
            reached,
            docker,
            data_root: OnceCell::new(),
            route: CheckpointRoute::Local,
        })
    }

    /// Sets how long the client waits for one API response. A run sets it a
    /// little above its operation timeout, so that its own timeout fires first
    /// and a hung operation is always a `timeout` with its clean-up.
    pub fn with_api_timeout(mut self, timeout: Duration) -> DockerEngine {
        self.docker = self.docker.with_timeout(timeout);
        self
    }

    /// Sets how restores get their checkpoints into the clones' stores.
    pub fn with_route(mut self, route: CheckpointRoute) -> DockerEngine {
        self.route = route;
        self
    }
}
