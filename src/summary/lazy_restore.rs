//! Lazy restores (runc, `strategy = "lazy"`) summed up: when the process ran
//! again, when its last page was in, and the degraded period between, in
//! which it runs but faults its memory in from CRIU's lazy-pages daemon.

use super::percentiles::Percentiles;
use crate::record::{OpRecord, Phase};
use serde::{Deserialize, Serialize};

/// The lazy restores of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LazyRestores {
    pub count: usize,
    /// Restore start to the process running again (runc + CRIU), ms.
    pub running: Percentiles,
    /// Restore start to the last page in, ms.
    pub last_page: Percentiles,
    /// The process running to the last page in, ms.
    pub degraded: Percentiles,
    /// Pages served lazily, per restore (median).
    pub pages_p50: u64,
}

/// The lazy restores among `ops`, if there were any that went through.
pub fn lazy_restores(ops: &[OpRecord]) -> Option<LazyRestores> {
    let rows: Vec<&OpRecord> = ops
        .iter()
        .filter(|op| op.phase == Phase::Restore && op.outcome.is_ok())
        .filter(|op| op.lazy_last_page_ms.is_some() && op.runtime_ms.is_some())
        .collect();
    let both = |op: &&OpRecord| Some((op.runtime_ms?, op.lazy_last_page_ms?));
    let mut pages: Vec<u64> = rows.iter().filter_map(|op| op.lazy_pages).collect();
    pages.sort_unstable();
    Some(LazyRestores {
        count: rows.len(),
        running: Percentiles::of(rows.iter().filter_map(both).map(|(run, _)| run))?,
        last_page: Percentiles::of(rows.iter().filter_map(both).map(|(_, last)| last))?,
        degraded: Percentiles::of(
            rows.iter()
                .filter_map(both)
                .map(|(run, last)| (last - run).max(0.0)),
        )?,
        pages_p50: pages.get(pages.len() / 2).copied().unwrap_or(0),
    })
}

impl LazyRestores {
    /// One line for the console and report.md.
    pub fn line(&self) -> String {
        format!(
            "lazy restores ({}): running again after p50 {:.0} ms (p99 {:.0}), last page in \
             after p50 {:.0} ms (p99 {:.0}): degraded for p50 {:.0} ms, p99 {:.0} ms, \
             {} pages served lazily per restore (p50)",
            self.count,
            self.running.p50_ms,
            self.running.p99_ms,
            self.last_page.p50_ms,
            self.last_page.p99_ms,
            self.degraded.p50_ms,
            self.degraded.p99_ms,
            self.pages_p50
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Outcome;

    fn restore(running_ms: f64, last_page_ms: Option<f64>) -> OpRecord {
        OpRecord {
            outcome: Outcome::Ok,
            runtime_ms: Some(running_ms),
            lazy_last_page_ms: last_page_ms,
            lazy_pages: last_page_ms.map(|_| 16000),
            ..OpRecord::new(Phase::Restore, 0)
        }
    }

    #[test]
    fn the_degraded_period_is_running_to_last_page() {
        let ops = [restore(80.0, Some(500.0)), restore(100.0, Some(600.0))];
        let lazy = lazy_restores(&ops).expect("two lazy restores");
        assert_eq!(lazy.count, 2);
        assert!(
            (lazy.degraded.max_ms - 500.0).abs() < 1.0,
            "{:?}",
            lazy.degraded
        );
        assert!((lazy.running.max_ms - 100.0).abs() < 0.2);
        assert_eq!(lazy.pages_p50, 16000);
        assert!(
            lazy_restores(&[restore(80.0, None)]).is_none(),
            "stop-and-copy only"
        );
    }
}
