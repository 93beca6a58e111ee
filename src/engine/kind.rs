//! Which engine: the kinds migbench drives, by name.

use serde::{Deserialize, Serialize};

/// The engines migbench drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// The Docker Engine API (dockerd + containerd + runc).
    #[default]
    Docker,
    /// The libpod REST API (`podman system service`, runc).
    Podman,
    /// runc driven directly (runc + CRIU, no daemon): the floor under both.
    Runc,
}

/// An engine name that is neither `docker` nor `podman`.
#[derive(Debug, thiserror::Error)]
#[error("unknown engine {}: use 'docker', 'podman' or 'runc'", crate::quote::quote(.0))]
pub struct KindError(String);

impl EngineKind {
    pub const ALL: [EngineKind; 3] = [EngineKind::Docker, EngineKind::Podman, EngineKind::Runc];

    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Docker => "docker",
            EngineKind::Podman => "podman",
            EngineKind::Runc => "runc",
        }
    }

    /// Why checkpoints cannot stream over SSH into this engine's store
    /// (`transfer.mode = "ssh"`), if they cannot.
    pub fn ssh_transfer_refusal(self) -> Option<&'static str> {
        match self {
            EngineKind::Docker => None,
            EngineKind::Podman => Some(
                "a Podman target takes each checkpoint archive through its API, so there is \
                 no store to stream into: use transfer.mode = \"copy\" (reach a remote \
                 Podman at ssh://)",
            ),
            // Into an emulated runc host's data root, across its link.
            EngineKind::Runc => None,
        }
    }

    /// The endpoint of the machine's own engine of this kind (as provisioned).
    pub fn default_endpoint(self) -> &'static str {
        match self {
            EngineKind::Docker => "unix:///var/run/docker.sock",
            EngineKind::Podman => "unix:///run/podman/podman.sock",
            EngineKind::Runc => "runc:///var/lib/migbench/runc",
        }
    }
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EngineKind {
    type Err = KindError;
    fn from_str(s: &str) -> Result<EngineKind, KindError> {
        EngineKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| KindError(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_names() {
        for kind in EngineKind::ALL {
            assert_eq!(kind.as_str().parse::<EngineKind>().ok(), Some(kind));
        }
        let e = "lxd".parse::<EngineKind>().expect_err("unknown");
        assert!(e.to_string().contains("'podman' or 'runc'"), "{e}");
    }
}
