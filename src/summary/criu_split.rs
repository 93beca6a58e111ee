//! Where an operation's time goes: CRIU's own time against the engine's
//! overhead (everything else the engine does around CRIU: API, runtime,
//! archive, bookkeeping), per phase. Only rows that carry CRIU's statistics
//! count, so an engine that drops them (Docker) gives no split.

use super::percentiles::Percentiles;
use crate::engine::CriuStats;
use crate::record::{OpRecord, Phase};
use serde::{Deserialize, Serialize};

/// The split of one phase's successful operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriuSplit {
    pub phase: Phase,
    /// Operations that carried CRIU's statistics.
    pub count: usize,
    /// CRIU's own time per operation.
    pub criu: Percentiles,
    /// The rest of each operation's latency: the engine's overhead.
    pub overhead: Percentiles,
    /// CRIU's share of the phase's total time, percent.
    pub criu_share_pct: f64,
}

impl OpRecord {
    /// Fills the CRIU statistics columns from what the engine gave.
    pub fn set_criu_stats(&mut self, stats: &CriuStats) {
        self.criu_ms = stats.criu_ms();
        self.criu_freezing_ms = stats.freezing_ms;
        self.criu_frozen_ms = stats.frozen_ms;
        self.criu_memdump_ms = stats.memdump_ms;
        self.criu_memwrite_ms = stats.memwrite_ms;
        self.criu_pages_scanned = stats.pages_scanned;
        self.criu_pages_written = stats.pages_written;
        self.criu_pages_restored = stats.pages_restored;
        self.runtime_ms = stats.runtime_ms;
        self.lazy_pages = stats.lazy_pages;
        self.lazy_last_page_ms = stats.lazy_last_page_ms;
    }

    /// The engine's overhead over CRIU for this operation, ms.
    pub fn engine_overhead_ms(&self) -> Option<f64> {
        self.criu_ms.map(|criu| (self.latency_ms - criu).max(0.0))
    }
}

/// The split of the checkpoint and restore phases (those with CRIU statistics).
pub fn criu_splits(ops: &[OpRecord]) -> Vec<CriuSplit> {
    [Phase::Checkpoint, Phase::Restore]
        .into_iter()
        .filter_map(|phase| split(phase, ops))
        .collect()
}

fn split(phase: Phase, ops: &[OpRecord]) -> Option<CriuSplit> {
    let rows: Vec<(f64, f64)> = ops
        .iter()
        .filter(|op| op.phase == phase && op.outcome.is_ok())
        .filter_map(|op| Some((op.criu_ms?, op.engine_overhead_ms()?)))
        .collect();
    let criu_total: f64 = rows.iter().map(|(criu, _)| criu).sum();
    let total: f64 = rows.iter().map(|(criu, overhead)| criu + overhead).sum();
    Some(CriuSplit {
        phase,
        count: rows.len(),
        criu: Percentiles::of(rows.iter().map(|(criu, _)| *criu))?,
        overhead: Percentiles::of(rows.iter().map(|(_, overhead)| *overhead))?,
        criu_share_pct: if total > 0.0 {
            100.0 * criu_total / total
        } else {
            0.0
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Outcome;

    fn row(phase: Phase, latency_ms: f64, criu_ms: Option<f64>) -> OpRecord {
        let mut row: OpRecord = csv::Reader::from_reader(
            "run_id,phase,index,container,container_id,source_host,target_host,started_at,start_ms,end_ms,latency_ms,bytes,outcome,error,seq_before,seq_after,service_gap_ms\n\
             r,restore,0,c,id,s,t,2026-01-01T00:00:01.000Z,1.0,2.0,1.0,,ok,,,,\n"
                .as_bytes(),
        )
        .deserialize()
        .next()
        .expect("a row")
        .expect("parses");
        row.phase = phase;
        row.latency_ms = latency_ms;
        row.criu_ms = criu_ms;
        row
    }

    #[test]
    fn old_rows_read_with_empty_criu_columns() {
        let old = row(Phase::Restore, 1.0, None);
        assert_eq!((old.criu_ms, old.runtime_ms, old.seq), (None, None, 0));
    }

    #[test]
    fn the_split_counts_only_rows_with_criu_s_statistics() {
        let mut failed = row(Phase::Restore, 900.0, Some(100.0));
        failed.outcome = Outcome::Failed;
        let ops = vec![
            row(Phase::Checkpoint, 200.0, Some(50.0)),
            row(Phase::Checkpoint, 300.0, Some(150.0)),
            row(Phase::Checkpoint, 999.0, None),
            row(Phase::Restore, 400.0, Some(100.0)),
            failed,
        ];
        let splits = criu_splits(&ops);
        assert_eq!(splits.len(), 2);
        let checkpoint = &splits[0];
        assert_eq!((checkpoint.phase, checkpoint.count), (Phase::Checkpoint, 2));
        // HdrHistogram keeps 3 significant digits.
        assert!((checkpoint.criu.max_ms - 150.0).abs() < 0.2);
        assert!((checkpoint.overhead.p50_ms - 150.0).abs() < 0.2);
        assert!((checkpoint.criu_share_pct - 40.0).abs() < 1e-9);
        assert_eq!(splits[1].count, 1);
        assert!((splits[1].overhead.max_ms - 300.0).abs() < 0.4);
        assert!(criu_splits(&[row(Phase::Restore, 1.0, None)]).is_empty());
    }

    #[test]
    fn stats_fill_the_columns() {
        let mut r = row(Phase::Checkpoint, 200.0, None);
        r.set_criu_stats(&CriuStats {
            freezing_ms: Some(1.0),
            frozen_ms: Some(79.0),
            pages_written: Some(2070),
            ..CriuStats::default()
        });
        assert_eq!(r.criu_ms, Some(80.0));
        assert_eq!(r.engine_overhead_ms(), Some(120.0));
        assert_eq!(r.criu_pages_written, Some(2070));
    }
}
