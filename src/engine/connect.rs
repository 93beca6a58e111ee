//! The one place that turns a kind and an endpoint into an
//! [`Engine`]: where the engine listens (`unix://`, `tcp://`, Docker's
//! `https://`, or `ssh://[user@]host[:port]/path/to/engine.sock`, forwarded to
//! a private local socket through an SSH tunnel the engine's client holds),
//! with the options it is told ([`ConnectOptions`]). Everything else holds an
//! `Arc<dyn Engine>`.

use super::contract::{Engine, EngineError};
use super::docker::DockerEngine;
use super::endpoint::EngineEndpoint;
use super::kind::EngineKind;
use super::options::{CheckpointRoute, ConnectOptions};
use super::podman::PodmanEngine;
use super::runc::RuncEngine;
use crate::ssh::{Access, SshEndpoint, Tunnel};
use std::sync::Arc;
use std::time::Duration;

/// Opens the engine of `kind` at `endpoint`. An `ssh://` endpoint gets its
/// tunnel first (it answers before this returns; it closes with the last
/// handle of the engine); other endpoints connect lazily. The client waits
/// `api_timeout` for any one answer.
pub async fn open(
    kind: EngineKind,
    endpoint: &str,
    api_timeout: Duration,
    options: &ConnectOptions,
) -> Result<Arc<dyn Engine>, EngineError> {
    let failed = |what: &str, detail: String| EngineError::Operation {
        endpoint: endpoint.to_string(),
        what: what.to_string(),
        detail,
    };
    let parsed = SshEndpoint::parse(endpoint).map_err(|e| failed("read the endpoint", e))?;
    if parsed.is_some() && kind == EngineKind::Runc {
        return Err(failed(
            "reach it over SSH",
            "a remote runc engine (runc driven over SSH on the far machine) is not supported \
             yet: run the target as an emulated host (emulate = {...}) or use Docker or Podman"
                .into(),
        ));
    }
    let Some(ssh_endpoint) = parsed else {
        return build(kind, EngineEndpoint::direct(endpoint), api_timeout, options);
    };
    let access = options
        .ssh
        .clone()
        .unwrap_or_else(|| Access::new(ssh_endpoint.destination.clone()));
    let tunnel = Tunnel::open(&access, &ssh_endpoint.socket)
        .await
        .map_err(|e| failed("reach it over SSH", e.to_string()))?;
    let reached = EngineEndpoint::tunnelled(endpoint, tunnel);
    build(kind, reached, api_timeout, options)
}

/// Connects to the engine of `kind` at `endpoint` (lazily: nothing is sent
/// until the first call); `ssh://` endpoints need [`open`]. The client waits
/// `api_timeout` for any one answer: a hung request is then
/// [`EngineError::Timeout`].
pub fn connect(
    kind: EngineKind,
    endpoint: &str,
    api_timeout: Duration,
) -> Result<Arc<dyn Engine>, EngineError> {
    build(
        kind,
        EngineEndpoint::direct(endpoint),
        api_timeout,
        &ConnectOptions::default(),
    )
}

/// The engine at `endpoint`, its client dialling what the endpoint says.
fn build(
    kind: EngineKind,
    endpoint: EngineEndpoint,
    api_timeout: Duration,
    options: &ConnectOptions,
) -> Result<Arc<dyn Engine>, EngineError> {
    if endpoint.dial.starts_with("ssh://") {
        return Err(EngineError::Operation {
            endpoint: endpoint.name,
            what: "connect".into(),
            detail: "an ssh:// endpoint needs its tunnel first (engine::open)".into(),
        });
    }
    Ok(match kind {
        EngineKind::Docker => Arc::new(
            DockerEngine::connect(endpoint)?
                .with_api_timeout(api_timeout)
                .with_route(options.route.clone()),
        ),
        EngineKind::Podman => {
            if let (CheckpointRoute::Ssh(_), Some(refusal)) =
                (&options.route, kind.ssh_transfer_refusal())
            {
                return Err(EngineError::Operation {
                    endpoint: endpoint.name,
                    what: "take checkpoints over SSH".into(),
                    detail: refusal.into(),
                });
            }
            Arc::new(
                PodmanEngine::connect(&endpoint, api_timeout)?
                    .with_cgroup_parent(options.cgroup.clone())
                    .with_upload_stall(options.upload_stall),
            )
        }
        EngineKind::Runc => Arc::new(
            RuncEngine::connect(&endpoint.name)?
                .with_cgroup_parent(options.cgroup.clone())
                .with_strategy(options.strategy)
                .with_route(options.route.clone()),
        ),
    })
}
