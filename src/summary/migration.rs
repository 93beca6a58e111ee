//! The migration-level view of a run, from its rows alone: each container's
//! downtime as its workload measured it (and the parts the harness timed),
//! verified migrations per second end to end, and the run's wall time.

use super::percentiles::Percentiles;
use crate::record::{OpRecord, Phase, SampleRow};
use serde::{Deserialize, Serialize};

/// The parts of a downtime, each in ms (see `OpRecord::downtime_*`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct DowntimeParts {
    pub checkpoint_ms: f64,
    pub transfer_ms: f64,
    pub waiting_ms: f64,
    pub restore_ms: f64,
    pub resume_ms: f64,
}

/// The downtime of the verified containers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DowntimeSummary {
    /// Containers whose downtime was measured.
    pub measured: usize,
    pub downtime: Percentiles,
    /// The median of each part.
    pub parts_p50: DowntimeParts,
}

/// Verified migrations over the time from the first checkpoint's start to
/// the last verification's end.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Migrations {
    pub verified: usize,
    pub wall_s: f64,
    pub per_s: f64,
}

/// The downtime of every verified container with a measured one.
pub fn downtime(ops: &[OpRecord]) -> Option<DowntimeSummary> {
    let measured: Vec<&OpRecord> = ops
        .iter()
        .filter(|op| op.phase == Phase::Verify && op.outcome.is_ok())
        .filter(|op| op.downtime_ms.is_some())
        .collect();
    let downtime = Percentiles::of(measured.iter().filter_map(|op| op.downtime_ms))?;
    let p50 = |part: fn(&OpRecord) -> Option<f64>| {
        Percentiles::of(measured.iter().filter_map(|op| part(op))).map_or(0.0, |p| p.p50_ms)
    };
    Some(DowntimeSummary {
        measured: measured.len(),
        downtime,
        parts_p50: DowntimeParts {
            checkpoint_ms: p50(|op| op.downtime_checkpoint_ms),
            transfer_ms: p50(|op| op.downtime_transfer_ms),
            waiting_ms: p50(|op| op.downtime_waiting_ms),
            restore_ms: p50(|op| op.downtime_restore_ms),
            resume_ms: p50(|op| op.downtime_resume_ms),
        },
    })
}

/// Verified migrations per second, end to end.
pub fn migrations(ops: &[OpRecord]) -> Migrations {
    let verified = ops
        .iter()
        .filter(|op| op.phase == Phase::Verify && op.outcome.is_ok())
        .count();
    let first_checkpoint = ops
        .iter()
        .filter(|op| op.phase == Phase::Checkpoint && op.outcome.is_attempted())
        .map(|op| op.start_ms)
        .fold(f64::INFINITY, f64::min);
    let last_verify = ops
        .iter()
        .filter(|op| op.phase == Phase::Verify && op.outcome.is_attempted())
        .map(|op| op.end_ms)
        .fold(f64::NEG_INFINITY, f64::max);
    let wall_s = ((last_verify - first_checkpoint) / 1000.0).max(0.0);
    let wall_s = if wall_s.is_finite() { wall_s } else { 0.0 };
    Migrations {
        verified,
        wall_s,
        per_s: if wall_s > 0.0 {
            verified as f64 / wall_s
        } else {
            0.0
        },
    }
}

/// The run's wall time, seconds: from its start to its last row.
pub fn run_wall_s(ops: &[OpRecord], samples: &[SampleRow]) -> f64 {
    let last_ms = ops
        .iter()
        .map(|op| op.end_ms)
        .chain(samples.iter().map(|s| s.t_ms))
        .fold(0.0, f64::max);
    last_ms / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Outcome;

    fn row(phase: Phase, index: usize, start_ms: f64, end_ms: f64, outcome: Outcome) -> OpRecord {
        OpRecord {
            run_id: "r".into(),
            container: format!("c{index}"),
            start_ms,
            end_ms,
            latency_ms: end_ms - start_ms,
            outcome,
            ..OpRecord::new(phase, index)
        }
    }

    #[test]
    fn migrations_per_second_span_first_checkpoint_to_last_verification() {
        let ops = vec![
            row(Phase::Launch, 0, 0.0, 500.0, Outcome::Ok),
            row(Phase::Checkpoint, 0, 1000.0, 1200.0, Outcome::Ok),
            row(Phase::Checkpoint, 1, 1200.0, 1400.0, Outcome::Ok),
            row(Phase::Verify, 0, 2000.0, 2500.0, Outcome::Ok),
            row(Phase::Verify, 1, 2500.0, 3000.0, Outcome::Failed),
        ];
        let m = migrations(&ops);
        assert_eq!(m.verified, 1);
        assert!((m.wall_s - 2.0).abs() < 1e-9);
        assert!((m.per_s - 0.5).abs() < 1e-9);
        assert!((run_wall_s(&ops, &[]) - 3.0).abs() < 1e-9);
        assert_eq!(migrations(&[]).per_s, 0.0);
    }

    #[test]
    fn downtime_counts_only_verified_containers_with_a_measure() {
        let mut a = row(Phase::Verify, 0, 0.0, 1.0, Outcome::Ok);
        a.downtime_ms = Some(800.0);
        a.downtime_restore_ms = Some(300.0);
        let mut b = row(Phase::Verify, 1, 0.0, 1.0, Outcome::Failed);
        b.downtime_ms = Some(90_000.0);
        let c = row(Phase::Verify, 2, 0.0, 1.0, Outcome::Ok);
        let summary = downtime(&[a, b, c]).expect("one measured");
        assert_eq!(summary.measured, 1);
        assert!((summary.downtime.p99_ms - 800.0).abs() < 1.0);
        assert!((summary.parts_p50.restore_ms - 300.0).abs() < 1.0);
        assert_eq!(downtime(&[]), None);
    }
}
