//! A validated scenario's SSH settings, and the cross-field rules of SSH
//! use, with what to do.

use super::checked::Endpoint;
use super::file::{ScenarioFile, TransferMode};
use crate::ssh::Destination;
use serde::Serialize;
use std::path::PathBuf;

/// A validated scenario's SSH settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SshSettings {
    /// The target engine's machine, for `transfer.mode = "ssh"` (an emulated
    /// host's own sshd is used instead).
    pub target: Option<Destination>,
    /// The key offered to the target's machine (its `ssh://` endpoint and
    /// the transfer); `None`: the user's ssh config and agent.
    pub target_identity: Option<PathBuf>,
    /// The key offered to the source's machine (its `ssh://` endpoint).
    pub source_identity: Option<PathBuf>,
}

impl SshSettings {
    /// The settings of a file whose cross-field rules hold.
    pub(super) fn of(file: &ScenarioFile) -> SshSettings {
        SshSettings {
            target: file.target.ssh.clone().map(|t| t.0),
            target_identity: file.target.ssh_identity.clone().map(|i| i.0),
            source_identity: file.source.ssh_identity.clone().map(|i| i.0),
        }
    }
}

fn is_ssh(endpoint: Option<&Endpoint>) -> bool {
    endpoint.is_some_and(|e| e.as_str().starts_with("ssh://"))
}

/// The cross-field rules, on a file whose defaults are resolved (every
/// engine kind set, the target's endpoint set unless it is emulated).
pub(super) fn check(file: &ScenarioFile) -> Result<(), String> {
    let target = &file.target;
    let emulated = target.emulate.is_some();
    if file.transfer.mode == TransferMode::Ssh {
        let kind = target.engine.unwrap_or_default();
        if let Some(refusal) = kind.ssh_transfer_refusal() {
            return Err(format!(
                "[transfer] mode = \"ssh\" with [target] engine '{kind}': {refusal}"
            ));
        }
        if emulated && target.ssh.is_some() {
            return Err(
                "[target] ssh: an emulated host is reached at its own sshd (migbench \
                 starts it, with a key of its own): remove 'ssh'"
                    .into(),
            );
        }
        if !emulated && target.endpoint == file.source.endpoint {
            return Err(
                "[transfer] mode = \"ssh\" needs a target engine on another machine: \
                 set [target] endpoint (e.g. \"ssh://root@host/var/run/docker.sock\") and ssh, \
                 or emulate"
                    .into(),
            );
        }
        if !emulated && target.ssh.is_none() {
            return Err(
                "[target] ssh is required with [transfer] mode = \"ssh\": the SSH \
                 destination ([user@]host[:port]) of the target engine's machine, whose \
                 checkpoint store the checkpoints are streamed into"
                    .into(),
            );
        }
    } else if target.ssh.is_some() {
        return Err("[target] ssh is used only with [transfer] mode = \"ssh\"".into());
    }
    if file.source.ssh_identity.is_some() && !is_ssh(file.source.endpoint.as_ref()) {
        return Err("[source] ssh_identity is used only with an ssh:// endpoint".into());
    }
    if target.ssh_identity.is_some() {
        if emulated {
            return Err(
                "[target] ssh_identity: an emulated host is reached with the key \
                 migbench made for it: remove 'ssh_identity'"
                    .into(),
            );
        }
        if !is_ssh(target.endpoint.as_ref()) && target.ssh.is_none() {
            return Err(
                "[target] ssh_identity is used only with an ssh:// endpoint or \
                 [transfer] mode = \"ssh\""
                    .into(),
            );
        }
    }
    Ok(())
}
