//! runc's state of containers an emulated Podman host ran, left in runc's
//! root (`/run/runc`) when the host's service died with containers on it:
//! `runc list` shows them long after the host is gone. Only stopped ones
//! whose host is gone are deleted (`runc delete` of a stopped container
//! signals nothing).

use super::state::HOSTS_DIR;
use super::tools::PATH;

/// One container as `runc list --format json` gives it.
#[derive(serde::Deserialize)]
struct Listed {
    id: String,
    status: String,
    bundle: String,
}

/// Deletes runc's state of stopped containers whose bundle lies under a host
/// that `keep` does not name; returns one line per container.
pub fn remove_orphans(keep: impl Fn(&str) -> bool) -> Vec<String> {
    let listed = std::process::Command::new("runc")
        .args(["list", "--format", "json"])
        .env("PATH", PATH)
        .output();
    let Ok(output) = listed else {
        return Vec::new();
    };
    // runc prints `null` when it has no container.
    let containers: Vec<Listed> = serde_json::from_slice::<Option<Vec<Listed>>>(&output.stdout)
        .ok()
        .flatten()
        .unwrap_or_default();
    let prefix = format!("{HOSTS_DIR}/");
    containers
        .into_iter()
        .filter(|c| c.status == "stopped")
        .filter_map(|c| {
            let host = c
                .bundle
                .strip_prefix(&prefix)?
                .split('/')
                .next()?
                .to_string();
            let gone = !keep(&host) && !std::path::Path::new(HOSTS_DIR).join(&host).exists();
            gone.then_some((c, host))
        })
        .map(
            |(c, host)| match super::tools::run("runc", &["delete", &c.id]) {
                Ok(()) => format!(
                    "runc state of container {} (host '{host}', gone) removed",
                    c.id
                ),
                Err(e) => format!("runc state of container {} (host '{host}'): {e}", c.id),
            },
        )
        .collect()
}
