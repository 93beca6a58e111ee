//! What a Docker engine needs here (readiness checks for `doctor` and a
//! run's start), and what runs no longer going left in its store.

use super::super::containerd_copies;
use super::super::{Check, CheckpointRoute, Engine, Role, RUN_LABEL};
use super::handle::{DockerEngine, STAGING_DIR};

/// The checks for an engine used as `role`.
pub(super) async fn checks(engine: &DockerEngine, role: Role) -> Vec<Check> {
    let info = engine.info().await;
    let mut checks = vec![Check::required(
        "engine reachable",
        info.is_ok(),
        match &info {
            Ok(i) => format!("Docker {} at {}", i.server_version, engine.endpoint),
            Err(e) => e.to_string(),
        },
        "run `sudo scripts/provision.sh` (installs and starts everything)",
    )];
    let Ok(info) = info else {
        return checks;
    };
    checks.push(Check::required(
        "engine experimental mode",
        info.experimental,
        if info.experimental {
            "on"
        } else {
            "off (checkpoint needs it)"
        },
        &format!(
            "add {{\"experimental\": true}} to the daemon.json of the engine at '{}' and \
                 restart it (scripts/provision.sh does)",
            engine.endpoint
        ),
    ));
    checks.push(containerd_copies::check());
    if let (Role::Target, CheckpointRoute::Ssh(access)) = (role, &engine.route) {
        // Checkpoints stream into `<data root>/containers/<id>/checkpoints` there.
        let store = info.data_root.join("containers");
        let probed = crate::ssh::probe_dir(access, &store).await;
        checks.push(Check::required(
            "checkpoint store over SSH",
            probed.is_ok(),
            match &probed {
                Ok(()) => format!("'{}' on {}", store.display(), access.destination),
                Err(e) => e.to_string(),
            },
            "set [target] ssh to the target engine's machine, with a login that may write \
             into its data root (root), whose key this machine holds",
        ));
    } else if role == Role::Target {
        let visible = info.data_root.is_dir();
        checks.push(Check::required(
            "engine data root",
            visible,
            format!("'{}'", info.data_root.display()),
            "Docker restores only from a container's own checkpoint store, so the harness \
                 must be able to write there (run migbench on the target, or share that directory)",
        ));
    }
    checks
}

/// Staging directories and containerd litter of runs no longer going.
pub(super) async fn clean_leftovers(
    engine: &DockerEngine,
    is_live: for<'a> fn(&'a str) -> bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    if let Ok(root) = engine.data_root().await {
        let staging = root.join(STAGING_DIR);
        for entry in std::fs::read_dir(&staging).into_iter().flatten().flatten() {
            let path = entry.path();
            if is_live(&entry.file_name().to_string_lossy()) {
                lines.push(format!(
                    "'{}' belongs to a run still going: left alone",
                    path.display()
                ));
                continue;
            }
            match std::fs::remove_dir_all(&path) {
                Ok(()) => lines.push(format!("removed '{}'", path.display())),
                Err(e) => lines.push(format!("cannot remove '{}': {e}", path.display())),
            }
        }
    }
    // containerd's checkpoint copies of runs no longer going (a run still
    // going is known by its containers on the engine).
    let live_ids: Vec<String> = match engine.list_labelled(RUN_LABEL, None).await {
        Ok(containers) => containers
            .into_iter()
            .filter(|c| is_live(&c.label_value))
            .map(|c| c.id)
            .collect(),
        // Without the list a live run's copies cannot be told apart: keep all.
        Err(e) => {
            lines.push(format!("restore litter left alone: {e}"));
            return lines;
        }
    };
    let removed = tokio::task::spawn_blocking(move || containerd_copies::remove_unused(&live_ids))
        .await
        .unwrap_or_default();
    lines.extend(removed);
    lines
}
