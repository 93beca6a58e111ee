//! The transfers of a run, from its rows: how much crossed, at what
//! effective rate, and what share of the migrations' time they took.

use crate::record::ops::rate_mb_per_s;
use crate::record::{OpRecord, Phase};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Effective rates of the successful transfers, MB/s (10^6 bytes per second).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateStats {
    pub p50_mb_per_s: f64,
    pub min_mb_per_s: f64,
    pub max_mb_per_s: f64,
    /// All their bytes over all their time.
    pub overall_mb_per_s: f64,
}

/// The run's transfers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TransferSummary {
    /// Successful transfers.
    pub count: usize,
    pub bytes_total: u64,
    pub rate: RateStats,
    /// Their time over the time of their migrations' own operations
    /// (checkpoint, transfer, restore; a transfer inside its restore counted
    /// once, and a batch's waiting between them not at all), in %: what
    /// share of moving a container the transfer was.
    pub share_of_migration_pct: f64,
}

/// The transfers' summary; `None` when no transfer succeeded.
pub fn summary(ops: &[OpRecord]) -> Option<TransferSummary> {
    let transfers: Vec<&OpRecord> = ops
        .iter()
        .filter(|op| op.phase == Phase::Transfer && op.outcome.is_ok())
        .filter(|op| op.bytes.is_some() && op.latency_ms > 0.0)
        .collect();
    if transfers.is_empty() {
        return None;
    }
    let mut rates: Vec<f64> = transfers
        .iter()
        .map(|op| {
            op.rate_mb_per_s
                .unwrap_or_else(|| rate_mb_per_s(op.bytes.unwrap_or(0), op.latency_ms))
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    let bytes_total: u64 = transfers.iter().filter_map(|op| op.bytes).sum();
    let ms_total: f64 = transfers.iter().map(|op| op.latency_ms).sum();
    Some(TransferSummary {
        count: transfers.len(),
        bytes_total,
        rate: RateStats {
            // The lower median: a value some transfer really had.
            p50_mb_per_s: rates[(rates.len() - 1) / 2],
            min_mb_per_s: rates[0],
            max_mb_per_s: rates[rates.len() - 1],
            overall_mb_per_s: rate_mb_per_s(bytes_total, ms_total),
        },
        share_of_migration_pct: share_of_migration_pct(ops, &transfers),
    })
}

/// Transfer time over the time of each migration's own operations, summed
/// over the containers whose checkpoint, transfer and restore all
/// succeeded, in %. A transfer that lies inside its restore (the engine
/// took the checkpoint as its request's body) is already in the restore's time.
fn share_of_migration_pct(ops: &[OpRecord], transfers: &[&OpRecord]) -> f64 {
    let ok_row = |phase: Phase| -> HashMap<(u32, usize), &OpRecord> {
        ops.iter()
            .filter(|op| op.phase == phase && op.outcome.is_ok())
            .map(|op| (op.migration_key(), op))
            .collect()
    };
    let (checkpoints, restores) = (ok_row(Phase::Checkpoint), ok_row(Phase::Restore));
    let (mut transfer_ms, mut migration_ms) = (0.0, 0.0);
    for transfer in transfers {
        let key = transfer.migration_key();
        if let (Some(checkpoint), Some(restore)) = (checkpoints.get(&key), restores.get(&key)) {
            let inside_restore =
                transfer.start_ms >= restore.start_ms && transfer.end_ms <= restore.end_ms;
            transfer_ms += transfer.latency_ms;
            migration_ms += checkpoint.latency_ms + restore.latency_ms;
            if !inside_restore {
                migration_ms += transfer.latency_ms;
            }
        }
    }
    if migration_ms > 0.0 {
        (transfer_ms / migration_ms * 1000.0).round() / 10.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Outcome;

    fn row(phase: Phase, index: usize, start_ms: f64, end_ms: f64) -> OpRecord {
        OpRecord {
            start_ms,
            end_ms,
            latency_ms: end_ms - start_ms,
            outcome: Outcome::Ok,
            ..OpRecord::new(phase, index)
        }
    }

    fn transfer(index: usize, start_ms: f64, end_ms: f64, bytes: u64) -> OpRecord {
        let mut row = row(Phase::Transfer, index, start_ms, end_ms);
        row.bytes = Some(bytes);
        row.set_rate();
        row
    }

    #[test]
    fn rates_and_the_share_of_migration_time() {
        let ops = vec![
            // Container 0: a transfer phase of its own: 500 of 1000 ms.
            row(Phase::Checkpoint, 0, 0.0, 200.0),
            transfer(0, 200.0, 700.0, 5_000_000),
            row(Phase::Restore, 0, 700.0, 1000.0),
            // Container 1, after a batch's wait: its transfer inside its
            // restore, 250 of 200 + 800 ms; the wait is not counted.
            row(Phase::Checkpoint, 1, 1000.0, 1200.0),
            transfer(1, 5200.0, 5450.0, 5_000_000),
            row(Phase::Restore, 1, 5200.0, 6000.0),
        ];
        let summary = summary(&ops).expect("transfers");
        assert_eq!(summary.count, 2);
        assert_eq!(summary.bytes_total, 10_000_000);
        assert_eq!(summary.rate.min_mb_per_s, 10.0);
        assert_eq!(summary.rate.max_mb_per_s, 20.0);
        assert_eq!(summary.rate.p50_mb_per_s, 10.0);
        // 10 MB in 750 ms.
        assert_eq!(summary.rate.overall_mb_per_s, 13.3333);
        assert_eq!(summary.share_of_migration_pct, 37.5);
    }

    #[test]
    fn no_successful_transfer_is_no_summary() {
        let mut failed = transfer(0, 0.0, 10.0, 1);
        failed.outcome = Outcome::Failed;
        assert_eq!(summary(&[failed, row(Phase::Restore, 0, 0.0, 1.0)]), None);
    }
}
