//! Emulated target hosts: a second engine (a dockerd, or a Podman service)
//! whose daemon, runtime processes and containers are all charged to one
//! cgroup budget (memory, memory plus swap, CPU quota), like a small VM, on
//! the harness's own machine. The harness itself stays outside the budget, so
//! it survives the host's collapse.
//!
//! State lives in `/var/lib/migbench/hosts/<name>/state.json`, so `ls` and
//! `down` work from another shell and after a crash.

mod dockerd;
mod host_cgroup;
mod host_error;
pub mod network;
mod podman_service;
mod reserve;
mod runtime_state;
mod sshd;
mod state;
mod swap;
mod tools;

pub use host_error::{io_error, HostError};
pub use reserve::PROGRAM as RESERVE_PROGRAM;
pub use sshd::{
    access as ssh_access, access_to as ssh_access_to, log_file as ssh_log, SshdState, SSHD,
};
pub use state::{list, HostSpec, HostState, HOSTS_DIR, RUN_DIR};
pub use swap::{file_bytes as swap_file_bytes, SWAP_DIR};
pub(crate) use tools::run;

use crate::engine::EngineKind;
use std::time::{Duration, Instant};

/// How long a host's engine may take to answer after its start.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Brings host `spec.name` up with an `engine` and returns its state (saved on disk).
pub async fn up(spec: HostSpec, engine: EngineKind) -> Result<HostState, HostError> {
    state::check_name(&spec.name)?;
    if let Some(existing) = HostState::load(&spec.name)? {
        if existing.engine_alive() {
            return Err(HostError::AlreadyUp(spec.name));
        }
        // A crashed earlier incarnation: clear it first.
        down_state(&existing).await?;
    }
    let mut host = HostState::new(spec, engine);
    host.save()?;
    if let Err(e) = bring_up(&mut host).await {
        // Never leave half a host behind: its swap file least of all.
        let _ = down_state(&host).await;
        return Err(e);
    }
    Ok(host)
}

async fn bring_up(host: &mut HostState) -> Result<(), HostError> {
    host_cgroup::create(&host.cgroup, &host.spec)?;
    if let Some(bits_per_s) = host.spec.bandwidth_bits_per_s {
        // Two processes bringing hosts up at once: the subnet is chosen and
        // its addresses set up under one machine-wide claim, so the second
        // sees the first's subnet taken.
        let _claim = network::SubnetClaim::take()?;
        // Recorded before anything of it exists, as the swap file is.
        host.network = Some(network::plan(&host.spec.name, bits_per_s)?);
        host.save()?;
        if let Some(net) = &host.network {
            network::create(net)?;
        }
    }
    if let Some(file) = swap::plan(&host.spec) {
        // Recorded before it exists, so `down` and `clean` find it even when
        // this process dies while `fallocate` runs.
        host.swap_file = Some(file.clone());
        host.save()?;
        swap::create(&file, host.spec.swap_bytes)?;
    }
    if let Some(pid) = start_engine(host)? {
        host.started(pid);
    }
    host.save()?;
    wait_ready(host).await?;
    host.save()?;
    if host.spec.os_reserve_bytes > 0 {
        let pid = reserve::start(host)?;
        host.reserve = crate::process::ProcessStamp::of(pid);
        host.save()?;
        reserve::wait_filled(host, pid).await?;
    }
    if host.spec.ssh {
        // A host with a network of its own serves SSH on its own address.
        let listen = match &host.network {
            Some(network) => sshd::Listen {
                address: std::net::IpAddr::V4(network.address),
                netns: Some(network.netns_path()),
            },
            None => sshd::Listen::loopback(),
        };
        sshd::start(host, listen)?;
    }
    Ok(())
}

/// Starts the host's engine inside its budget; returns the engine's pid,
/// when it has a daemon.
fn start_engine(host: &HostState) -> Result<Option<u32>, HostError> {
    Ok(Some(match host.engine {
        EngineKind::Docker => {
            // In a namespace of its own, the engine cannot touch this
            // machine's docker0 and needs no bridge (see dockerd::start).
            if host.network.is_none() {
                dockerd::create_bridge(&host.bridge, &host.spec.name)?;
            }
            dockerd::start(host)?
        }
        EngineKind::Podman => podman_service::start(host)?,
        EngineKind::Runc => {
            // Containers go into the budget by their cgroup path (the engine
            // is told the host's cgroup); runc keeps its state in the data root.
            let data = host.data_root();
            std::fs::create_dir_all(&data).map_err(io_error("cannot create directory", &data))?;
            return Ok(None);
        }
    }))
}

/// Waits until the host's engine answers.
async fn wait_ready(host: &HostState) -> Result<(), HostError> {
    let started = Instant::now();
    while started.elapsed() < READY_TIMEOUT {
        // A networked host has no socket: its TCP address answers when ready.
        // A runc host has no daemon: runc answers from its first moment.
        let listening = match host.engine {
            EngineKind::Runc => true,
            _ => host.network.is_some() || host.socket().exists(),
        };
        if listening {
            if let Ok(engine) =
                crate::engine::connect(host.engine, &host.endpoint(), Duration::from_secs(5))
            {
                if engine.info().await.is_ok() {
                    return Ok(());
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(HostError::EngineStart {
        name: host.spec.name.clone(),
        seconds: READY_TIMEOUT.as_secs(),
        log: host.log_file(),
    })
}

/// Restarts host `name`'s engine (stop, then start inside the same budget),
/// as a service restart would on a real host: its containers stop.
pub async fn restart(name: &str) -> Result<HostState, HostError> {
    state::check_name(name)?;
    let mut host = HostState::load(name)?.ok_or_else(|| HostError::Unknown(name.to_string()))?;
    if host.engine == EngineKind::Runc {
        return Err(HostError::Unsupported(format!(
            "host '{name}' runs runc, which has no daemon to restart"
        )));
    }
    dockerd::stop(&host).await;
    host.pid = None;
    host.daemon = None;
    host.save()?;
    if let Some(pid) = start_engine(&host)? {
        host.started(pid);
    }
    host.save()?;
    wait_ready(&host).await?;
    Ok(host)
}

/// Tears host `name` down completely.
pub async fn down(name: &str) -> Result<(), HostError> {
    state::check_name(name)?;
    let host = HostState::load(name)?.ok_or_else(|| HostError::Unknown(name.to_string()))?;
    down_state(&host).await
}

/// Tears a host down from its state: sshd (and its keys), daemon, OS reserve,
/// every process in its cgroups, mounts, cgroups in every hierarchy, swap
/// file, bridge, network (link, qdiscs, namespace: once every process in it
/// has ended), directories. A step
/// that fails does not stop the others (a swap file left behind fills the
/// disk); the first failure is returned.
pub async fn down_state(host: &HostState) -> Result<(), HostError> {
    sshd::stop(host).await;
    dockerd::stop(host).await;
    reserve::stop(host);
    host_cgroup::kill_all(&host.cgroup).await;
    dockerd::unmount_under(&[host.exec_root(), host.data_root(), host.run_dir()]);
    let mut first_error = host_cgroup::remove(&host.cgroup).await.err();
    if let Some(file) = &host.swap_file {
        if let Err(e) = swap::remove(file) {
            first_error.get_or_insert(e);
        }
    }
    dockerd::delete_bridge(&host.bridge);
    if let Some(net) = &host.network {
        if let Err(e) = network::remove(net) {
            first_error.get_or_insert(e);
        }
    }
    if first_error.is_none() {
        // The state is kept while anything else is left, so `clean` retries.
        for dir in [host.run_dir(), host.base_dir()] {
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .map_err(io_error("cannot remove host directory", &dir))?;
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Removes swap files whose host is gone (no saved state with a live
/// engine, and no live run named it); returns one line per file.
pub fn remove_orphan_swap_files(run_still_going: impl Fn(&str) -> bool) -> Vec<String> {
    swap::remove_orphans(|name| {
        run_still_going(name)
            || HostState::load(name)
                .ok()
                .flatten()
                .is_some_and(|host| host.engine_alive())
    })
}

/// Removes runc's state of stopped containers of Podman hosts that are gone
/// (and that no live run named); returns one line per container.
pub fn remove_orphan_runtime_state(run_still_going: impl Fn(&str) -> bool) -> Vec<String> {
    runtime_state::remove_orphans(run_still_going)
}

/// Removes the namespaces and links of hosts whose state is gone (and that
/// no live run named); returns one line per host.
pub fn remove_orphan_networks(run_still_going: impl Fn(&str) -> bool) -> Vec<String> {
    network::remove_orphans(run_still_going)
}
