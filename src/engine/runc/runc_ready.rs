//! What a runc engine says about itself and needs here (runc, and CRIU on
//! the PATH runc calls it from), and what runs no longer going left in its
//! data directory: containers, their runc state, staged checkpoints.

use crate::engine::{Check, Engine, EngineInfo, EngineKind, RUN_LABEL};
use std::path::{Path, PathBuf};

/// The engine's description; a runc engine's machine is this one.
pub fn info(endpoint: &str, version: &str, data_root: PathBuf, containers: u64) -> EngineInfo {
    let release = rustix::system::uname();
    EngineInfo {
        kind: EngineKind::Runc,
        endpoint: endpoint.to_string(),
        server_version: version
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("runc version "))
            .unwrap_or("unknown")
            .to_string(),
        api_version: String::new(),
        experimental: false,
        data_root,
        kernel: release.release().to_string_lossy().into_owned(),
        os: release.sysname().to_string_lossy().into_owned(),
        cpus: crate::machine::cores() as u64,
        memory_bytes: crate::machine::ram_bytes(),
        cgroup_driver: "cgroupfs".into(),
        running_containers: containers,
    }
}

/// runc answering, and CRIU where runc looks for it.
pub async fn checks(engine: &dyn Engine) -> Vec<Check> {
    let info = engine.info().await;
    let criu = std::process::Command::new("criu")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success());
    vec![
        Check::required(
            "runc",
            info.is_ok(),
            match &info {
                Ok(i) => format!(
                    "runc {} with its data in '{}'",
                    i.server_version,
                    i.data_root.display()
                ),
                Err(e) => e.to_string(),
            },
            "run `sudo scripts/provision.sh` (installs runc with Podman)",
        ),
        Check::required(
            "criu",
            criu.is_some(),
            match &criu {
                Some(o) => String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string(),
                None => "no `criu` on the PATH runc calls it from".into(),
            },
            "run `sudo scripts/provision.sh` (builds and installs CRIU)",
        ),
    ]
}

/// Removes the containers (their runc state with them) and the checkpoints
/// staged under `staging` of runs no longer going.
pub async fn clean_leftovers(
    engine: &dyn Engine,
    staging: &Path,
    is_live: for<'a> fn(&'a str) -> bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    if let Ok(found) = engine.list_labelled(RUN_LABEL, None).await {
        for container in found {
            if is_live(&container.label_value) {
                continue;
            }
            let done = engine.remove(&container.id).await;
            lines.push(match done {
                Ok(()) => format!(
                    "removed runc container '{}' of run {}",
                    container.id, container.label_value
                ),
                Err(e) => format!("could not remove runc container '{}': {e}", container.id),
            });
        }
    }
    for entry in std::fs::read_dir(staging).into_iter().flatten().flatten() {
        let run = entry.file_name().to_string_lossy().to_string();
        if is_live(&run) {
            continue;
        }
        let path = entry.path();
        lines.push(match std::fs::remove_dir_all(&path) {
            Ok(()) => format!("removed staged checkpoints '{}'", path.display()),
            Err(e) => format!("could not remove '{}': {e}", path.display()),
        });
    }
    lines
}
