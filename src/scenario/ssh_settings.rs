//! A validated scenario's SSH settings for the source (each target's are in
//! its [`FleetTarget`](super::FleetTarget)), and the cross-field rules of SSH
//! use, with what to do.

use super::checked::Endpoint;
use super::file::{SourceFile, TargetFile, TransferMode};
use serde::Serialize;
use std::path::PathBuf;

/// A validated scenario's SSH settings for the source.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SshSettings {
    /// The key offered to the source's machine (its `ssh://` endpoint).
    pub source_identity: Option<PathBuf>,
}

impl SshSettings {
    /// The settings of a source whose rules hold.
    pub(super) fn of(source: &SourceFile) -> SshSettings {
        SshSettings {
            source_identity: source.ssh_identity.clone().map(|i| i.0),
        }
    }
}

fn is_ssh(endpoint: Option<&Endpoint>) -> bool {
    endpoint.is_some_and(|e| e.as_str().starts_with("ssh://"))
}

/// The source's rule, on a source whose endpoint is resolved.
pub(super) fn check_source(source: &SourceFile) -> Result<(), String> {
    if source.ssh_identity.is_some() && !is_ssh(source.endpoint.as_ref()) {
        return Err("[source] ssh_identity is used only with an ssh:// endpoint".into());
    }
    Ok(())
}

/// One target's rules, on a target whose defaults are resolved (its engine
/// kind set, its endpoint set unless it is emulated); `label` names it in
/// errors (`[target]`, `[[targets]] 'b'`).
pub(super) fn check_target(
    label: &str,
    target: &TargetFile,
    transfer: TransferMode,
    source_endpoint: &Endpoint,
) -> Result<(), String> {
    let emulated = target.emulate.is_some();
    if transfer == TransferMode::Ssh {
        let kind = target.engine.unwrap_or_default();
        if let Some(refusal) = kind.ssh_transfer_refusal() {
            return Err(format!(
                "[transfer] mode = \"ssh\" with {label} engine '{kind}': {refusal}"
            ));
        }
        if emulated && target.ssh.is_some() {
            return Err(format!(
                "{label} ssh: an emulated host is reached at its own sshd (migbench \
                 starts it, with a key of its own): remove 'ssh'"
            ));
        }
        if !emulated && target.endpoint.as_ref() == Some(source_endpoint) {
            return Err(format!(
                "[transfer] mode = \"ssh\" needs a target engine on another machine: \
                 set {label} endpoint (e.g. \"ssh://root@host/var/run/docker.sock\") and ssh, \
                 or emulate"
            ));
        }
        if !emulated && target.ssh.is_none() {
            return Err(format!(
                "{label} ssh is required with [transfer] mode = \"ssh\": the SSH \
                 destination ([user@]host[:port]) of the target engine's machine, whose \
                 checkpoint store the checkpoints are streamed into"
            ));
        }
    } else if target.ssh.is_some() {
        return Err(format!(
            "{label} ssh is used only with [transfer] mode = \"ssh\""
        ));
    }
    if target.ssh_identity.is_some() {
        if emulated {
            return Err(format!(
                "{label} ssh_identity: an emulated host is reached with the key \
                 migbench made for it: remove 'ssh_identity'"
            ));
        }
        if !is_ssh(target.endpoint.as_ref()) && target.ssh.is_none() {
            return Err(format!(
                "{label} ssh_identity is used only with an ssh:// endpoint or \
                 [transfer] mode = \"ssh\""
            ));
        }
    }
    Ok(())
}
