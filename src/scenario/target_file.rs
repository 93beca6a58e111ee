//! The targets as written: `[target]` (one) or `[[targets]]` (a fleet, each
//! entry named), and how a fleet shares the containers (`[placement]`).

use super::budget::EmulateFile;
use super::checked::{Endpoint, TargetName};
use super::metrics_url::MetricsUrl;
use super::ranged::Ranged;
use super::ssh_fields::{IdentityFile, SshTarget};
use crate::engine::EngineKind;
use serde::{Deserialize, Serialize};

/// `[target]`, or one `[[targets]]` entry: either a running engine or an
/// emulated host.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// A `[[targets]]` entry's name (required there; `[target]` has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<TargetName>,
    /// Engine endpoint; default: the source's endpoint (unless `emulate` is given).
    /// A `--set` of either one drops the other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    /// An emulated memory-bounded host brought up for the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emulate: Option<EmulateFile>,
    /// Which engine: the source's unless given (a checkpoint cannot cross kinds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineKind>,
    /// The target machine's Prometheus node exporter (`http://HOST:PORT/metrics`),
    /// scraped for its memory, swap, CPU and pressure; not with `emulate`
    /// (an emulated host's cgroup is read directly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MetricsUrl>,
    /// How often it is scraped, ms (default: the sampler's interval, at least 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_interval_ms: Option<Ranged<100, 600_000>>,
    /// The target machine's SSH destination, `[user@]host[:port]`, for
    /// `transfer.mode = "ssh"` (an emulated host's own sshd otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh: Option<SshTarget>,
    /// The private key for the target's `ssh://` endpoint and its `ssh`
    /// destination; default: the user's ssh config and agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_identity: Option<IdentityFile>,
}

impl TargetFile {
    /// Whether nothing is given (no `[target]` table, or an empty one).
    pub fn is_empty(&self) -> bool {
        *self == TargetFile::default()
    }
}

/// `[placement]`: how a fleet's targets share the containers.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementFile {
    #[serde(default)]
    pub policy: PlacementPolicy,
}

/// `[placement] policy`: which target of a fleet takes the next container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlacementPolicy {
    /// Each target in turn.
    #[default]
    RoundRobin,
    /// The target with the most memory left: its budget minus its
    /// non-reclaimable footprint (and what is on its way to it).
    MostFree,
    /// The target whose own projection has the most headroom before its
    /// thrashing onset.
    Projection,
}

impl PlacementPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementPolicy::RoundRobin => "round-robin",
            PlacementPolicy::MostFree => "most-free",
            PlacementPolicy::Projection => "projection",
        }
    }
}
