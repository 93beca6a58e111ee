//! What one method measured at one memory size, and the table row it makes.

use migbench::engine::CriuStats;
use migbench::summary::Percentiles;

/// One migration of one workload process, wall-clock milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub checkpoint_ms: f64,
    pub restore_ms: f64,
    /// The stop as the workload itself measured it (its `resumed` line).
    pub downtime_ms: f64,
    /// CRIU's own time inside the checkpoint and the restore (its
    /// `stats-dump` / `stats-restore`), when it wrote them.
    pub criu_checkpoint_ms: Option<f64>,
    pub criu_restore_ms: Option<f64>,
}

/// The figures of one row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub checkpoint_p50_ms: f64,
    pub restore_p50_ms: f64,
    pub downtime_p50_ms: f64,
    pub downtime_p99_ms: f64,
    /// CRIU's share of the checkpoint and of the restore time, percent.
    pub criu_share_pct: Option<(f64, f64)>,
}

impl Figures {
    /// The figures of `samples` (none when there are none), with CRIU's share
    /// computed as migbench's summary does: CRIU's total over the total.
    pub fn of(samples: &[Sample]) -> Option<Figures> {
        let p = |f: fn(&Sample) -> f64| Percentiles::of(samples.iter().map(f));
        let downtime = p(|s| s.downtime_ms)?;
        let share = |criu: fn(&Sample) -> Option<f64>, wall: fn(&Sample) -> f64| {
            let criu_total: f64 = samples.iter().map(criu).sum::<Option<f64>>()?;
            let wall_total: f64 = samples.iter().map(wall).sum();
            (wall_total > 0.0).then(|| 100.0 * criu_total / wall_total)
        };
        let checkpoint_share = share(|s| s.criu_checkpoint_ms, |s| s.checkpoint_ms);
        let restore_share = share(|s| s.criu_restore_ms, |s| s.restore_ms);
        Some(Figures {
            checkpoint_p50_ms: p(|s| s.checkpoint_ms)?.p50_ms,
            restore_p50_ms: p(|s| s.restore_ms)?.p50_ms,
            downtime_p50_ms: downtime.p50_ms,
            downtime_p99_ms: downtime.p99_ms,
            criu_share_pct: checkpoint_share.zip(restore_share),
        })
    }
}

/// CRIU's own time in the statistics file `name` (`stats-dump` or
/// `stats-restore`) under `dir`; `None` when CRIU left none there.
pub fn criu_ms(dir: &std::path::Path, name: &str) -> Option<f64> {
    let bytes = std::fs::read(dir.join(name)).ok()?;
    let stats: CriuStats = migbench::engine::criu_stats::decode(&bytes).ok()?;
    stats.criu_ms()
}

/// One row: a method at a memory size, measured or not.
pub struct Row {
    pub method: String,
    pub memory_mib: u64,
    pub outcome: Result<Figures, String>,
    /// What the reader must know beside the figures (failed migrations).
    pub note: Option<String>,
}

/// The markdown table of `rows`, and the notes under it.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| method | memory MiB | checkpoint p50 ms | restore p50 ms | downtime p50 ms | downtime p99 ms | CRIU share (checkpoint / restore) |\n\
         |---|---:|---:|---:|---:|---:|---|\n",
    );
    let mut notes = Vec::new();
    for row in rows {
        let cells = match &row.outcome {
            Ok(f) => format!(
                "{:.1} | {:.1} | {:.1} | {:.1} | {}",
                f.checkpoint_p50_ms,
                f.restore_p50_ms,
                f.downtime_p50_ms,
                f.downtime_p99_ms,
                f.criu_share_pct
                    .map_or("n/a".into(), |(c, r)| format!("{c:.0} % / {r:.0} %")),
            ),
            Err(reason) => format!("not available: {} | | | | ", reason.replace('|', "/")),
        };
        out.push_str(&format!(
            "| {} | {} | {cells} |\n",
            row.method, row.memory_mib
        ));
        if let Some(note) = &row.note {
            notes.push(format!(
                "- {} at {} MiB: {note}",
                row.method, row.memory_mib
            ));
        }
    }
    for note in notes {
        out.push_str(&format!("\n{note}"));
    }
    out
}
