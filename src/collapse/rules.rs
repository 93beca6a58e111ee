//! The rules, evaluated incrementally on operations and samples.

use super::hard::{FailureWatch, HardFailure};
use super::{Firing, Rule, Verdict};
use crate::record::{OpRecord, Outcome, Phase, SampleRow};
use crate::scenario::CollapseRules;
use std::collections::HashSet;

/// The target's budget, when it has one (emulated host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetBudget {
    pub memory_bytes: u64,
    pub swap_bytes: u64,
}

/// Evaluates every rule (each fires at most once) and watches for the hard
/// failure.
pub struct Detector {
    rules: CollapseRules,
    budget: Option<TargetBudget>,
    host_floor_bytes: u64,
    baseline_ms: Vec<f64>,
    baseline_median_ms: Option<f64>,
    slow_in_a_row: u64,
    restores_done: usize,
    oom_kills_seen: Option<u64>,
    fired: HashSet<Rule>,
    verdict: Verdict,
    hard: FailureWatch,
    /// The machine's pressure is shared with other targets (see
    /// `sharing_the_machine`).
    shared_machine: bool,
}

/// Swap a target must use before the machine's shared pressure is held
/// against it: a few pages swap out anywhere on a busy machine.
const SWAPPING_BYTES: u64 = 1 << 20;

impl Detector {
    pub fn new(rules: CollapseRules, budget: Option<TargetBudget>, host_floor_bytes: u64) -> Self {
        Detector {
            rules,
            budget,
            host_floor_bytes,
            baseline_ms: Vec::new(),
            baseline_median_ms: None,
            slow_in_a_row: 0,
            restores_done: 0,
            oom_kills_seen: None,
            fired: HashSet::new(),
            verdict: Verdict::default(),
            hard: FailureWatch::default(),
            shared_machine: false,
        }
    }

    /// The same detector for one of several targets on this machine: when
    /// pressure can only be read machine-wide (no per-cgroup PSI), a target
    /// that does not swap is not the one under pressure, so the PSI rule
    /// judges it only while it swaps.
    pub fn sharing_the_machine(mut self) -> Self {
        self.shared_machine = true;
        self
    }

    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    pub fn into_verdict(self) -> Verdict {
        self.verdict
    }

    /// Where the target failed outright, once it did.
    pub fn hard_failure(&self) -> Option<&HardFailure> {
        self.hard.failure()
    }

    /// The collapse verdict and the hard failure.
    pub fn into_parts(self) -> (Verdict, Option<HardFailure>) {
        (self.verdict, self.hard.into_failure())
    }

    /// Feeds a finished operation; returns what fired.
    pub fn on_op(&mut self, op: &OpRecord) -> Vec<Firing> {
        self.hard.on_op(op);
        if op.phase != Phase::Restore {
            return Vec::new();
        }
        self.restores_done += 1;
        let at = self.restores_done;
        let mut fired = Vec::new();
        match op.outcome {
            Outcome::Ok => self.knee(op, &mut fired),
            Outcome::Timeout => self.fire(
                Rule::OpTimeout,
                op.end_ms,
                at,
                format!(
                    "restore of '{}' took over {:.0} ms",
                    op.container, op.latency_ms
                ),
                &mut fired,
            ),
            Outcome::EngineDown => self.fire(
                Rule::EngineDown,
                op.end_ms,
                at,
                format!("restore of '{}': {}", op.container, op.error),
                &mut fired,
            ),
            _ => {}
        }
        fired
    }

    fn knee(&mut self, op: &OpRecord, fired: &mut Vec<Firing>) {
        let baseline_len = self.rules.knee_baseline.get() as usize;
        let Some(median) = self.baseline_median_ms else {
            self.baseline_ms.push(op.latency_ms);
            if self.baseline_ms.len() == baseline_len {
                self.baseline_median_ms = Some(median(&mut self.baseline_ms));
            }
            return;
        };
        let limit = median * self.rules.knee_factor.get();
        if op.latency_ms > limit {
            self.slow_in_a_row += 1;
        } else {
            self.slow_in_a_row = 0;
        }
        if self.slow_in_a_row >= self.rules.knee_consecutive.get() {
            let detail = format!(
                "{} restores in a row above {:.0} ms ({}x the median {:.0} ms of the first {}); last {:.0} ms",
                self.slow_in_a_row,
                limit,
                self.rules.knee_factor.get(),
                median,
                baseline_len,
                op.latency_ms
            );
            self.fire(
                Rule::RestoreKnee,
                op.end_ms,
                self.restores_done,
                detail,
                fired,
            );
        }
    }

    /// Feeds a sampler tick; returns what fired.
    pub fn on_sample(&mut self, sample: &SampleRow) -> Vec<Firing> {
        self.hard.on_sample(sample);
        let mut fired = Vec::new();
        let at = self.restores_done + 1;
        let t = sample.t_ms;
        self.host_floor(sample, &mut fired);
        // The target's rules judge only while the target receives containers:
        // pressure while the source launches or checkpoints says nothing about
        // the target's capacity.
        if !target_receiving(sample) {
            return fired;
        }
        if let Some(detail) = self.psi_over_limit(sample) {
            self.fire(Rule::PsiMemory, t, at, detail, &mut fired);
        }
        if let Some(detail) = self.swap_over_share(sample) {
            self.fire(Rule::SwapShare, t, at, detail, &mut fired);
        }
        let lag_limit = self.rules.sampler_lag_ms.get() as f64;
        if sample.lag_ms > lag_limit {
            let detail = format!("tick {:.0} ms late > {lag_limit:.0} ms", sample.lag_ms);
            self.fire(Rule::SamplerLag, t, at, detail, &mut fired);
        }
        if let Some(kills) = sample.target_oom_kills {
            let before = *self.oom_kills_seen.get_or_insert(kills);
            if kills > before {
                let detail = format!("{} OOM kill(s) in the target's cgroup", kills - before);
                self.fire(Rule::OomKill, t, at, detail, &mut fired);
            }
        }
        fired
    }

    fn host_floor(&mut self, sample: &SampleRow, fired: &mut Vec<Firing>) {
        if self.host_floor_bytes > 0 && sample.mem_available_bytes < self.host_floor_bytes {
            let detail = format!(
                "{} MiB available < floor {} MiB",
                sample.mem_available_bytes >> 20,
                self.host_floor_bytes >> 20
            );
            let at = self.restores_done + 1;
            self.fire(Rule::HostFloor, sample.t_ms, at, detail, fired);
        }
    }

    /// A remote target with a node exporter is judged on its own pressure
    /// (none until a scrape succeeded); any other on this machine's.
    fn psi_over_limit(&self, sample: &SampleRow) -> Option<String> {
        let limit = self.rules.psi_memory_full_pct.get();
        // A remote target's scraped pressure; else the target's own cgroup's
        // where it has one (v2); else the machine's.
        let (full_pct, what, whose) = if scraped(sample) {
            (
                sample.target_psi_memory_full_pct?,
                "full (10 s)",
                "the target",
            )
        } else {
            match sample.target_psi_memory_full_avg10 {
                Some(psi) => (psi, "full avg10", "the target's cgroup"),
                None if self.shared_machine
                    && sample.target_swap_bytes.unwrap_or(0) < SWAPPING_BYTES =>
                {
                    return None
                }
                None if self.shared_machine => (
                    sample.psi_memory_full_avg10,
                    "full avg10",
                    "the machine, while this target swaps",
                ),
                None => (sample.psi_memory_full_avg10, "full avg10", "the machine"),
            }
        };
        (full_pct > limit).then(|| format!("{what} {full_pct:.1}% > {limit}% ({whose})"))
    }

    fn swap_over_share(&self, sample: &SampleRow) -> Option<String> {
        let share = self.rules.swap_share_pct.get();
        let (used, total) = match (self.budget, sample.target_swap_bytes) {
            (Some(budget), Some(used)) => (used, budget.swap_bytes),
            // A remote target's own swap, as its node exporter last said.
            (None, used) if scraped(sample) => (used?, sample.target_swap_total_bytes?),
            _ => (sample.swap_used_bytes, sample.swap_total_bytes),
        };
        if total == 0 {
            return None;
        }
        let used_pct = used as f64 * 100.0 / total as f64;
        (used_pct > share).then(|| {
            format!(
                "swap {} MiB of {} MiB = {used_pct:.0}% > {share}%",
                used >> 20,
                total >> 20
            )
        })
    }

    fn fire(&mut self, rule: Rule, t_ms: f64, at: usize, detail: String, out: &mut Vec<Firing>) {
        if self.fired.insert(rule) {
            let firing = Firing {
                rule,
                at_restore: at,
                t_ms,
                detail,
            };
            self.verdict.push(firing.clone());
            out.push(firing);
        }
    }
}

/// Whether the target's resources come from its node exporter (a remote
/// target with `[target] metrics`).
fn scraped(sample: &SampleRow) -> bool {
    sample.target_scrape_failed.is_some()
}

/// Whether the target is taking containers at this sample: the batch's
/// restore phase, a restore in flight, or a pipeline that has restored some
/// (its checkpoints and restores overlap: the phase alone cannot tell).
fn target_receiving(sample: &SampleRow) -> bool {
    sample.phase == Phase::Restore.as_str()
        || sample.restoring > 0
        || (sample.phase == crate::record::samples::PIPELINE_PHASE && sample.migrated > 0)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
