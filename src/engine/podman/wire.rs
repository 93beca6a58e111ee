//! libpod's JSON, as far as migbench reads and writes it.

use super::super::{ContainerSpec, CriuStats, EngineInfo, EngineKind, LabelledContainer};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;

/// Limits every container gets: Podman's defaults ask for more than this
/// sandbox's hard limits allow (`error setting rlimit type 7`), and root may
/// not raise them; the machine's own hard limits cap these.
const NOFILE: u64 = 1024;
const NPROC: u64 = 1024;

/// The machine's hard limit of `resource`, or `u64::MAX` when there is none.
pub fn hard_limit(resource: rustix::process::Resource) -> u64 {
    rustix::process::getrlimit(resource)
        .maximum
        .unwrap_or(u64::MAX)
}

/// The libpod create spec of `spec`: no network, explicit rlimits.
pub fn create_body(spec: &ContainerSpec, cgroup_parent: Option<&str>) -> serde_json::Value {
    let nofile = NOFILE.min(hard_limit(rustix::process::Resource::Nofile));
    let nproc = NPROC.min(hard_limit(rustix::process::Resource::Nproc));
    let mut body = serde_json::json!({
        "name": spec.name,
        "image": spec.image,
        "command": spec.cmd,
        "labels": spec.labels,
        "netns": { "nsmode": "none" },
        "r_limits": [
            { "type": "nofile", "soft": nofile, "hard": nofile },
            { "type": "nproc", "soft": nproc, "hard": nproc },
        ],
    });
    if let (Some(cgroup), Some(object)) = (cgroup_parent, body.as_object_mut()) {
        object.insert(
            "cgroup_parent".into(),
            crate::cgroup::container_parent(cgroup).into(),
        );
    }
    body
}

#[derive(Deserialize)]
pub struct Created {
    #[serde(rename = "Id")]
    pub id: String,
}

#[derive(Deserialize)]
pub struct Inspect {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "State")]
    pub state: InspectState,
}

#[derive(Deserialize)]
pub struct InspectState {
    #[serde(rename = "Running", default)]
    pub running: bool,
}

#[derive(Deserialize)]
pub struct Listed {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Names", default)]
    names: Vec<String>,
    #[serde(rename = "State", default)]
    state: String,
    #[serde(rename = "Labels", default)]
    labels: Option<HashMap<String, String>>,
}

impl Listed {
    pub fn into_labelled(self, label: &str) -> LabelledContainer {
        LabelledContainer {
            id: self.id,
            name: self.names.into_iter().next().unwrap_or_default(),
            running: self.state == "running",
            label_value: self
                .labels
                .and_then(|mut labels| labels.remove(label))
                .unwrap_or_default(),
        }
    }
}

/// The answer of an import-restore with `printStats`; durations in µs.
#[derive(Deserialize)]
pub struct RestoreReport {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(default)]
    runtime_restore_duration: Option<u64>,
    #[serde(default)]
    criu_statistics: Option<RestoreStatistics>,
}

#[derive(Deserialize)]
struct RestoreStatistics {
    #[serde(default)]
    forking_time: u64,
    #[serde(default)]
    restore_time: Option<u64>,
    #[serde(default)]
    pages_restored: Option<u64>,
}

impl RestoreReport {
    pub fn stats(&self) -> CriuStats {
        let ms = |us: u64| us as f64 / 1000.0;
        let criu = self.criu_statistics.as_ref();
        CriuStats {
            runtime_ms: self.runtime_restore_duration.map(ms),
            restore_ms: criu.and_then(|c| c.restore_time.map(|t| ms(t + c.forking_time))),
            pages_restored: criu.and_then(|c| c.pages_restored),
            ..CriuStats::default()
        }
    }
}

#[derive(Deserialize)]
pub struct Info {
    pub host: Host,
    pub store: Store,
    pub version: Version,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Host {
    #[serde(default)]
    kernel: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    cpus: u64,
    #[serde(default)]
    mem_total: u64,
    #[serde(default)]
    cgroup_manager: String,
    #[serde(default)]
    pub oci_runtime: Runtime,
}

#[derive(Deserialize, Default)]
pub struct Runtime {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Store {
    #[serde(default)]
    graph_root: PathBuf,
    #[serde(default)]
    container_store: ContainerStore,
}

#[derive(Deserialize, Default)]
pub struct ContainerStore {
    #[serde(default)]
    running: u64,
}

#[derive(Deserialize)]
pub struct Version {
    #[serde(rename = "Version", default)]
    pub version: String,
    #[serde(rename = "APIVersion", default)]
    api_version: String,
}

impl Info {
    pub fn into_engine_info(self, endpoint: &str) -> EngineInfo {
        EngineInfo {
            kind: EngineKind::Podman,
            endpoint: endpoint.to_string(),
            server_version: self.version.version,
            api_version: self.version.api_version,
            // Podman's checkpoint/restore needs no experimental mode.
            experimental: true,
            data_root: self.store.graph_root,
            kernel: self.host.kernel,
            os: self.host.os,
            cpus: self.host.cpus,
            memory_bytes: self.host.mem_total,
            cgroup_driver: self.host.cgroup_manager,
            running_containers: self.store.container_store.running,
        }
    }
}

/// The text of a multiplexed log stream (8-byte frame headers: stream, 0, 0,
/// 0, big-endian length); a stream without headers is returned as it is.
pub fn demultiplex(bytes: &[u8]) -> String {
    let mut text = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while rest.len() >= 8 && matches!(rest[0], 0..=2) && rest[1..4] == [0, 0, 0] {
        let length = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        let Some(frame) = rest.get(8..8 + length) else {
            break;
        };
        text.extend_from_slice(frame);
        rest = &rest[8 + length..];
    }
    text.extend_from_slice(rest);
    String::from_utf8_lossy(&text).into_owned()
}
