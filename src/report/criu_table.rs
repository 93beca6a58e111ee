//! report.md's "Where the time goes" section: each phase split into CRIU's
//! own time and the engine's overhead, for engines that give CRIU's statistics.

use super::markdown_table::markdown_table;
use crate::summary::CriuSplit;

/// The section, or nothing when no operation carried CRIU's statistics.
pub fn section(splits: &[CriuSplit]) -> String {
    if splits.is_empty() {
        return String::new();
    }
    let header: Vec<String> = [
        "phase",
        "ops",
        "CRIU p50 ms",
        "CRIU p99 ms",
        "engine overhead p50 ms",
        "engine overhead p99 ms",
        "CRIU share",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = splits
        .iter()
        .map(|s| {
            vec![
                s.phase.as_str().to_string(),
                s.count.to_string(),
                format!("{:.1}", s.criu.p50_ms),
                format!("{:.1}", s.criu.p99_ms),
                format!("{:.1}", s.overhead.p50_ms),
                format!("{:.1}", s.overhead.p99_ms),
                format!("{:.0} %", s.criu_share_pct),
            ]
        })
        .collect();
    format!(
        "\n## Where the time goes: CRIU vs engine overhead\n\n\
         CRIU's own time (checkpoint: freezing + frozen; restore: restore incl. forking) \
         against the rest of each operation's latency (the engine's API, runtime, archive \
         and bookkeeping), from the statistics the engine gave.\n\n{}",
        markdown_table(&header, &rows)
    )
}
