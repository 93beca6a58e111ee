//! The targets of a scenario: `[target]` (a fleet of one, named
//! [`TARGET_NAME`]) or `[[targets]]` (a fleet, each entry named). Every
//! target is resolved and checked by the same rules, its errors naming it.

use super::checked::{Endpoint, TargetName, TARGET_NAME};
use super::file::{ScenarioFile, TargetFile, TransferMode};
use super::metrics_url::{default_interval_ms, MetricsSource};
use super::ranged::Ranged;
use super::ssh_settings;
use super::validated::{FleetTarget, TargetSpec};
use crate::engine::EngineKind;
use crate::quote::quote;

/// The most target names an error lists (a hostile file may give thousands).
pub const NAMES_SHOWN: usize = 10;

/// `'a', 'b', 'c'`: quoted names, the first [`NAMES_SHOWN`] of them.
pub fn listed(names: &[&str]) -> String {
    let mut shown: Vec<String> = names.iter().take(NAMES_SHOWN).map(|n| quote(n)).collect();
    if names.len() > NAMES_SHOWN {
        shown.push(format!("and {} more", names.len() - NAMES_SHOWN));
    }
    shown.join(", ")
}

/// What every target inherits from the rest of the file, resolved.
pub(super) struct Inherited {
    /// The source's engine kind: a checkpoint cannot cross kinds.
    pub engine: EngineKind,
    /// The source's endpoint: a target given neither endpoint nor emulate uses it.
    pub endpoint: Endpoint,
    pub transfer: TransferMode,
    /// The sampler's interval, ms: a node exporter is scraped no faster by default.
    pub sample_interval_ms: u64,
}

/// The targets as written: `[target]` alone, or the `[[targets]]` entries.
fn entries(file: &ScenarioFile) -> &[TargetFile] {
    if file.targets.is_empty() {
        std::slice::from_ref(&file.target)
    } else {
        &file.targets
    }
}

/// Resolves every target's inherited defaults and checks its rules: one way
/// of giving the targets, each entry named once, no soak across a fleet.
pub(super) fn resolve(file: &mut ScenarioFile, inherited: &Inherited) -> Result<(), String> {
    if file.targets.is_empty() {
        if file.target.name.is_some() {
            return Err(format!(
                "[target] name: the one target of [target] is named '{TARGET_NAME}'; \
                 drop 'name', or make it a [[targets]] entry"
            ));
        }
        return resolve_one("[target]", &mut file.target, inherited);
    }
    if !file.target.is_empty() {
        return Err(
            "[target] and [[targets]] both give targets: use [target] for one target, or \
             [[targets]] (each entry with a name) for a fleet, not both"
                .into(),
        );
    }
    let names = names(&file.targets)?;
    if names.len() > 1 && file.rounds.get() > 1 {
        return Err(format!(
            "rounds = {}: a soak goes back and forth between the source and one target, \
             and [[targets]] gives {} ({}): use rounds = 1 with a fleet, or one target",
            file.rounds.get(),
            names.len(),
            listed(&names.iter().map(String::as_str).collect::<Vec<_>>())
        ));
    }
    for (name, entry) in names.iter().zip(file.targets.iter_mut()) {
        resolve_one(&format!("[[targets]] {}", quote(name)), entry, inherited)?;
    }
    Ok(())
}

/// Each entry's name; refuses an entry without one and a name given twice.
fn names(entries: &[TargetFile]) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let Some(name) = &entry.name else {
            return Err(format!(
                "[[targets]] entry {} has no 'name': give each target a short name of its \
                 own (lowercase letters, digits, '-'), e.g. name = \"a\"",
                i + 1
            ));
        };
        if let Some(first) = names.iter().position(|n| n == name.as_str()) {
            return Err(format!(
                "[[targets]] entries {} and {} are both named {}: each target needs a \
                 name of its own",
                first + 1,
                i + 1,
                quote(name.as_str())
            ));
        }
        names.push(name.as_str().to_string());
    }
    Ok(names)
}

/// One target's defaults and rules; `label` names it in errors.
fn resolve_one(label: &str, target: &mut TargetFile, inherited: &Inherited) -> Result<(), String> {
    if target.endpoint.is_some() && target.emulate.is_some() {
        return Err(format!(
            "{label}: give either 'endpoint' or 'emulate', not both"
        ));
    }
    if target.emulate.is_some() && target.metrics.is_some() {
        return Err(format!(
            "{label}: 'metrics' is for a target on another machine; an emulated host's \
             cgroup is read directly (a node exporter would see this whole machine): drop \
             'metrics' or 'emulate'"
        ));
    }
    if target.metrics.is_none() && target.metrics_interval_ms.is_some() {
        return Err(format!(
            "{label}: 'metrics_interval_ms' needs 'metrics' (the node exporter's URL)"
        ));
    }
    if target.metrics.is_some() && target.metrics_interval_ms.is_none() {
        let ms = default_interval_ms(inherited.sample_interval_ms);
        target.metrics_interval_ms = Some(Ranged::try_from(ms as i64)?);
    }
    let source_engine = inherited.engine;
    let engine = *target.engine.get_or_insert(source_engine);
    if engine != source_engine {
        return Err(format!(
            "[source] engine '{source_engine}' and {label} engine '{engine}': a checkpoint \
             cannot move between engines of different kinds (their checkpoint formats \
             differ); use the same engine on both sides"
        ));
    }
    if target.emulate.is_none() {
        target
            .endpoint
            .get_or_insert_with(|| inherited.endpoint.clone());
    }
    ssh_settings::check_target(label, target, inherited.transfer, &inherited.endpoint)?;
    if engine == EngineKind::Runc && target.ssh.is_some() {
        return Err(format!(
            "{label} ssh: a runc target runs on this machine (a remote runc over SSH is not \
             supported yet); checkpoints reach an emulated runc host over SSH at its own \
             sshd: drop 'ssh' and use emulate = {{...}}"
        ));
    }
    Ok(())
}

/// The validated fleet of a resolved file, in the file's order; an entry
/// without a name is `[target]`'s, one without an endpoint the source's.
pub(super) fn fleet(file: &ScenarioFile, source_endpoint: &str) -> Vec<FleetTarget> {
    entries(file)
        .iter()
        .map(|target| FleetTarget {
            name: target
                .name
                .as_ref()
                .map_or(TARGET_NAME, TargetName::as_str)
                .to_string(),
            spec: match (&target.emulate, &target.endpoint) {
                (Some(budget), _) => TargetSpec::Emulated(budget.clone()),
                (None, endpoint) => TargetSpec::Endpoint(
                    endpoint
                        .as_ref()
                        .map_or(source_endpoint, Endpoint::as_str)
                        .to_string(),
                ),
            },
            metrics: target
                .metrics
                .clone()
                .zip(target.metrics_interval_ms)
                .map(|(url, ms)| MetricsSource::new(url, ms.get())),
            ssh: target.ssh.clone().map(|t| t.0),
            ssh_identity: target.ssh_identity.clone().map(|i| i.0),
        })
        .collect()
}
