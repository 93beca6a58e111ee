//! Reaching a Docker engine: unix socket, plain TCP, or TLS the docker CLI's
//! way, with a client timeout a run sets from its operation timeout.

use super::super::{CheckpointRoute, EngineError};
use super::DockerEngine;
use bollard::Docker;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How long the client waits for any one API response unless told otherwise
/// ([`DockerEngine::with_api_timeout`]: a run sets it from `timeout_s`).
const DEFAULT_API_TIMEOUT: Duration = Duration::from_secs(120);

impl DockerEngine {
    /// Connects (lazily: nothing is sent until the first call).
    /// The client's timeout is [`DEFAULT_API_TIMEOUT`] until set with [`Self::with_api_timeout`].
    pub fn connect(endpoint: &str) -> Result<DockerEngine, EngineError> {
        let api_timeout_s = DEFAULT_API_TIMEOUT.as_secs();
        let unreachable = |e: bollard::errors::Error| EngineError::Unreachable {
            endpoint: endpoint.to_string(),
            detail: e.to_string(),
        };
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
            endpoint: endpoint.to_string(),
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
