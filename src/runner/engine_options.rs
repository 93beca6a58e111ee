//! How a run reaches its engines: the access of an `ssh://` endpoint (an
//! emulated host's own key and known hosts when it is one's, else the
//! scenario's `ssh_identity` or the user's ssh config), and the target's
//! checkpoint route (`transfer.mode = "ssh"`: over SSH into its store).

use super::run_options::RunError;
use crate::engine::{CheckpointRoute, ConnectOptions, Engine, EngineError, EngineKind};
use crate::host::{self, HostState};
use crate::scenario::{Scenario, TransferMode};
use crate::ssh::{Access, SshEndpoint};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The access for `endpoint` when it is an `ssh://` one.
fn endpoint_access(endpoint: &str, identity: Option<PathBuf>) -> Option<Access> {
    let parsed = SshEndpoint::parse(endpoint).ok().flatten()?;
    Some(host::ssh_access_to(&parsed.destination, identity))
}

/// How the source engine is reached.
pub fn source(scenario: &Scenario) -> ConnectOptions {
    ConnectOptions {
        ssh: endpoint_access(
            &scenario.source_endpoint,
            scenario.ssh.source_identity.clone(),
        ),
        // A soak's way back and a rollback upload to the source.
        upload_stall: Some(scenario.transfer_stall),
        // A local run restores on the source's engine.
        strategy: scenario.strategy,
        ..ConnectOptions::default()
    }
}

/// How the target engine at `endpoint` (an emulated `host`'s, if given) is
/// reached, and how checkpoints reach its store.
pub fn target(
    scenario: &Scenario,
    endpoint: &str,
    host: Option<&HostState>,
) -> Result<ConnectOptions, RunError> {
    let identity = scenario.targets[0].ssh_identity.clone();
    let route = match (scenario.transfer_mode, host) {
        (TransferMode::Ssh, Some(host)) => {
            CheckpointRoute::Ssh(host::ssh_access(host).ok_or_else(|| {
                RunError::Environment(format!(
                    "the emulated target '{}' runs no sshd: transfer.mode = \"ssh\" needs one",
                    host.spec.name
                ))
            })?)
        }
        (TransferMode::Ssh, None) => {
            let destination = scenario.targets[0].ssh.as_ref().ok_or_else(|| {
                RunError::Environment("transfer.mode = \"ssh\" needs [target] ssh".into())
            })?;
            CheckpointRoute::Ssh(host::ssh_access_to(destination, identity.clone()))
        }
        _ => CheckpointRoute::Local,
    };
    Ok(ConnectOptions {
        cgroup: host.map(|h| h.cgroup.clone()),
        ssh: endpoint_access(endpoint, identity),
        route,
        upload_stall: Some(scenario.transfer_stall),
        strategy: scenario.strategy,
    })
}

/// Opens the engine of `kind` at an endpoint given on the command line
/// (doctor, clean, image build); an `ssh://` one to an emulated host is
/// reached with that host's own key, any other the user's way.
pub async fn open_engine(
    kind: EngineKind,
    endpoint: &str,
    api_timeout: Duration,
) -> Result<Arc<dyn Engine>, EngineError> {
    let options = ConnectOptions {
        ssh: endpoint_access(endpoint, None),
        ..ConnectOptions::default()
    };
    crate::engine::open(kind, endpoint, api_timeout, &options).await
}
