//! How the harness reaches an engine, chosen once when it connects: where
//! the engine listens (`unix://`, `tcp://`, Docker's `https://`, or
//! `ssh://[user@]host[:port]/path/to/engine.sock`, forwarded to a private
//! local socket through an SSH tunnel), the budget its containers belong to,
//! and how checkpoints reach its store.

use super::docker::DockerEngine;
use super::kind::EngineKind;
use super::podman::PodmanEngine;
use super::tunnelled::Tunnelled;
use super::{Engine, EngineError};
use crate::ssh::{Access, SshEndpoint, Tunnel};
use std::sync::Arc;
use std::time::Duration;

/// How a restore on an engine gets its checkpoint into the engine's store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CheckpointRoute {
    /// From files this machine can read: the engine reads them itself, or
    /// the harness places them where the engine looks.
    #[default]
    Local,
    /// Streamed over SSH straight into the store on the engine's machine,
    /// as the first step of each restore (`transfer.mode = "ssh"`).
    Ssh(Access),
}

/// Everything about reaching one engine besides its kind and endpoint.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    /// The cgroup every container of the engine belongs under (an emulated
    /// host's budget): a Docker host's daemon puts them there itself, a
    /// Podman service is told so with every create and restore.
    pub cgroup: Option<String>,
    /// For an `ssh://` endpoint: how to reach its machine; `None`: the
    /// user's way (ssh config, agent, known hosts).
    pub ssh: Option<Access>,
    pub route: CheckpointRoute,
}

/// Opens the engine of `kind` at `endpoint`. An `ssh://` endpoint gets its
/// tunnel first (it answers before this returns; it closes with the last
/// handle of the engine); other endpoints connect lazily. The client waits
/// `api_timeout` for any one answer.
pub async fn open(
    kind: EngineKind,
    endpoint: &str,
    api_timeout: Duration,
    reach: &Reach,
) -> Result<Arc<dyn Engine>, EngineError> {
    let failed = |what: &str, detail: String| EngineError::Operation {
        endpoint: endpoint.to_string(),
        what: what.to_string(),
        detail,
    };
    let parsed = SshEndpoint::parse(endpoint).map_err(|e| failed("read the endpoint", e))?;
    let Some(ssh_endpoint) = parsed else {
        return build(kind, endpoint, api_timeout, reach);
    };
    let access = reach
        .ssh
        .clone()
        .unwrap_or_else(|| Access::new(ssh_endpoint.destination.clone()));
    let tunnel = Tunnel::open(&access, &ssh_endpoint.socket)
        .await
        .map_err(|e| failed("reach it over SSH", e.to_string()))?;
    let inner = build(kind, &tunnel.local_endpoint(), api_timeout, reach)?;
    Ok(Arc::new(Tunnelled::new(endpoint, inner, tunnel)))
}

/// The engine at a directly reachable endpoint.
pub(super) fn build(
    kind: EngineKind,
    endpoint: &str,
    api_timeout: Duration,
    reach: &Reach,
) -> Result<Arc<dyn Engine>, EngineError> {
    if endpoint.starts_with("ssh://") {
        return Err(EngineError::Operation {
            endpoint: endpoint.to_string(),
            what: "connect".into(),
            detail: "an ssh:// endpoint needs its tunnel first (engine::open)".into(),
        });
    }
    Ok(match kind {
        EngineKind::Docker => Arc::new(
            DockerEngine::connect(endpoint)?
                .with_api_timeout(api_timeout)
                .with_route(reach.route.clone()),
        ),
        EngineKind::Podman => {
            if let (CheckpointRoute::Ssh(_), Some(refusal)) =
                (&reach.route, kind.ssh_transfer_refusal())
            {
                return Err(EngineError::Operation {
                    endpoint: endpoint.to_string(),
                    what: "take checkpoints over SSH".into(),
                    detail: refusal.into(),
                });
            }
            Arc::new(
                PodmanEngine::connect(endpoint, api_timeout)?
                    .with_cgroup_parent(reach.cgroup.clone()),
            )
        }
    })
}
