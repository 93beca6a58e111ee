//! Emulated target hosts: a second Docker engine whose daemon, containerd,
//! shims and containers are all charged to one cgroup budget (memory, memory
//! plus swap, CPU quota), like a small VM, on the harness's own machine. The
//! harness itself stays outside the budget, so it survives the host's collapse.
//!
//! State lives in `/var/lib/migbench/hosts/<name>/state.json`, so `ls` and
//! `down` work from another shell and after a crash.

mod cgroup;
mod dockerd;
mod state;
mod swap;

pub use state::{HostSpec, HostState};

use std::path::{Path, PathBuf};

/// Where host state and data roots live.
pub const HOSTS_DIR: &str = "/var/lib/migbench/hosts";
/// Where host sockets and exec roots live.
pub const RUN_DIR: &str = "/run/migbench";

/// Errors managing emulated hosts, each naming the resource.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("host name '{0}' is invalid: use 1 to 12 lowercase letters, digits or '-'")]
    BadName(String),
    #[error(
        "host '{0}' is already up (see `migbench host ls`; `migbench host down {0}` removes it)"
    )]
    AlreadyUp(String),
    #[error("no emulated host '{0}' (see `migbench host ls`)")]
    Unknown(String),
    #[error("{what} '{path}': {source}")]
    Io {
        what: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    #[error("cgroup v1 controller '{0}' is not mounted at /sys/fs/cgroup/{0}: emulated hosts need cgroup v1 with memory and swap accounting (`migbench doctor`)")]
    NoController(String),
    #[error("the engine of host '{name}' did not come up within {seconds} s; its log: {log}")]
    EngineStart {
        name: String,
        seconds: u64,
        log: PathBuf,
    },
}

pub(crate) fn io_error(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> HostError {
    let what = what.to_string();
    let path = path.to_path_buf();
    move |source| HostError::Io { what, path, source }
}

/// Brings host `spec.name` up and returns its state (saved on disk).
pub async fn up(spec: HostSpec) -> Result<HostState, HostError> {
    state::check_name(&spec.name)?;
    if let Some(existing) = HostState::load(&spec.name)? {
        if existing.engine_alive() {
            return Err(HostError::AlreadyUp(spec.name));
        }
        // A crashed earlier incarnation: clear it first.
        down_state(&existing).await?;
    }
    let mut host = HostState::new(spec);
    host.save()?;
    let brought_up = bring_up(&mut host).await;
    if let Err(e) = brought_up {
        // Never leave half a host behind.
        let _ = down_state(&host).await;
        return Err(e);
    }
    host.save()?;
    Ok(host)
}

async fn bring_up(host: &mut HostState) -> Result<(), HostError> {
    cgroup::create(&host.cgroup, &host.spec)?;
    host.swap_file = swap::ensure(&host.spec)?;
    host.save()?;
    dockerd::create_bridge(&host.bridge, &host.spec.name)?;
    host.started(dockerd::start(host)?);
    host.save()?;
    dockerd::wait_ready(host).await
}

/// Restarts host `name`'s engine (stop, then start inside the same budget),
/// as `systemctl restart docker` would on a real host: its containers stop.
pub async fn restart(name: &str) -> Result<HostState, HostError> {
    let mut host = HostState::load(name)?.ok_or_else(|| HostError::Unknown(name.to_string()))?;
    dockerd::stop(&host).await;
    host.pid = None;
    host.daemon = None;
    host.save()?;
    host.started(dockerd::start(&host)?);
    host.save()?;
    dockerd::wait_ready(&host).await?;
    Ok(host)
}

/// Tears host `name` down completely.
pub async fn down(name: &str) -> Result<(), HostError> {
    let host = HostState::load(name)?.ok_or_else(|| HostError::Unknown(name.to_string()))?;
    down_state(&host).await
}

/// Tears a host down from its state: daemon, every process in its cgroups,
/// mounts, cgroups in every hierarchy, swap file, bridge, directories.
pub async fn down_state(host: &HostState) -> Result<(), HostError> {
    dockerd::stop(host).await;
    cgroup::kill_all(&host.cgroup).await;
    dockerd::unmount_under(&[host.exec_root(), host.data_root()]);
    cgroup::remove(&host.cgroup).await?;
    if let Some(file) = &host.swap_file {
        swap::remove(file)?;
    }
    dockerd::delete_bridge(&host.bridge);
    for dir in [host.run_dir(), host.base_dir()] {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(io_error("cannot remove host directory", &dir))?;
        }
    }
    Ok(())
}

/// Every host with saved state.
pub fn list() -> Result<Vec<HostState>, HostError> {
    state::list()
}
