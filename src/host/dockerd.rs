//! The host's own dockerd: config, bridge, start inside the budget; and what
//! every host engine shares: the start inside the budget, the stop, and the
//! mounts it leaves behind.

use super::host_error::{io_error, HostError};
use super::state::HostState;
use super::tools::PATH;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ip(args: &[&str]) -> Result<(), HostError> {
    super::run("ip", args)
}

/// A bridge of the host's own: with `"bridge": "none"` a second dockerd
/// deletes the first engine's docker0 (seen on this platform).
pub fn create_bridge(bridge: &str, name: &str) -> Result<(), HostError> {
    if std::path::Path::new("/sys/class/net").join(bridge).exists() {
        return Ok(());
    }
    // A /24 per host name in 10.254/16; workload containers use no network.
    let octet = name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 250
        + 1;
    ip(&["link", "add", bridge, "type", "bridge"])?;
    ip(&[
        "addr",
        "add",
        &format!("10.254.{octet}.1/24"),
        "dev",
        bridge,
    ])?;
    ip(&["link", "set", bridge, "up"])
}

pub fn delete_bridge(bridge: &str) {
    // Already gone is fine; nothing else can be done about a failure here.
    let _ = ip(&["link", "del", bridge]);
}

/// Writes the daemon config and starts dockerd from a shell that first moves
/// itself into the budget, so the daemon, containerd, shims and containers
/// are all charged to it.
pub fn start(host: &HostState) -> Result<u32, HostError> {
    for dir in [host.run_dir(), host.exec_root(), host.data_root()] {
        std::fs::create_dir_all(&dir).map_err(io_error("cannot create directory", &dir))?;
    }
    // In a namespace of its own the daemon sees only that namespace's links:
    // with no bridge it cannot delete this machine's docker0 (it does from
    // this machine's namespace), and containers need none (network none).
    let bridge = match host.network {
        Some(_) => "none",
        None => host.bridge.as_str(),
    };
    let config = serde_json::json!({
        "data-root": host.data_root(),
        "exec-root": host.exec_root(),
        "pidfile": host.run_dir().join("docker.pid"),
        "hosts": [host.endpoint()],
        "bridge": bridge,
        "iptables": false,
        "ip-masq": false,
        "cgroup-parent": crate::cgroup::container_parent(&host.cgroup),
        "experimental": true,
    });
    let config_path = host.base_dir().join("daemon.json");
    std::fs::write(&config_path, config.to_string())
        .map_err(io_error("cannot write daemon config", &config_path))?;
    spawn_in_budget(
        host,
        &format!("dockerd --config-file '{}'", config_path.display()),
        &[],
    )
}

/// Execs `command` from a shell that first moves itself into the host's
/// budget (so the engine and everything it starts are charged to it) and,
/// for a host with a network of its own, through `nsenter --net` into its
/// namespace (only the network namespace changes: `ip netns exec` would
/// also give it a mount namespace of its own, hiding its mounts from the
/// harness), with its output appended to the host's engine log; returns
/// the engine's pid.
pub fn spawn_in_budget(
    host: &HostState,
    command: &str,
    env: &[(&str, String)],
) -> Result<u32, HostError> {
    let join = super::host_cgroup::join_script(&host.cgroup, crate::cgroup::Member::Engine)?;
    let enter = host.network.as_ref().map_or_else(String::new, |network| {
        format!("nsenter --net='{}' ", network.netns_path().display())
    });
    let exec_line = format!("exec {enter}{command}");
    let script = format!("{join}{exec_line}");
    let log_path = host.log_file();
    // Appended to: a restarted engine's log follows its first life's.
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(io_error("cannot create engine log", &log_path))?;
    let log_err = log
        .try_clone()
        .map_err(io_error("cannot create engine log", &log_path))?;
    let child = Command::new("setsid")
        .args(["sh", "-c", &script])
        .env("PATH", PATH)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| HostError::Command {
            command: format!("setsid sh -c '{exec_line}'"),
            detail: e.to_string(),
        })?;
    // The shell execs the engine (nsenter execs it in turn), so the child's
    // pid is the engine's.
    Ok(child.id())
}

/// Stops the host's engine: SIGTERM, then SIGKILL after a grace period, and
/// only if its pid is still provably that engine (see
/// [`HostState::is_own_daemon`]): after a reboot or a pid reuse the saved pid
/// belongs to someone else, and then the cgroup sweep that follows does the work.
pub async fn stop(host: &HostState) {
    let Some(pid) = host.pid else {
        return;
    };
    let ours = |pid| host.is_own_daemon(pid);
    if !crate::process::signal_if(pid, libc::SIGTERM, ours) {
        tracing::debug!(
            "pid {pid} of host '{}' is not its engine (any more): not signalled",
            host.spec.name
        );
        return;
    }
    let started = Instant::now();
    while crate::process::is_alive(pid) && started.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if crate::process::is_alive(pid) {
        crate::process::signal_if(pid, libc::SIGKILL, ours);
    }
    reap(pid);
}

/// Reaps the daemon if it is our child (started by this process).
fn reap(pid: u32) {
    crate::process::reap(pid, false);
}

/// Lazily unmounts everything mounted under `roots` (netns files, overlay
/// `merged` dirs, shm), deepest first.
pub fn unmount_under(roots: &[PathBuf]) {
    let mut points = mounted_under(roots, &crate::machine::mount_points());
    points.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
    for point in points {
        // Failure is harmless here: gone already, or busy and lazily detached.
        let _ = rustix::mount::unmount(&point, rustix::mount::UnmountFlags::DETACH);
    }
}

/// The mount points among `mounted` that lie under one of `roots`.
fn mounted_under(roots: &[PathBuf], mounted: &[PathBuf]) -> Vec<PathBuf> {
    mounted
        .iter()
        .filter(|p| roots.iter().any(|root| p.starts_with(root)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real mount whose path holds a space, a tab and a backslash is found
    /// in mountinfo and unmounted (root, like every engine test here).
    #[test]
    fn a_mount_with_an_odd_path_is_unmounted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let point = dir.path().join("a b\tc\\d");
        std::fs::create_dir_all(&point).expect("mkdir");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&point)
            .status()
            .expect("mount");
        assert!(mounted.success(), "tmpfs mounted");
        assert!(
            crate::machine::mount_points().contains(&point),
            "found with its escapes undone"
        );
        unmount_under(&[dir.path().to_path_buf()]);
        assert!(
            !crate::machine::mount_points().contains(&point),
            "unmounted"
        );
    }

    #[test]
    fn only_mounts_under_the_roots_are_taken() {
        let roots = [PathBuf::from("/run/migbench/h1")];
        let mounted = [
            PathBuf::from("/run/migbench/h1/netns/x"),
            PathBuf::from("/run/migbench/h10"),
            PathBuf::from("/"),
        ];
        assert_eq!(
            mounted_under(&roots, &mounted),
            vec![PathBuf::from("/run/migbench/h1/netns/x")]
        );
    }
}
