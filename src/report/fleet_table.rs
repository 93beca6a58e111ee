//! A fleet in words: report.md's "## Fleet" section, the console's line per
//! target, and how many hosts of the fleet's budget the batch would need.
//! A fleet of one says nothing here: the run's own summary is its target's.

use super::markdown_table::markdown_table;
use crate::record;
use crate::scenario::Scenario;
use crate::summary::{FleetSummary, Percentiles, Summary, TargetSummary};
use std::fmt::Write as _;
use std::path::Path;

/// The fleet, when the run had more than one target.
fn several(summary: &Summary) -> Option<&FleetSummary> {
    summary.fleet.as_ref().filter(|f| f.targets.len() > 1)
}

/// The target of a fleet of several whose firing is the run's collapse point.
pub fn collapsed_target(summary: &Summary) -> Option<&TargetSummary> {
    let point = summary.collapse.point.as_ref()?;
    several(summary)?
        .targets
        .iter()
        .find(|t| t.collapse.point.as_ref() == Some(point))
}

/// The memory each container was given, MiB, as the run's scenario.toml
/// recorded it; `None` when the scenario cannot be read.
pub fn workload_memory_mib(run_dir: &Path) -> Option<u64> {
    Scenario::load_recorded(&run_dir.join(record::SCENARIO_TOML))
        .ok()
        .map(|s| s.workload_memory_mib)
}

/// "400 x 16 MiB need 4 such hosts before thrashing ...", for any run whose
/// fleet projected a per-host capacity (a fleet of one too).
pub fn hosts_needed_line(summary: &Summary, workload_memory_mib: Option<u64>) -> Option<String> {
    let hosts = summary.fleet.as_ref()?.hosts_needed?;
    Some(hosts.describe(workload_memory_mib?))
}

/// "at restore 55: swap budget nearly used", or "none".
fn collapse_cell(target: &TargetSummary) -> String {
    target.collapse.point.as_ref().map_or("none".into(), |p| {
        format!("at restore {}: {}", p.at_restore, p.rule.as_str())
    })
}

fn hard_failure_cell(target: &TargetSummary) -> String {
    target.hard_failure.as_ref().map_or("none".into(), |h| {
        format!("at restore {}: {}", h.at_restore, h.cause.as_str())
    })
}

/// "~54 / ~80": the projected thrashing onset and hard failure.
fn projection_cell(target: &TargetSummary) -> String {
    let count = |c: Option<u64>| c.map_or("-".to_string(), |c| format!("~{c}"));
    target.projection.map_or("-".into(), |p| {
        format!("{} / {}", count(p.thrashing_onset), count(p.hard_failure))
    })
}

fn percentiles_cell(p: Option<Percentiles>) -> String {
    p.map_or("-".into(), |p| format!("{:.0} / {:.0}", p.p50_ms, p.p99_ms))
}

fn before_last_collapse(fleet: &FleetSummary) -> String {
    fleet
        .placed_before_last_collapse
        .map_or("not every target collapsed".into(), |n| n.to_string())
}

/// report.md's "## Fleet" section; empty unless the run had several targets.
pub fn section(summary: &Summary) -> String {
    let Some(fleet) = several(summary) else {
        return String::new();
    };
    let header = [
        "target",
        "host",
        "placed",
        "verified",
        "failed",
        "collapse",
        "hard failure",
        "projected thrashing / hard failure",
        "downtime p50 / p99 ms",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = fleet
        .targets
        .iter()
        .map(|t| {
            vec![
                t.name.clone(),
                t.host.clone(),
                t.placed.to_string(),
                t.verified.to_string(),
                t.failed.to_string(),
                collapse_cell(t),
                hard_failure_cell(t),
                projection_cell(t),
                percentiles_cell(t.downtime),
            ]
        })
        .collect();
    let mut md = format!(
        "\n## Fleet\n\nPlacement policy: **{}**, {} targets.\n\n",
        fleet.policy,
        fleet.targets.len()
    );
    md.push_str(&markdown_table(&header, &rows));
    let _ = writeln!(
        md,
        "\n- placed: {}; before the first collapse: {}; before the last collapse: {}",
        fleet.placed,
        fleet.placed_before_first_collapse,
        before_last_collapse(fleet)
    );
    let _ = writeln!(
        md,
        "- evacuation wall time: {:.1} s, {:.2} migrations/s",
        fleet.evacuation_wall_s, fleet.migrations_per_s
    );
    md
}

/// The console's lines of a fleet of several: one per target, then the
/// fleet's totals; none for a fleet of one.
pub fn console_lines(summary: &Summary) -> Vec<String> {
    let Some(fleet) = several(summary) else {
        return Vec::new();
    };
    let targets = fleet.targets.iter().map(|t| {
        let collapse = t.collapse.point.as_ref().map_or("no collapse".into(), |p| {
            format!("collapse at restore {} ({})", p.at_restore, p.rule.as_str())
        });
        let projected = t
            .projection
            .and_then(|p| p.thrashing_onset)
            .map_or(String::new(), |c| format!(", projected thrashing at ~{c}"));
        format!(
            "  {}: {} placed, {} verified, {collapse}{projected}",
            t.name, t.placed, t.verified
        )
    });
    let last = fleet
        .placed_before_last_collapse
        .map_or("not every target collapsed".into(), |n| {
            format!("{n} before the last")
        });
    std::iter::once(format!(
        "fleet ({}, {} targets): {} placed; {} before the first collapse, {last}; \
         evacuation {:.1} s, {:.2} migrations/s",
        fleet.policy,
        fleet.targets.len(),
        fleet.placed,
        fleet.placed_before_first_collapse,
        fleet.evacuation_wall_s,
        fleet.migrations_per_s
    ))
    .chain(targets)
    .collect()
}

#[cfg(test)]
#[path = "fleet_table_tests.rs"]
mod tests;
