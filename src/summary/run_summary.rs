//! `summary.json`: per-phase latency percentiles (HdrHistogram), verification
//! counts, service gaps, the collapse verdict, resource peaks, the projection
//! and the environment. Built from the records alone, so `migbench report`
//! can rebuild it from the CSVs of any run, even one cut short.

use super::criu_split::{criu_splits, CriuSplit};
use super::ending::{Ending, Judged, RunVerdict};
use super::harness_cost::HarnessCost;
use super::host_budget::HostBudget;
use super::migration::{self, DowntimeSummary, Migrations};
use super::thresholds::{self, Measured, ThresholdCheck};
use super::transfer::{self, TransferSummary};
use crate::collapse::{Budget, HardFailure, Projection, Reached, Verdict};
use crate::record::{OpRecord, Outcome, Phase, RoundRow, SampleRow};
use crate::scenario::{Mode, Thresholds};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::fleet_summary::{FleetSummary, TargetJudged};
use super::peaks::{peaks, Peaks};
use super::percentiles::Percentiles;

/// One phase of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseSummary {
    pub phase: Phase,
    pub count: usize,
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Latency of the successful operations.
    pub latency: Option<Percentiles>,
    /// First start to last end, seconds.
    pub wall_s: f64,
    /// Successful operations per second of wall time.
    pub throughput_per_s: f64,
    pub bytes_total: u64,
}

/// Did the restored containers continue where they stopped?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Verification {
    /// First counter after restore = last before checkpoint + 1.
    pub continued: usize,
    /// Checked, and the state did not survive.
    pub lost: usize,
    /// Not checked: an earlier phase failed or was skipped, or an engine did
    /// not answer the check (outcome `unchecked`).
    pub unchecked: usize,
    /// Pipeline mode: left running on the source when the run stopped.
    #[serde(default)]
    pub not_migrated: usize,
    /// Failed migrations restored on their source, where they continued
    /// (`on_failure = "rollback"`): failures, but no state lost.
    #[serde(default)]
    pub rolled_back: usize,
}

/// The words of a verify error whose clone continued, then died.
pub const DIED_AFTER_CONTINUING: &str = "but is no longer running";

/// The whole summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub run_id: String,
    pub scenario: String,
    /// `batch` or `pipeline`.
    #[serde(default)]
    pub mode: String,
    pub containers: usize,
    pub phases: Vec<PhaseSummary>,
    pub verification: Verification,
    /// Each verified container's downtime, as its workload measured it.
    #[serde(default)]
    pub downtime: Option<DowntimeSummary>,
    /// Verified migrations per second, end to end.
    #[serde(default)]
    pub migrations: Migrations,
    /// The transfers: bytes, effective rate, share of the migrations' time.
    #[serde(default)]
    pub transfer: Option<TransferSummary>,
    /// From the run's start to its last row, seconds.
    #[serde(default)]
    pub run_wall_s: f64,
    /// Each `[thresholds]` limit and how the run did.
    #[serde(default)]
    pub thresholds: Vec<ThresholdCheck>,
    pub collapse: Verdict,
    /// Where the target failed outright (see `collapse::hard`): an
    /// `observe` run goes on to it; `None` when it never did.
    #[serde(default)]
    pub hard_failure: Option<HardFailure>,
    pub projection: Option<Projection>,
    /// Where the measured non-reclaimable footprint reached RAM and RAM +
    /// swap, to hold the projection against.
    #[serde(default)]
    pub footprint_reached: Option<Reached>,
    pub peaks: Option<Peaks>,
    pub samples: usize,
    /// Failed operations that failed before the collapse point or the hard
    /// failure, whichever came first (all of them when there was neither); a
    /// lost state counts from the end of its restore, not from its later
    /// verification, unless the clone continued and died later (then from its
    /// check).
    pub failures_before_collapse: usize,
    /// How the run stopped.
    #[serde(default)]
    pub ending: Ending,
    /// From how it stopped, its thresholds, `failures_before_collapse` and
    /// what it found: the live run's exit code and `migbench report`'s
    /// rebuild say the same.
    #[serde(default)]
    pub verdict: RunVerdict,
    /// Why the run ended early, if it did (interrupted, collapse, fatal error).
    pub ended_early: Option<String>,
    /// Notes on the data itself (e.g. a truncated last CSV line).
    pub data_notes: Vec<String>,
    /// Kernel, engine and CRIU versions, cores, memory, swap, hosts.
    pub environment: serde_json::Value,
    /// What the harness itself cost (absent when rebuilt from CSVs).
    #[serde(default)]
    pub harness: Option<HarnessCost>,
    /// A soak's state after each round (rounds.csv), empty for one round.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<RoundRow>,
    /// Checkpoint and restore split into CRIU's time and the engine's
    /// overhead (only for engines that give CRIU's statistics).
    #[serde(default)]
    pub criu_split: Vec<CriuSplit>,
    /// Lazy restores: running again, last page in, the degraded period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lazy_restores: Option<super::LazyRestores>,
    /// Making each clone on the target before its checkpoint, outside the
    /// downtime (engines that can: Docker, runc).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepared_ahead: Option<Percentiles>,
    /// Each target of the run and the fleet as a whole (a `[target]` run is
    /// a fleet of one); absent in runs recorded before fleets existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet: Option<FleetSummary>,
}

/// What the summary is built from besides the rows.
pub struct SummaryInput<'a> {
    pub run_id: &'a str,
    pub scenario: &'a str,
    pub mode: Mode,
    pub thresholds: &'a Thresholds,
    pub containers: usize,
    pub ops: &'a [OpRecord],
    pub samples: &'a [SampleRow],
    pub collapse: Verdict,
    pub hard_failure: Option<HardFailure>,
    pub projection: Option<Projection>,
    pub ended_early: Option<String>,
    pub ending: Ending,
    pub data_notes: Vec<String>,
    pub environment: serde_json::Value,
    /// The placement policy, and what the detector said of each target.
    pub placement: &'a str,
    pub targets: Vec<TargetJudged>,
}

impl Summary {
    pub fn build(input: SummaryInput<'_>) -> Summary {
        let phases = Phase::ALL
            .iter()
            .filter_map(|&phase| phase_summary(phase, input.ops))
            .collect();
        let verify: Vec<&OpRecord> = input
            .ops
            .iter()
            .filter(|op| op.phase == Phase::Verify)
            .collect();
        let not_migrated = input
            .ops
            .iter()
            .filter(|op| op.outcome == Outcome::NotMigrated)
            .count();
        let verification = Verification {
            continued: verify.iter().filter(|op| op.outcome.is_ok()).count(),
            lost: verify.iter().filter(|op| op.outcome.is_lost()).count(),
            rolled_back: verify
                .iter()
                .filter(|op| op.outcome == Outcome::RolledBack)
                .count(),
            unchecked: input.containers.saturating_sub(
                verify
                    .iter()
                    .filter(|op| {
                        matches!(
                            op.outcome,
                            Outcome::Ok | Outcome::Failed | Outcome::Timeout | Outcome::RolledBack
                        )
                    })
                    .count()
                    + not_migrated,
            ),
            not_migrated,
        };
        // Failures from the collapse or the hard failure on are the result,
        // not failures of the run.
        let collapse_ms = input
            .collapse
            .point
            .as_ref()
            .map(|p| p.t_ms)
            .into_iter()
            .chain(input.hard_failure.as_ref().map(|h| h.t_ms))
            .fold(f64::INFINITY, f64::min);
        let restored_at_ms: HashMap<(u32, usize), f64> = input
            .ops
            .iter()
            .filter(|op| op.phase == Phase::Restore && op.outcome.is_ok())
            .map(|op| (op.migration_key(), op.end_ms))
            .collect();
        let failures_before_collapse = input
            .ops
            .iter()
            .filter(|op| op.outcome.is_failure())
            .filter(|op| failed_at_ms(op, &restored_at_ms) < collapse_ms)
            .count();
        let mut summary = Summary {
            failures_before_collapse,
            ending: input.ending,
            verdict: RunVerdict::Finished,
            run_id: input.run_id.to_string(),
            scenario: input.scenario.to_string(),
            mode: input.mode.as_str().to_string(),
            containers: input.containers,
            phases,
            verification,
            downtime: migration::downtime(input.ops),
            migrations: migration::migrations(input.ops),
            transfer: transfer::summary(input.ops),
            run_wall_s: migration::run_wall_s(input.ops, input.samples),
            thresholds: Vec::new(),
            collapse: input.collapse,
            hard_failure: input.hard_failure,
            footprint_reached: input.projection.and_then(|p| {
                let budget = Budget {
                    ram_bytes: p.ram_budget_bytes,
                    swap_bytes: p.swap_budget_bytes,
                };
                crate::collapse::reached(input.samples, budget)
            }),
            projection: input.projection,
            peaks: peaks(input.samples),
            samples: input.samples.len(),
            ended_early: input.ended_early,
            data_notes: input.data_notes,
            environment: input.environment,
            harness: None,
            rounds: Vec::new(),
            criu_split: criu_splits(input.ops),
            lazy_restores: super::lazy_restore::lazy_restores(input.ops),
            prepared_ahead: super::prepared_ahead::prepared_ahead(input.ops),
            fleet: (!input.targets.is_empty()).then(|| {
                FleetSummary::build(
                    input.placement,
                    input.containers,
                    input.ops,
                    input.samples,
                    input.targets,
                )
            }),
        };
        // Set-up's notes, then what the samples say; a rebuild keeps the
        // live run's notes, so none is said twice.
        let set_up = summary.environment.get("notes").and_then(|n| n.as_array());
        let set_up = set_up.into_iter().flatten().filter_map(|n| n.as_str());
        let notes: Vec<String> = set_up
            .map(String::from)
            .chain(super::stale_metrics::note(input.samples))
            .collect();
        for note in notes {
            if !summary.data_notes.contains(&note) {
                summary.data_notes.push(note);
            }
        }
        summary.thresholds = thresholds::evaluate(input.thresholds, &Measured::of(&summary));
        summary.verdict = summary.judge();
        summary
    }

    pub fn phase(&self, phase: Phase) -> Option<&PhaseSummary> {
        self.phases.iter().find(|p| p.phase == phase)
    }

    /// The verdict of this summary's ending, thresholds, failures and findings.
    pub fn judge(&self) -> RunVerdict {
        RunVerdict::of(Judged {
            ending: self.ending,
            collapse_found: self.collapse.point.is_some(),
            hard_failure_found: self.hard_failure.is_some(),
            failures_before_collapse: self.failures_before_collapse,
            thresholds: &self.thresholds,
        })
    }

    /// The emulated target's budget, when the target was one.
    pub fn target_budget(&self) -> Option<HostBudget> {
        HostBudget::recorded(&self.environment)
    }

    /// Operations that failed or timed out, any phase.
    pub fn failures(&self) -> usize {
        self.phases.iter().map(|p| p.failed).sum()
    }
}

/// When `op` failed, to judge it against the collapse point. A state found
/// lost at verification was lost by its restore: it counts from the moment that
/// restore ended, however late the check came; except a clone that continued
/// and then died (e.g. OOM-killed when the target failed): when it died is
/// not known, and it counts from its check. Every other failure (an unchecked
/// verification included) counts from the end of its own operation.
fn failed_at_ms(op: &OpRecord, restored_at_ms: &HashMap<(u32, usize), f64>) -> f64 {
    let died_later = op.error.contains(DIED_AFTER_CONTINUING);
    match (op.phase, op.outcome.is_lost() && !died_later) {
        (Phase::Verify, true) => restored_at_ms
            .get(&op.migration_key())
            .map_or(op.end_ms, |&restored| restored.min(op.end_ms)),
        _ => op.end_ms,
    }
}

fn phase_summary(phase: Phase, ops: &[OpRecord]) -> Option<PhaseSummary> {
    let rows: Vec<&OpRecord> = ops.iter().filter(|op| op.phase == phase).collect();
    if rows.is_empty() {
        return None;
    }
    let ok: Vec<&&OpRecord> = rows.iter().filter(|op| op.outcome.is_ok()).collect();
    // Wall time spans the operations that ran; skipped rows only mark a moment.
    let ran = || {
        rows.iter()
            .filter(|op| matches!(op.outcome, Outcome::Ok | Outcome::Failed | Outcome::Timeout))
    };
    let first_start = ran().map(|op| op.start_ms).fold(f64::INFINITY, f64::min);
    let last_end = ran().map(|op| op.end_ms).fold(0.0, f64::max);
    let wall_s = if first_start.is_finite() {
        ((last_end - first_start) / 1000.0).max(0.0)
    } else {
        0.0
    };
    Some(PhaseSummary {
        phase,
        count: rows.len(),
        ok: ok.len(),
        failed: rows.iter().filter(|op| op.outcome.is_failure()).count(),
        skipped: rows
            .iter()
            .filter(|op| {
                matches!(
                    op.outcome,
                    Outcome::Skipped | Outcome::Interrupted | Outcome::NotMigrated
                )
            })
            .count(),
        latency: Percentiles::of(ok.iter().map(|op| op.latency_ms)),
        wall_s,
        throughput_per_s: if wall_s > 0.0 {
            ok.len() as f64 / wall_s
        } else {
            0.0
        },
        bytes_total: ok.iter().filter_map(|op| op.bytes).sum(),
    })
}

#[cfg(test)]
#[path = "run_summary_tests.rs"]
mod tests;

impl Measured {
    /// What the thresholds judge, read off a summary.
    fn of(summary: &Summary) -> Measured {
        let p99 = |phase: Phase| {
            summary
                .phase(phase)
                .and_then(|p| p.latency)
                .map(|l| l.p99_ms)
        };
        Measured {
            downtime_p99_ms: summary.downtime.as_ref().map(|d| d.downtime.p99_ms),
            restore_p99_ms: p99(Phase::Restore),
            checkpoint_p99_ms: p99(Phase::Checkpoint),
            failures_before_collapse: summary.failures_before_collapse,
            migrations_per_s: summary.migrations.per_s,
            collapse_at: summary.collapse.point.as_ref().map(|p| p.at_restore),
        }
    }
}
