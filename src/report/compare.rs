//! `migbench compare`: one row per run, as a console table, compare.md and a chart.

use super::table::markdown_table;
use crate::record::Phase;
use crate::scenario::Scenario;
use crate::summary::{self, Summary};
use anyhow::Context;
use std::path::PathBuf;

/// Header and one row per run.
pub fn rows(summaries: &[(PathBuf, Summary)]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "run",
        "mode",
        "containers",
        "ckpt conc",
        "restore conc",
        "ckpt p50 ms",
        "ckpt p99 ms",
        "restore p50 ms",
        "restore p99 ms",
        "restore ops/s",
        "downtime p50 ms",
        "downtime p99 ms",
        "migrations/s",
        "wall s",
        "verified",
        "collapse at",
        // A bandwidth sweep's columns: the target's link and what crossed it.
        "bandwidth",
        "transfer p50 ms",
        "transfer MB/s p50",
        "transfer share %",
    ]
    .map(String::from)
    .to_vec();
    let rows = summaries
        .iter()
        .map(|(dir, s)| {
            let scenario = Scenario::load_recorded(&dir.join(crate::record::SCENARIO_TOML)).ok();
            let lat = |phase: Phase, f: fn(&summary::Percentiles) -> f64| {
                s.phase(phase)
                    .and_then(|p| p.latency)
                    .map_or("-".into(), |l| format!("{:.0}", f(&l)))
            };
            let (checkpoint_conc, restore_conc) = match &scenario {
                Some(sc) => (
                    sc.checkpoint.concurrency.to_string(),
                    sc.restore.concurrency.to_string(),
                ),
                None => ("-".to_string(), "-".to_string()),
            };
            vec![
                s.run_id.clone(),
                if s.mode.is_empty() {
                    "batch".into()
                } else {
                    s.mode.clone()
                },
                s.containers.to_string(),
                checkpoint_conc,
                restore_conc,
                lat(Phase::Checkpoint, |l| l.p50_ms),
                lat(Phase::Checkpoint, |l| l.p99_ms),
                lat(Phase::Restore, |l| l.p50_ms),
                lat(Phase::Restore, |l| l.p99_ms),
                s.phase(Phase::Restore)
                    .map_or("-".into(), |p| format!("{:.2}", p.throughput_per_s)),
                s.downtime
                    .as_ref()
                    .map_or("-".into(), |d| format!("{:.0}", d.downtime.p50_ms)),
                s.downtime
                    .as_ref()
                    .map_or("-".into(), |d| format!("{:.0}", d.downtime.p99_ms)),
                format!("{:.2}", s.migrations.per_s),
                format!("{:.1}", s.run_wall_s),
                format!("{}/{}", s.verification.continued, s.containers),
                s.collapse.point.as_ref().map_or("none".into(), |p| {
                    format!("{} ({})", p.at_restore, p.rule.as_str())
                }),
                bandwidth(s),
                lat(Phase::Transfer, |l| l.p50_ms),
                s.transfer
                    .map_or("-".into(), |t| format!("{:.2}", t.rate.p50_mb_per_s)),
                s.transfer
                    .map_or("-".into(), |t| format!("{:.1}", t.share_of_migration_pct)),
            ]
        })
        .collect();
    (header, rows)
}

/// The emulated target's link bandwidth (`100mbit`), `-` when it had none.
pub fn bandwidth(s: &Summary) -> String {
    bandwidth_bits_per_s(s).map_or("-".into(), crate::scenario::format_bits_per_s)
}

/// The emulated target's link bandwidth, bits/s, as the run recorded it.
pub fn bandwidth_bits_per_s(s: &Summary) -> Option<u64> {
    s.target_budget()?.bandwidth_bits_per_s
}

/// Where a comparison goes besides the console.
#[derive(Debug, Clone, Default)]
pub struct CompareOutputs {
    /// compare.md and the chart are written here.
    pub out: PathBuf,
    /// Every other run's figures as ratios to this run's (added to the runs
    /// compared when it is not among them).
    pub reference: Option<PathBuf>,
    /// The table as JSON (one object per run) or CSV.
    pub export_json: Option<PathBuf>,
    pub export_csv: Option<PathBuf>,
}

/// Compares runs; writes `<out>/compare.md`, the chart and the exports;
/// returns the console table.
pub fn compare(run_dirs: &[PathBuf], outputs: &CompareOutputs) -> anyhow::Result<String> {
    let out = outputs.out.as_path();
    let mut dirs: Vec<PathBuf> = outputs
        .reference
        .iter()
        .filter(|r| !run_dirs.contains(r))
        .cloned()
        .collect();
    dirs.extend(run_dirs.iter().cloned());
    let mut summaries = Vec::new();
    for dir in &dirs {
        let summary = summary::read(dir)
            .or_else(|_| super::rebuild(dir))
            .with_context(|| format!("cannot read the run in '{}'", dir.display()))?;
        summaries.push((dir.clone(), summary));
    }
    let (header, rows) = rows(&summaries);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create '{}'", out.display()))?;
    let charts = super::charts::render_compare(out, &summaries);
    let mut md = String::from("# migbench comparison\n\n");
    md.push_str(&markdown_table(&header, &rows));
    for (title, file) in charts {
        md.push_str(&format!("\n![{title}]({file})\n"));
    }
    let best = best_point(&summaries);
    if let Some(best) = &best {
        md.push_str(&format!("\n**Best:** {best}\n"));
    }
    let relative = match &outputs.reference {
        Some(reference) => {
            let reference = summaries
                .iter()
                .find(|(dir, _)| dir == reference)
                .context("the reference run was not read")?;
            super::compare_reference::relative_to(reference, &summaries)
        }
        None => Vec::new(),
    };
    if !relative.is_empty() {
        md.push_str("\n## Relative to the reference\n\n");
        for line in &relative {
            md.push_str(&format!("- {line}\n"));
        }
    }
    let exports = super::compare_exports::Exports {
        json: outputs.export_json.as_deref(),
        csv: outputs.export_csv.as_deref(),
    };
    super::compare_exports::write(exports, &header, &rows)?;
    let path = out.join("compare.md");
    std::fs::write(&path, md).with_context(|| format!("cannot write '{}'", path.display()))?;
    let mut table = super::table::aligned(&header, &rows);
    if let Some(best) = best {
        table.push(format!("best: {best}"));
    }
    table.extend(relative);
    table.push(format!("written: {}", path.display()));
    Ok(table.join("\n"))
}

/// The run with the highest restore throughput among those that migrated and
/// verified every container without a collapse, with its concurrency.
pub fn best_point(summaries: &[(PathBuf, Summary)]) -> Option<String> {
    let clean = summaries.iter().filter(|(_, s)| {
        s.collapse.point.is_none()
            && s.verification.continued == s.containers
            && s.failures_before_collapse == 0
    });
    // End to end: a batch's restore rate alone ignores its checkpoint phase.
    let throughput = |s: &Summary| s.migrations.per_s;
    let (dir, best) = clean.max_by(|a, b| throughput(&a.1).total_cmp(&throughput(&b.1)))?;
    let scenario = Scenario::load_recorded(&dir.join(crate::record::SCENARIO_TOML)).ok();
    let setting = scenario.map_or("?".into(), |sc| {
        format!(
            "{} mode, checkpoint concurrency {}, restore concurrency {}",
            sc.mode.as_str(),
            sc.checkpoint.concurrency,
            sc.restore.concurrency
        )
    });
    Some(format!(
        "{} ({setting}): {:.2} migrations/s end to end with every container verified",
        best.run_id,
        throughput(best)
    ))
}
