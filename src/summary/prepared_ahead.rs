//! The work moved out of the freeze: how long making each clone on the
//! target took before its container was checkpointed (restore rows'
//! `prepared_ms`), time the downtime no longer holds.

use super::percentiles::Percentiles;
use crate::record::{OpRecord, Phase};

/// The preparation times of the restores that had their clone made ahead.
pub fn prepared_ahead(ops: &[OpRecord]) -> Option<Percentiles> {
    Percentiles::of(
        ops.iter()
            .filter(|op| op.phase == Phase::Restore)
            .filter_map(|op| op.prepared_ms),
    )
}

/// The console's and report's line about it.
pub fn line(prepared: &Percentiles) -> String {
    format!(
        "  made before the freeze: each clone on the target, p50 {:.0} ms (p99 {:.0}), \
         no longer inside the downtime",
        prepared.p50_ms, prepared.p99_ms
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_restores_with_a_clone_made_ahead_count() {
        let restore = |prepared_ms| OpRecord {
            prepared_ms,
            ..OpRecord::new(Phase::Restore, 0)
        };
        assert!(
            prepared_ahead(&[restore(None)]).is_none(),
            "Podman makes none ahead"
        );
        let ops = [restore(Some(40.0)), restore(Some(60.0)), restore(None)];
        let p = prepared_ahead(&ops).expect("two made ahead");
        assert!((p.max_ms - 60.0).abs() < 0.1, "{p:?}");
        assert!(line(&p).contains("p99 60"), "{}", line(&p));
    }
}
