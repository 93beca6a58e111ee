//! The run's targets made ready: every emulated one brought up (its own
//! budget, its own network when asked), each engine connected and checked,
//! and how checkpoints reach each settled. Torn down together at the end.

use super::connect_engine::connect_checked;
use super::context::TargetPlan;
use super::run_options::RunError;
use crate::engine::{Engine, EngineInfo, Intake, Role};
use crate::host::{self, HostSpec, HostState};
use crate::scenario::{FleetTarget, Scenario, TargetSpec, TransferMode};
use std::path::Path;
use std::sync::Arc;

/// A target brought up, not yet connected: its emulated host, if it is one.
pub struct TargetUp {
    pub spec: FleetTarget,
    pub host: Option<HostState>,
    pub budget: Option<HostSpec>,
}

/// A target connected: its plan, and what the environment records of it.
pub struct TargetReady {
    pub plan: TargetPlan,
    pub info: EngineInfo,
    pub host: Option<HostState>,
    pub budget: Option<HostSpec>,
}

/// Brings every emulated target of the scenario up, in order; the first
/// that fails tears down the ones before it.
pub async fn bring_up(scenario: &Scenario) -> Result<Vec<TargetUp>, RunError> {
    let mut up: Vec<TargetUp> = Vec::new();
    for (index, target) in scenario.targets.iter().enumerate() {
        let TargetSpec::Emulated(emulated) = &target.spec else {
            up.push(TargetUp {
                spec: target.clone(),
                host: None,
                budget: None,
            });
            continue;
        };
        let spec = HostSpec {
            name: super::owner::host_name(index, scenario.is_fleet()),
            memory_bytes: emulated.memory.as_u64(),
            swap_bytes: emulated.swap.as_u64(),
            cpus: emulated.cpus,
            os_reserve_bytes: emulated.os_reserve.as_u64(),
            // Checkpoints stream into it over SSH.
            ssh: scenario.transfer_mode == TransferMode::Ssh,
            bandwidth_bits_per_s: emulated.network.map(|n| n.bandwidth.bits_per_s()),
        };
        match host::up(spec.clone(), scenario.target_engine).await {
            Ok(host) => up.push(TargetUp {
                spec: target.clone(),
                host: Some(host),
                budget: Some(spec),
            }),
            Err(e) => {
                tear_down(up.iter().filter_map(|t| t.host.as_ref())).await;
                let which = match scenario.is_fleet() {
                    true => format!("target '{}'", target.name),
                    false => "the emulated target".to_string(),
                };
                return Err(RunError::Environment(format!(
                    "cannot bring {which} up: {e}"
                )));
            }
        }
    }
    Ok(up)
}

/// Tears hosts down that no run used: nothing of them is worth keeping.
pub async fn tear_down<'a>(hosts: impl Iterator<Item = &'a HostState>) {
    for host in hosts {
        let _ = host::down_state(host).await;
    }
}

/// Connects to a target brought up (the source itself when it has the
/// source's endpoint) and settles how checkpoints reach it.
pub async fn ready(
    scenario: &Scenario,
    run_id: &str,
    source: (&Arc<dyn Engine>, &EngineInfo),
    up: TargetUp,
) -> Result<TargetReady, RunError> {
    let TargetUp { spec, host, budget } = up;
    let endpoint = match (&host, spec.endpoint()) {
        (Some(host), _) => host.endpoint(),
        (None, Some(endpoint)) => endpoint.to_string(),
        (None, None) => scenario.source_endpoint.clone(),
    };
    let same_engine = endpoint == scenario.source_endpoint;
    let (engine, info) = if same_engine {
        (source.0.clone(), source.1.clone())
    } else {
        let reach = super::engine_options::target(scenario, &spec, &endpoint, host.as_ref())?;
        connect_checked(
            scenario.target_engine,
            &endpoint,
            Role::Target,
            &reach,
            scenario.op_timeout,
        )
        .await?
    };
    // The target says how checkpoints reach it: into a directory it names
    // (a transfer of its own), or inside each restore.
    let intake = engine.capabilities().intake;
    let staging_root = match (same_engine, scenario.transfer_mode, intake) {
        (false, TransferMode::Copy, Intake::Staged) => Some(
            engine
                .staging_dir(run_id)
                .await
                .map_err(|e| RunError::Environment(format!("target {e}")))?,
        ),
        _ => None,
    };
    // Another engine whose intake is its restore takes the checkpoint there:
    // as the restore request's body (copy), or streamed over SSH into the
    // clone's store (ssh). A shared directory hands over only a path.
    let transfer_in_restore = !same_engine
        && intake == Intake::InRestore
        && matches!(
            scenario.transfer_mode,
            TransferMode::Copy | TransferMode::Ssh
        );
    let plan = TargetPlan {
        name: spec.name.clone(),
        host: host_label(&info, host.as_ref()),
        engine,
        staging_root,
        link: host
            .as_ref()
            .and_then(|h| Some((h.network.clone()?, h.spec.name.clone()))),
        transfer_in_restore,
    };
    Ok(TargetReady {
        plan,
        info,
        host,
        budget,
    })
}

/// How rows name a host: `emulated:<name>`, else its engine's endpoint.
pub fn host_label(info: &EngineInfo, host: Option<&HostState>) -> String {
    match host {
        Some(host) => format!("emulated:{}", host.spec.name),
        None => info.endpoint.clone(),
    }
}

/// Keeps an emulated target's engine log in the run directory, then tears
/// it down; `label` tells the targets of a fleet apart ("target" alone).
pub async fn host_down(host: &HostState, run_dir: &Path, label: &str) {
    // Its engine may have been restarted during the run: the saved state has the new pid.
    let saved = HostState::load(&host.spec.name).ok().flatten();
    let host = saved.as_ref().unwrap_or(host);
    let kept = run_dir.join(format!("{label}-{}", host.log_name()));
    let _ = std::fs::copy(host.log_file(), kept);
    if let Some(log) = host::ssh_log(host) {
        let _ = std::fs::copy(log, run_dir.join(format!("{label}-sshd.log")));
    }
    if let Err(e) = host::down_state(host).await {
        tracing::error!("tearing down emulated host '{}': {e}", host.spec.name);
    }
}
