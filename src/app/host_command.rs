//! `migbench host`: emulated hosts brought up, restarted, torn down, listed.

use super::exit_code::{exit, internal, AppError};
use crate::cli::HostCommand;
use crate::host::{self, HostSpec};

pub async fn host_command(command: HostCommand) -> Result<u8, AppError> {
    match command {
        HostCommand::Up {
            name,
            memory,
            swap,
            cpus,
            engine,
            os_reserve,
            ssh,
            bandwidth,
        } => {
            let spec = HostSpec {
                name,
                memory_bytes: memory.as_u64(),
                swap_bytes: swap.as_u64(),
                cpus,
                os_reserve_bytes: os_reserve.as_u64(),
                ssh,
                bandwidth_bits_per_s: bandwidth.map(crate::scenario::Bandwidth::bits_per_s),
            };
            crate::preflight::check_host(&spec).map_err(|e| AppError::new(exit::BAD_INPUT, e))?;
            let state = host::up(spec, engine).await.map_err(|e| match e {
                host::HostError::BadName(_) | host::HostError::Budget(_) => {
                    AppError::new(exit::BAD_INPUT, e)
                }
                e => AppError::new(exit::NOT_READY, e),
            })?;
            println!("{} is up: endpoint {}", state.spec.name, state.endpoint());
            if let Some(net) = &state.network {
                println!(
                    "  network namespace {} (nsenter --net={}), link {} <-> {} at {}",
                    net.netns,
                    net.netns_path().display(),
                    net.peer_address,
                    net.address,
                    crate::scenario::format_bits_per_s(net.bandwidth_bits_per_s)
                );
            }
            if let Some(access) = host::ssh_access(&state) {
                // A host with a network of its own serves its engine on TCP only.
                let over_ssh = match &state.network {
                    Some(_) => String::new(),
                    None => format!(
                        "; its engine over SSH: ssh://{}{}",
                        access.destination,
                        state.socket().display()
                    ),
                };
                println!(
                    "ssh: {} (key {}){over_ssh}",
                    access.destination,
                    access.identity.unwrap_or_default().display(),
                );
            }
            Ok(exit::SUCCESS)
        }
        HostCommand::Restart { name } => {
            let state = host::restart(&name).await.map_err(|e| match e {
                host::HostError::Unknown(_) | host::HostError::BadName(_) => {
                    AppError::new(exit::BAD_INPUT, e)
                }
                e => AppError::new(exit::NOT_READY, e),
            })?;
            println!("{name} restarted: endpoint {}", state.endpoint());
            Ok(exit::SUCCESS)
        }
        HostCommand::Down { name } => {
            host::down(&name).await.map_err(|e| match e {
                // The name is wrong: bad input; anything else is the machine's.
                host::HostError::Unknown(_) | host::HostError::BadName(_) => {
                    AppError::new(exit::BAD_INPUT, e)
                }
                e => AppError::new(exit::NOT_READY, e),
            })?;
            println!("{name} is down");
            Ok(exit::SUCCESS)
        }
        HostCommand::Ls { json } => {
            let hosts = host::list().map_err(internal)?;
            if json {
                let listed = serde_json::json!({
                    "cgroup_backend": crate::cgroup::system().ok().map(|b| b.mode().to_string()),
                    "hosts": hosts.iter().map(|h| serde_json::json!({
                        "state": h,
                        "endpoint": h.endpoint(),
                        "engine_alive": h.engine_alive(),
                    })).collect::<Vec<_>>(),
                });
                let text = serde_json::to_string_pretty(&listed).map_err(internal)?;
                println!("{text}");
                return Ok(exit::SUCCESS);
            }
            match crate::cgroup::system() {
                Ok(backend) => println!("cgroup backend: {}", backend.mode()),
                Err(e) => println!("cgroup backend: none ({e})"),
            }
            if hosts.is_empty() {
                println!("no emulated hosts");
            }
            for h in hosts {
                let network = h.network.as_ref().map_or_else(
                    || "-".to_string(),
                    |n| {
                        format!(
                            "{} {}",
                            n.address,
                            crate::scenario::format_bits_per_s(n.bandwidth_bits_per_s)
                        )
                    },
                );
                println!(
                    "{:<12} memory {:>9} swap {:>9} cpus {:<5} net {:<22} {} {:<5} {}",
                    h.spec.name,
                    bytesize::ByteSize(h.spec.memory_bytes).to_string(),
                    bytesize::ByteSize(h.spec.swap_bytes).to_string(),
                    h.spec
                        .cpus
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "-".into()),
                    network,
                    h.engine,
                    if h.engine_alive() { "up" } else { "dead" },
                    h.endpoint()
                        + &host::ssh_access(&h)
                            .map(|a| format!(" ssh {}", a.destination))
                            .unwrap_or_default()
                );
            }
            Ok(exit::SUCCESS)
        }
    }
}
