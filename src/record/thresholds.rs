//! `[thresholds]` checked against a run's summary, like kube-burner's and
//! k6's: each limit the scenario sets, the value the run reached, and whether
//! it was breached. A breach makes the run exit 5 (after everything is written).

use super::summary::Summary;
use super::Phase;
use crate::scenario::Thresholds;
use serde::{Deserialize, Serialize};

/// One threshold and how the run did against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCheck {
    /// The field's name in `[thresholds]`.
    pub name: String,
    pub limit: f64,
    /// What the run reached (`None`: nothing to measure, e.g. no verified
    /// container for a downtime limit, or no collapse for `min_collapse_at`).
    pub actual: Option<f64>,
    pub breached: bool,
}

impl ThresholdCheck {
    /// `name: actual vs limit`, for the console and report.md.
    pub fn describe(&self) -> String {
        let actual = self
            .actual
            .map_or_else(|| "nothing measured".to_string(), |a| format!("{a:.2}"));
        let state = if self.breached { "BREACHED" } else { "ok" };
        format!("{}: {actual} (limit {}) {state}", self.name, self.limit)
    }
}

/// A limit the value must stay at or under.
fn at_most(name: &str, limit: Option<u64>, actual: Option<f64>) -> Option<ThresholdCheck> {
    let limit = limit? as f64;
    Some(ThresholdCheck {
        name: name.into(),
        limit,
        actual,
        // Nothing measured cannot show the limit was kept.
        breached: actual.is_none_or(|a| a > limit),
    })
}

/// Checks every threshold `thresholds` sets against `summary`.
pub fn evaluate(thresholds: &Thresholds, summary: &Summary) -> Vec<ThresholdCheck> {
    let p99 = |phase: Phase| {
        summary
            .phase(phase)
            .and_then(|p| p.latency)
            .map(|l| l.p99_ms)
    };
    let downtime_p99 = summary.downtime.as_ref().map(|d| d.downtime.p99_ms);
    let collapse_at = summary.collapse.point.as_ref().map(|p| p.at_restore as f64);
    let mut checks: Vec<ThresholdCheck> = [
        at_most(
            "downtime_p99_ms",
            thresholds.downtime_p99_ms.map(|v| v.get()),
            downtime_p99,
        ),
        at_most(
            "restore_p99_ms",
            thresholds.restore_p99_ms.map(|v| v.get()),
            p99(Phase::Restore),
        ),
        at_most(
            "checkpoint_p99_ms",
            thresholds.checkpoint_p99_ms.map(|v| v.get()),
            p99(Phase::Checkpoint),
        ),
        at_most(
            "max_failed",
            thresholds.max_failed.map(|v| v.get()),
            Some(summary.failures_before_collapse as f64),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(limit) = thresholds.min_migrations_per_s {
        let actual = summary.migrations.per_s;
        checks.push(ThresholdCheck {
            name: "min_migrations_per_s".into(),
            limit: limit.get(),
            actual: Some(actual),
            breached: actual < limit.get(),
        });
    }
    if let Some(limit) = thresholds.min_collapse_at {
        let limit = limit.get() as f64;
        checks.push(ThresholdCheck {
            name: "min_collapse_at".into(),
            limit,
            actual: collapse_at,
            // No collapse at all: the target took everything it was given.
            breached: collapse_at.is_some_and(|at| at < limit),
        });
    }
    checks
}
