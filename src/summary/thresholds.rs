//! `[thresholds]` checked against a run's summary, like kube-burner's and
//! k6's: each limit the scenario sets, the value the run reached, and whether
//! it was breached. A breach makes the run exit 5 (after everything is written).

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

/// What a run reached, as far as the thresholds judge it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measured {
    pub downtime_p99_ms: Option<f64>,
    pub restore_p99_ms: Option<f64>,
    pub checkpoint_p99_ms: Option<f64>,
    pub failures_before_collapse: usize,
    pub migrations_per_s: f64,
    /// The restore the collapse was found at, if it was.
    pub collapse_at: Option<usize>,
}

/// Checks every threshold `thresholds` sets against what the run reached.
pub fn evaluate(thresholds: &Thresholds, measured: &Measured) -> Vec<ThresholdCheck> {
    let downtime_p99 = measured.downtime_p99_ms;
    let collapse_at = measured.collapse_at.map(|at| at as f64);
    let mut checks: Vec<ThresholdCheck> = [
        at_most(
            "downtime_p99_ms",
            thresholds.downtime_p99_ms.map(|v| v.get()),
            downtime_p99,
        ),
        at_most(
            "restore_p99_ms",
            thresholds.restore_p99_ms.map(|v| v.get()),
            measured.restore_p99_ms,
        ),
        at_most(
            "checkpoint_p99_ms",
            thresholds.checkpoint_p99_ms.map(|v| v.get()),
            measured.checkpoint_p99_ms,
        ),
        at_most(
            "max_failed",
            thresholds.max_failed.map(|v| v.get()),
            Some(measured.failures_before_collapse as f64),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(limit) = thresholds.min_migrations_per_s {
        let actual = measured.migrations_per_s;
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
