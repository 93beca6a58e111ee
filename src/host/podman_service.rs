//! The host's own Podman service: `podman system service` with its own
//! storage (`--root`), run state (`--runroot`, `--tmpdir`) and temporary
//! files, started inside the budget, so that the service, conmon, runc and
//! the containers are all charged to it. Containers are put under the host's
//! cgroup by the engine (their cgroup parent), not by the service.

use super::dockerd::spawn_in_budget;
use super::host_error::{io_error, HostError};
use super::state::HostState;

/// Starts the service; returns its pid.
pub fn start(host: &HostState) -> Result<u32, HostError> {
    let tmp = host.base_dir().join("tmp");
    for dir in [
        host.run_dir(),
        host.exec_root(),
        host.data_root(),
        tmp.clone(),
    ] {
        std::fs::create_dir_all(&dir).map_err(io_error("cannot create directory", &dir))?;
    }
    let command = format!(
        "podman --root '{}' --runroot '{}' --tmpdir '{}' --cgroup-manager cgroupfs \
         --runtime runc --events-backend file system service --time=0 '{}'",
        host.data_root().display(),
        host.exec_root().display(),
        host.run_dir().join("libpod").display(),
        host.endpoint(),
    );
    // Archives on their way in and out are staged in TMPDIR: the host's own.
    spawn_in_budget(host, &command, &[("TMPDIR", tmp.display().to_string())])
}
