//! From the file as written (overrides applied) to the validated
//! [`Scenario`]: the cross-field checks, the inherited defaults resolved (the
//! targets' in `fleet`), and the effective scenario written out as TOML for
//! the run directory.

use super::checked::Endpoint;
use super::defaults;
use super::file::{PhaseFile, ScenarioFile, TransferMode};
use super::fleet::{self, Inherited};
use super::ssh_settings::{self, SshSettings};
use super::validated::{Pacing, Scenario};
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
        let ssh = SshSettings::of(&effective.source);
        let source_engine = effective.source.engine.unwrap_or_default();
        let source_endpoint = effective.source.endpoint.clone().map_or_else(
            || source_engine.default_endpoint().to_string(),
            String::from,
        );
        let targets = fleet::fleet(&effective, &source_endpoint);
        let sample_interval = Duration::from_millis(effective.sampler.interval_ms.get());
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
            // Every target's engine is the source's (checked in `fleet`).
            target_engine: source_engine,
            targets,
            placement: effective.placement.policy,
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
    /// phase's concurrency (the top-level shorthand, else 1), the source's
    /// engine and endpoint, and each target's (see `fleet`).
    fn resolved(mut self) -> Result<ScenarioFile, String> {
        // The shorthand stays written out: in pipeline mode it is also the
        // number of migrations in flight.
        let shared = self.concurrency.unwrap_or_else(defaults::concurrency);
        self.checkpoint.concurrency.get_or_insert(shared);
        self.restore.concurrency.get_or_insert(shared);
        let source_engine = *self.source.engine.get_or_insert(EngineKind::default());
        let source = self
            .source
            .endpoint
            .get_or_insert_with(|| Endpoint::known(source_engine.default_endpoint()))
            .clone();
        ssh_settings::check_source(&self.source)?;
        check_strategy(self.strategy, source_engine)?;
        let inherited = Inherited {
            engine: source_engine,
            endpoint: source,
            transfer: self.transfer.mode,
            sample_interval_ms: self.sampler.interval_ms.get(),
        };
        fleet::resolve(&mut self, &inherited)?;
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

/// Only runc exposes lazy pages.
fn check_strategy(strategy: Strategy, engine: EngineKind) -> Result<(), String> {
    if strategy != Strategy::StopAndCopy && engine != EngineKind::Runc {
        return Err(format!(
            "strategy = \"{strategy}\" needs engine \"runc\": {engine} exposes no lazy pages; \
             use strategy = \"stop-and-copy\" or --set source.engine=runc"
        ));
    }
    Ok(())
}
