//! A run onto a fleet, summed up per target and as a whole: what each
//! target took, where each collapsed, what each projected, and how many
//! hosts of that budget the whole batch would need. Built from the rows and
//! each target's verdict alone, like the rest of the summary.

use super::percentiles::Percentiles;
use crate::collapse::{is_row_of, Budget, HardFailure, Projection, Reached, TargetFound, Verdict};
use crate::record::{OpRecord, Phase, SampleRow};
use serde::{Deserialize, Serialize};

/// What the detector and the projection said of one target.
pub struct TargetJudged {
    pub name: String,
    pub collapse: Verdict,
    pub hard_failure: Option<HardFailure>,
    pub projection: Option<Projection>,
}

/// The run's collapse as one, and each target's: what the summary is built on.
pub struct Judgement {
    /// The first firing of any target is the run's collapse point.
    pub collapse: Verdict,
    /// The first hard failure of any target.
    pub hard_failure: Option<HardFailure>,
    /// The one target's projection, in a fleet of one.
    pub projection: Option<Projection>,
    pub targets: Vec<TargetJudged>,
}

/// Each target's verdict with its projection, fitted on its own samples
/// over the first `fit_restores` restores; and the run's as one.
pub fn judge(found: Vec<TargetFound>, samples: &[SampleRow], fit_restores: u64) -> Judgement {
    let fleet_size = found.len();
    let single = fleet_size == 1;
    let targets: Vec<TargetJudged> = found
        .into_iter()
        .map(|t| {
            let own: Vec<SampleRow> = samples
                .iter()
                .filter(|s| is_row_of(&s.target, &t.name, fleet_size))
                .cloned()
                .collect();
            let projection = t.budget.and_then(|b| {
                let budget = Budget {
                    ram_bytes: b.memory_bytes,
                    swap_bytes: b.swap_bytes,
                };
                crate::collapse::project(&own, fit_restores, budget)
            });
            TargetJudged {
                name: t.name,
                collapse: t.verdict,
                hard_failure: t.hard_failure,
                projection,
            }
        })
        .collect();
    let verdicts: Vec<&Verdict> = targets.iter().map(|t| &t.collapse).collect();
    Judgement {
        collapse: crate::collapse::first_of(&verdicts),
        hard_failure: targets
            .iter()
            .filter_map(|t| t.hard_failure.clone())
            .min_by(|a, b| a.t_ms.total_cmp(&b.t_ms)),
        projection: if single {
            targets.first().and_then(|t| t.projection)
        } else {
            None
        },
        targets,
    }
}

/// One target of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSummary {
    pub name: String,
    /// Its host as ops.csv names it (`emulated:<host>` or the endpoint).
    pub host: String,
    /// Containers restored on it.
    pub placed: usize,
    /// Of those, the ones that continued where they stopped.
    pub verified: usize,
    /// Its transfers, restores and verifications that failed.
    pub failed: usize,
    pub collapse: Verdict,
    #[serde(default)]
    pub hard_failure: Option<HardFailure>,
    #[serde(default)]
    pub projection: Option<Projection>,
    /// Where its measured footprint reached its RAM budget.
    #[serde(default)]
    pub footprint_reached: Option<Reached>,
    /// The downtime of the containers verified on it.
    #[serde(default)]
    pub downtime: Option<Percentiles>,
    #[serde(default)]
    pub restore: Option<Percentiles>,
}

/// How many hosts of the fleet's budget the whole batch would need, from
/// the targets' own projections.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HostsNeeded {
    pub containers: usize,
    /// Containers one host takes before thrashing (the mean of the targets'
    /// projected thrashing onsets).
    pub per_host_thrashing: f64,
    /// Containers one host takes before it fails outright.
    pub per_host_failure: Option<f64>,
    pub before_thrashing: usize,
    pub before_failure: Option<usize>,
    /// This fleet's size, and what it took before its last collapse.
    pub fleet_size: usize,
    pub fleet_took: usize,
}

impl HostsNeeded {
    /// "400 containers need 4 such hosts before thrashing (~108 each) and 3
    /// before failure (~160 each); this fleet of 3 took 297".
    pub fn describe(&self, memory_mib: u64) -> String {
        let failure = match (self.before_failure, self.per_host_failure) {
            (Some(hosts), Some(each)) => {
                format!(" and {hosts} before failure (~{each:.0} each)")
            }
            _ => String::new(),
        };
        format!(
            "{} x {memory_mib} MiB need {} such host{} before thrashing (~{:.0} each){failure}; \
             this fleet of {} took {}",
            self.containers,
            self.before_thrashing,
            if self.before_thrashing == 1 { "" } else { "s" },
            self.per_host_thrashing,
            self.fleet_size,
            self.fleet_took
        )
    }
}

/// The fleet as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetSummary {
    /// The placement policy (`round-robin`, `most-free`, `projection`).
    pub policy: String,
    pub targets: Vec<TargetSummary>,
    /// Containers restored (on any target).
    pub placed: usize,
    /// Restored before the first target collapsed (all of them when none did).
    pub placed_before_first_collapse: usize,
    /// Restored before the last target collapsed; `None` while one still
    /// took containers at the end.
    pub placed_before_last_collapse: Option<usize>,
    /// From the first checkpoint's start to the last restore's end, seconds.
    pub evacuation_wall_s: f64,
    /// Restores per second over that time.
    pub migrations_per_s: f64,
    #[serde(default)]
    pub hosts_needed: Option<HostsNeeded>,
}

impl FleetSummary {
    /// The fleet's summary from all rows, each target's rows picked by their
    /// `target` column; `samples` is every target's.
    pub fn build(
        policy: &str,
        containers: usize,
        ops: &[OpRecord],
        samples: &[SampleRow],
        judged: Vec<TargetJudged>,
    ) -> FleetSummary {
        let restored = |op: &&OpRecord| op.phase == Phase::Restore && op.outcome.is_ok();
        let fleet_size = judged.len();
        let targets: Vec<TargetSummary> = judged
            .into_iter()
            .map(|j| target_summary(j, fleet_size, ops, samples))
            .collect();
        let collapse_ms: Vec<f64> = targets.iter().filter_map(collapsed_at_ms).collect();
        let first = collapse_ms.iter().copied().fold(f64::INFINITY, f64::min);
        let last = collapse_ms
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let placed_by = |t_ms: f64| {
            ops.iter()
                .filter(restored)
                .filter(|op| op.end_ms <= t_ms)
                .count()
        };
        let placed = ops.iter().filter(restored).count();
        let all_collapsed = !targets.is_empty() && collapse_ms.len() == targets.len();
        let first_checkpoint = ops
            .iter()
            .filter(|op| op.phase == Phase::Checkpoint && op.outcome.is_attempted())
            .map(|op| op.start_ms)
            .fold(f64::INFINITY, f64::min);
        let last_restore = ops
            .iter()
            .filter(restored)
            .map(|op| op.end_ms)
            .fold(f64::NEG_INFINITY, f64::max);
        let wall_s = ((last_restore - first_checkpoint) / 1000.0).max(0.0);
        let evacuation_wall_s = if wall_s.is_finite() { wall_s } else { 0.0 };
        let placed_before_last_collapse = all_collapsed.then(|| placed_by(last));
        let fleet_took = placed_before_last_collapse.unwrap_or(placed);
        FleetSummary {
            policy: policy.to_string(),
            hosts_needed: hosts_needed(&targets, containers, fleet_took),
            placed,
            placed_before_first_collapse: placed_by(first),
            placed_before_last_collapse,
            migrations_per_s: if evacuation_wall_s > 0.0 {
                placed as f64 / evacuation_wall_s
            } else {
                0.0
            },
            evacuation_wall_s,
            targets,
        }
    }
}

/// When a target collapsed or failed outright, whichever came first.
fn collapsed_at_ms(target: &TargetSummary) -> Option<f64> {
    let collapse = target.collapse.point.as_ref().map(|p| p.t_ms);
    let hard = target.hard_failure.as_ref().map(|h| h.t_ms);
    match (collapse, hard) {
        (Some(c), Some(h)) => Some(c.min(h)),
        (c, h) => c.or(h),
    }
}

fn target_summary(
    judged: TargetJudged,
    fleet_size: usize,
    ops: &[OpRecord],
    samples: &[SampleRow],
) -> TargetSummary {
    let ours = |target: &str| is_row_of(target, &judged.name, fleet_size);
    let mine: Vec<&OpRecord> = ops.iter().filter(|op| ours(&op.target)).collect();
    let ok_in = |phase: Phase| {
        mine.iter()
            .filter(move |op| op.phase == phase && op.outcome.is_ok())
    };
    let my_samples: Vec<SampleRow> = samples
        .iter()
        .filter(|s| ours(&s.target))
        .cloned()
        .collect();
    let footprint_reached = judged.projection.and_then(|p| {
        let budget = Budget {
            ram_bytes: p.ram_budget_bytes,
            swap_bytes: p.swap_budget_bytes,
        };
        crate::collapse::reached(&my_samples, budget)
    });
    TargetSummary {
        host: mine
            .iter()
            .map(|op| op.target_host.clone())
            .find(|h| !h.is_empty())
            .unwrap_or_default(),
        placed: ok_in(Phase::Restore).count(),
        verified: ok_in(Phase::Verify).count(),
        failed: mine
            .iter()
            .filter(|op| {
                matches!(op.phase, Phase::Transfer | Phase::Restore | Phase::Verify)
                    && op.outcome.is_failure()
            })
            .count(),
        downtime: Percentiles::of(ok_in(Phase::Verify).filter_map(|op| op.downtime_ms)),
        restore: Percentiles::of(ok_in(Phase::Restore).map(|op| op.latency_ms)),
        footprint_reached,
        name: judged.name,
        collapse: judged.collapse,
        hard_failure: judged.hard_failure,
        projection: judged.projection,
    }
}

/// From the targets' projections (those that projected one): the mean
/// capacity of one host, and the hosts the whole batch would need.
fn hosts_needed(
    targets: &[TargetSummary],
    containers: usize,
    fleet_took: usize,
) -> Option<HostsNeeded> {
    let mean = |pick: fn(&Projection) -> Option<u64>| {
        let counts: Vec<f64> = targets
            .iter()
            .filter_map(|t| t.projection.as_ref().and_then(pick))
            .filter(|&c| c > 0)
            .map(|c| c as f64)
            .collect();
        (!counts.is_empty()).then(|| counts.iter().sum::<f64>() / counts.len() as f64)
    };
    let hosts = |each: f64| (containers as f64 / each).ceil().max(1.0) as usize;
    let per_host_thrashing = mean(|p| p.thrashing_onset)?;
    let per_host_failure = mean(|p| p.hard_failure);
    Some(HostsNeeded {
        containers,
        per_host_thrashing,
        per_host_failure,
        before_thrashing: hosts(per_host_thrashing),
        before_failure: per_host_failure.map(hosts),
        fleet_size: targets.len(),
        fleet_took,
    })
}

#[cfg(test)]
#[path = "fleet_summary_tests.rs"]
mod tests;
