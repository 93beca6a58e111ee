//! From the file as written (overrides applied) to the validated
//! [`Scenario`]: the one cross-field check, the inherited defaults resolved,
//! and the effective scenario written out as TOML for the run directory.

use super::checked::Endpoint;
use super::defaults;
use super::file::PlacementPolicy;
use super::file::{PhaseFile, ScenarioFile, TransferMode};
use super::metrics_url::{default_interval_ms, MetricsSource};
use super::ranged::Ranged;
use super::ssh_settings::{self, SshSettings};
use super::validated::{FleetTarget, Pacing, Scenario, TargetSpec};

/// The name of the one target of a scenario with `[target]`.
pub const TARGET_NAME: &str = "target";
use crate::engine::{EngineKind, Strategy};
use std::time::Duration;

impl ScenarioFile {
    /// Cross-field checks and conversion into the validated [`Scenario`];
    /// its `source_text` is `header` and then the effective scenario as TOML.
    pub(super) fn into_scenario(self, header: &str) -> Result<Scenario, String> {
        let effective = self.resolved()?;
        let body = toml::to_string(&effective)
            .map_err(|e| format!("cannot write the effective scenario out: {e}"))?;
        let pacing = |phase: &PhaseFile| Pacing {
            concurrency: phase
                .concurrency
                .unwrap_or_else(defaults::concurrency)
                .get() as usize,
            pause: Duration::from_millis(phase.pause_ms.get()),
        };
        let checkpoint = pacing(&effective.checkpoint);
        let restore = pacing(&effective.restore);
        let in_flight = effective.concurrency.map_or_else(
            || checkpoint.concurrency.max(restore.concurrency),
            |c| c.get() as usize,
        );
        let ssh = SshSettings::of(&effective);
        let source_engine = effective.source.engine.unwrap_or_default();
        let target_engine = effective.target.engine.unwrap_or(source_engine);
        let source_endpoint = effective.source.endpoint.map_or_else(
            || source_engine.default_endpoint().to_string(),
            String::from,
        );
        let spec = match (
            effective.target.emulate.clone(),
            effective.target.endpoint.clone(),
        ) {
            (Some(budget), _) => TargetSpec::Emulated(budget),
            (None, endpoint) => {
                TargetSpec::Endpoint(endpoint.map_or_else(|| source_endpoint.clone(), String::from))
            }
        };
        let sample_interval = Duration::from_millis(effective.sampler.interval_ms.get());
        let metrics = effective
            .target
            .metrics
            .clone()
            .zip(effective.target.metrics_interval_ms);
        let metrics = metrics.map(|(url, ms)| MetricsSource::new(url, ms.get()));
        let targets = vec![FleetTarget {
            name: TARGET_NAME.to_string(),
            spec,
            metrics,
            ssh: ssh.target.clone(),
            ssh_identity: ssh.target_identity.clone(),
        }];
        Ok(Scenario {
            name: effective.name.into_inner(),
            containers: effective.containers.get() as usize,
            mode: effective.mode,
            in_flight,
            thresholds: effective.thresholds.clone(),
            tick: Duration::from_millis(effective.workload.tick_ms.get()),
            warmup: Duration::from_secs(effective.warmup_s.get()),
            op_timeout: Duration::from_secs(effective.timeout_s.get()),
            checkpoint,
            restore,
            workload_memory_mib: effective.workload.memory_mib.get(),
            log_interval: Duration::from_millis(effective.workload.log_interval_ms.get()),
            source_engine,
            source_endpoint,
            target_engine,
            targets,
            placement: PlacementPolicy::default(),
            transfer_mode: effective.transfer.mode,
            transfer_stall: Duration::from_secs(effective.transfer.stall_s.get()),
            ssh,
            checkpoint_dir: effective.transfer.checkpoint_dir.into_inner(),
            sample_interval,
            collapse: effective.collapse,
            guard_policy: effective.guard.policy,
            on_failure: effective.on_failure,
            rounds: effective.rounds.get() as u32,
            strategy: effective.strategy,
            host_min_available_mib: effective.guard.host_min_available_mib.get(),
            source_text: format!("{header}{body}"),
        })
    }

    /// The same scenario with every inherited default written out: each
    /// phase's concurrency (the top-level shorthand, else 1), the source
    /// endpoint, and the target endpoint (the source's, unless emulated).
    fn resolved(mut self) -> Result<ScenarioFile, String> {
        if self.target.endpoint.is_some() && self.target.emulate.is_some() {
            return Err("[target]: give either 'endpoint' or 'emulate', not both".into());
        }
        if self.target.emulate.is_some() && self.target.metrics.is_some() {
            return Err(
                "[target]: 'metrics' is for a target on another machine; an emulated \
                 host's cgroup is read directly (a node exporter would see this whole \
                 machine): drop 'metrics' or 'emulate'"
                    .into(),
            );
        }
        if self.target.metrics.is_none() && self.target.metrics_interval_ms.is_some() {
            return Err(
                "[target]: 'metrics_interval_ms' needs 'metrics' (the node exporter's URL)".into(),
            );
        }
        if self.target.metrics.is_some() && self.target.metrics_interval_ms.is_none() {
            let ms = default_interval_ms(self.sampler.interval_ms.get());
            self.target.metrics_interval_ms = Some(Ranged::try_from(ms as i64)?);
        }
        // The shorthand stays written out: in pipeline mode it is also the
        // number of migrations in flight.
        let shared = self.concurrency.unwrap_or_else(defaults::concurrency);
        self.checkpoint.concurrency.get_or_insert(shared);
        self.restore.concurrency.get_or_insert(shared);
        let source_engine = *self.source.engine.get_or_insert(EngineKind::default());
        let target_engine = *self.target.engine.get_or_insert(source_engine);
        if target_engine != source_engine {
            return Err(format!(
                "[source] engine '{source_engine}' and [target] engine '{target_engine}': a \
                 checkpoint cannot move between engines of different kinds (their checkpoint \
                 formats differ); use the same engine on both sides"
            ));
        }
        let source = self
            .source
            .endpoint
            .get_or_insert_with(|| Endpoint::known(source_engine.default_endpoint()))
            .clone();
        if self.target.emulate.is_none() {
            self.target.endpoint.get_or_insert(source);
        }
        ssh_settings::check(&self)?;
        check_runc(&self, source_engine)?;
        if self.rounds.get() > 1 && self.transfer.mode == TransferMode::Ssh {
            return Err(format!(
                "rounds = {}: a soak migrates back to the source, and transfer.mode = \"ssh\" \
                 streams checkpoints one way only (into the target's store); use \
                 transfer.mode = \"copy\" or rounds = 1",
                self.rounds.get()
            ));
        }
        Ok(self)
    }
}

/// What only runc does (lazy strategies), and what a runc target cannot be.
fn check_runc(file: &ScenarioFile, engine: EngineKind) -> Result<(), String> {
    if file.strategy != Strategy::StopAndCopy && engine != EngineKind::Runc {
        return Err(format!(
            "strategy = \"{}\" needs engine \"runc\": {engine} exposes no lazy pages; \
             use strategy = \"stop-and-copy\" or --set source.engine=runc",
            file.strategy
        ));
    }
    if engine == EngineKind::Runc && file.target.ssh.is_some() {
        return Err(
            "[target] ssh: a runc target runs on this machine (a remote runc over SSH is not \
             supported yet); checkpoints reach an emulated runc host over SSH at its own sshd: \
             drop 'ssh' and use emulate = {...}"
                .into(),
        );
    }
    Ok(())
}
