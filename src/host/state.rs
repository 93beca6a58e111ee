//! The saved state of an emulated host, and the paths derived from its name.

use super::host_error::{io_error, HostError};
use crate::engine::EngineKind;
use crate::process::{self, ProcessStamp};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

/// Where host state and data roots live.
pub const HOSTS_DIR: &str = "/var/lib/migbench/hosts";
/// Where host sockets and exec roots live.
pub const RUN_DIR: &str = "/run/migbench";
/// Where `ip netns` keeps named namespaces.
pub const NETNS_DIR: &str = "/run/netns";

/// A host's budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSpec {
    pub name: String,
    pub memory_bytes: u64,
    pub swap_bytes: u64,
    /// CPU quota in cores; `None`: no quota.
    pub cpus: Option<f64>,
    /// Memory held inside `memory_bytes` for a guest OS (see `reserve`); 0: none.
    #[serde(default)]
    pub os_reserve_bytes: u64,
    /// The host runs an sshd of its own (see `sshd`).
    #[serde(default)]
    pub ssh: bool,
    /// The bandwidth of the host's own network link, bits/s; `None`: the
    /// host shares this machine's network (and its engine a unix socket).
    #[serde(default)]
    pub bandwidth_bits_per_s: Option<u64>,
}

/// A host as saved in `state.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HostState {
    pub spec: HostSpec,
    /// Which engine the host runs (state files of older versions: Docker).
    #[serde(default)]
    pub engine: EngineKind,
    /// The cgroup's name under each hierarchy.
    pub cgroup: String,
    pub bridge: String,
    /// The engine's pid as last started (kept for state files of older versions).
    pub pid: Option<u32>,
    /// Who that process is: a pid read back later is signalled only if it is
    /// still this process (or lives in the host's cgroup).
    #[serde(default)]
    pub daemon: Option<ProcessStamp>,
    /// The guest-OS reserve process, if the host has one.
    #[serde(default)]
    pub reserve: Option<ProcessStamp>,
    /// The swap file this host created (removed on `down`).
    pub swap_file: Option<PathBuf>,
    /// The host's own network, when it has one (recorded before it is
    /// created, so `down` and `clean` find it after any failure).
    #[serde(default)]
    pub network: Option<HostNetwork>,
    pub created_at: String,
    /// The host's sshd, when it runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sshd: Option<super::sshd::SshdState>,
}

impl HostState {
    pub fn new(spec: HostSpec, engine: EngineKind) -> HostState {
        HostState {
            engine,
            cgroup: format!("migbench-{}", spec.name),
            bridge: format!("mb-{}", spec.name),
            pid: None,
            daemon: None,
            reserve: None,
            swap_file: None,
            sshd: None,
            network: None,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            spec,
        }
    }

    /// Records the engine process just started for this host.
    pub fn started(&mut self, pid: u32) {
        self.pid = Some(pid);
        self.daemon = ProcessStamp::of(pid);
    }

    pub fn base_dir(&self) -> PathBuf {
        PathBuf::from(HOSTS_DIR).join(&self.spec.name)
    }
    pub fn data_root(&self) -> PathBuf {
        self.base_dir().join("data")
    }
    pub fn run_dir(&self) -> PathBuf {
        PathBuf::from(RUN_DIR).join(&self.spec.name)
    }
    pub fn exec_root(&self) -> PathBuf {
        self.run_dir().join("exec")
    }
    pub fn socket(&self) -> PathBuf {
        self.run_dir().join(format!("{}.sock", self.engine))
    }
    /// Where the harness reaches the host's engine: its unix socket, or
    /// with a network of its own, plain TCP on the host's address only.
    pub fn endpoint(&self) -> String {
        if self.engine == EngineKind::Runc {
            // No daemon: the engine is runc with its state in the data root.
            return format!("runc://{}", self.data_root().display());
        }
        match &self.network {
            Some(network) => format!("tcp://{}:{}", network.address, self.api_port()),
            None => format!("unix://{}", self.socket().display()),
        }
    }
    /// The port a networked host's engine listens on: its engine's usual one.
    fn api_port(&self) -> u16 {
        match self.engine {
            EngineKind::Docker => 2375,
            EngineKind::Podman => 8888,
            EngineKind::Runc => 0,
        }
    }
    /// The engine's log (its name says which engine: `dockerd.log`, `podman.log`).
    pub fn log_file(&self) -> PathBuf {
        self.base_dir().join(self.log_name())
    }
    pub fn log_name(&self) -> &'static str {
        match self.engine {
            EngineKind::Docker => "dockerd.log",
            EngineKind::Podman => "podman.log",
            EngineKind::Runc => "runc.log",
        }
    }
    fn state_file(&self) -> PathBuf {
        self.base_dir().join("state.json")
    }

    /// Whether the host's engine still runs.
    pub fn engine_alive(&self) -> bool {
        if self.engine == EngineKind::Runc {
            // runc runs no daemon: the host's engine is there while its data is.
            return self.data_root().is_dir();
        }
        self.pid
            .is_some_and(|pid| self.is_own_daemon(pid) && process::is_alive(pid))
    }

    /// Whether `pid` is provably this host's engine: the very process started
    /// for it (same boot, same start time), or a process in the host's cgroup.
    /// A pid that fails both was reused by someone else and is left alone.
    pub fn is_own_daemon(&self, pid: u32) -> bool {
        let started_as_ours = self
            .daemon
            .as_ref()
            .is_some_and(|stamp| stamp.pid == pid && stamp.is_current());
        started_as_ours || process::in_cgroup(pid, &self.cgroup)
    }

    pub fn save(&self) -> Result<(), HostError> {
        let dir = self.base_dir();
        std::fs::create_dir_all(&dir).map_err(io_error("cannot create host directory", &dir))?;
        let path = self.state_file();
        let text = serde_json::to_string_pretty(self).map_err(|e| HostError::Io {
            what: "cannot encode host state".into(),
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        std::fs::write(&path, text).map_err(io_error("cannot write host state", &path))
    }

    pub fn load(name: &str) -> Result<Option<HostState>, HostError> {
        let path = PathBuf::from(HOSTS_DIR).join(name).join("state.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| HostError::Io {
                    what: "cannot parse host state".into(),
                    path,
                    source: std::io::Error::other(e),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("cannot read host state", &path)(e)),
        }
    }
}

/// Host names become cgroup, bridge (15-byte limit) and path names.
pub fn check_name(name: &str) -> Result<(), HostError> {
    let ok = !name.is_empty()
        && name.len() <= 12
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(HostError::BadName(name.to_string()))
    }
}

pub fn list() -> Result<Vec<HostState>, HostError> {
    let dir = PathBuf::from(HOSTS_DIR);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error("cannot list hosts", &dir)(e)),
    };
    let mut hosts = Vec::new();
    for entry in entries.flatten() {
        if let Some(host) = HostState::load(&entry.file_name().to_string_lossy())? {
            hosts.push(host);
        }
    }
    hosts.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
    Ok(hosts)
}

/// A host's network, as saved in its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostNetwork {
    /// The namespace's name (`ip netns`): `/run/netns/<netns>`.
    pub netns: String,
    /// The host's address, inside its namespace: its engine listens here.
    pub address: Ipv4Addr,
    /// This machine's end of the link.
    pub peer_address: Ipv4Addr,
    pub prefix_len: u8,
    /// The link's machine end (in this machine's namespace).
    pub root_link: String,
    /// The link's host end (in the host's namespace).
    pub host_link: String,
    /// Shaped on both ends.
    pub bandwidth_bits_per_s: u64,
    pub burst_bytes: u64,
}

impl HostNetwork {
    /// `/run/netns/<netns>`: what `nsenter --net=` takes.
    pub fn netns_path(&self) -> PathBuf {
        PathBuf::from(NETNS_DIR).join(&self.netns)
    }
}

/// The host's sshd as saved in its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SshdState {
    /// The sshd process, as started.
    pub process: Option<ProcessStamp>,
    /// The address it listens on.
    pub address: IpAddr,
    pub port: u16,
    /// The network namespace it runs in, if any.
    #[serde(default)]
    pub netns: Option<PathBuf>,
}
