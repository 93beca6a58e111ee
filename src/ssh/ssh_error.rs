//! What went wrong reaching a destination over SSH, told from what ssh wrote.

use super::access::Access;
use std::path::PathBuf;

/// What went wrong reaching a destination over SSH, with what to do.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    #[error("SSH to '{destination}' refused every key offered: add the public key of the identity used (ssh_identity, else your ssh-agent's or ~/.ssh/id_*) to the authorized_keys of that login there")]
    NoKey { destination: String },
    #[error("the host key of '{destination}' is not known here (or it changed): check and accept it by connecting once by hand (`{by_hand}`)")]
    HostKeyUnknown {
        destination: String,
        by_hand: String,
    },
    #[error("cannot reach '{destination}' over SSH ({detail}): is sshd running there, and are the host and port right?")]
    Unreachable { destination: String, detail: String },
    #[error("the socket '{socket}' on '{destination}' does not answer through the SSH tunnel ({detail}): check the path (the engine's own socket on that machine) and that the engine runs there")]
    SocketSilent {
        destination: String,
        socket: PathBuf,
        detail: String,
    },
    #[error("SSH to '{destination}': cannot {what}: {detail}")]
    Failed {
        destination: String,
        what: String,
        detail: String,
    },
    #[error("{what} '{path}': {source}")]
    Io {
        what: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot run `ssh` ({0}): install OpenSSH's client (scripts/provision.sh does)")]
    NoClient(std::io::Error),
}

/// The last lines ssh wrote (its own warnings left out), bounded.
pub(super) fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .collect();
    let start = lines.len().saturating_sub(3);
    let text: Vec<String> = lines[start..]
        .iter()
        .map(|l| l.chars().take(300).collect())
        .collect();
    text.join("; ")
}

/// Turns what ssh wrote on its failure to `what` into the error that says what to do.
pub(super) fn classify(access: &Access, what: &str, stderr: &str, status: Option<i32>) -> SshError {
    let destination = access.destination.to_string();
    let has = |needle: &str| stderr.contains(needle);
    if has("Permission denied") {
        return SshError::NoKey { destination };
    }
    if has("Host key verification failed") || has("IDENTIFICATION HAS CHANGED") {
        return SshError::HostKeyUnknown {
            destination,
            by_hand: access.by_hand(),
        };
    }
    let unreachable = [
        "Could not resolve hostname",
        "Connection refused",
        "Connection timed out",
        "No route to host",
        "Network is unreachable",
        "Connection closed by",
        "Connection reset",
        "kex_exchange_identification",
    ];
    if unreachable.iter().any(|needle| has(needle)) {
        return SshError::Unreachable {
            destination,
            detail: tail(stderr),
        };
    }
    let detail = match (tail(stderr), status) {
        (text, _) if !text.is_empty() => text,
        (_, Some(code)) => format!("ssh exited with {code} and said nothing"),
        (_, None) => "ssh was killed by a signal".into(),
    };
    SshError::Failed {
        destination,
        what: what.to_string(),
        detail,
    }
}
