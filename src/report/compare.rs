//! `migbench compare`: one row per run, as a console table, compare.md and a chart.

use super::markdown_table::markdown_table;
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
                    // A fleet's targets count their own restores: name whose.
                    let on = super::fleet_table::collapsed_target(s)
                        .map_or(String::new(), |t| format!("{} ", t.name));
                    format!("{on}{} ({})", p.at_restore, p.rule.as_str())
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
    let placement = super::compare_fleet::rows(&summaries);
    if let Some((header, rows)) = &placement {
        md.push_str("\n## Placement\n\n");
        md.push_str(&markdown_table(header, rows));
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
    if let Some((header, rows)) = placement {
        table.push(String::new());
        table.extend(super::table::aligned(&header, &rows));
    }
    table.extend(relative);
    table.push(format!("written: {}", path.display()));
    Ok(table.join("\n"))
}

/// The knee of a sweep that varied a knob (the mode, a concurrency): among
/// the runs that migrated and verified every container without a collapse,
/// the one with the most migrations/s whose restore p99 stayed within twice
/// the lowest p99 among them. `None` when no knob varied (a sweep of sizes or
/// links has no "best"), or no run was clean.
pub fn best_point(summaries: &[(PathBuf, Summary)]) -> Option<String> {
    let knobs = |dir: &PathBuf| {
        Scenario::load_recorded(&dir.join(crate::record::SCENARIO_TOML))
            .ok()
            .map(|sc| {
                (
                    sc.mode,
                    sc.in_flight,
                    sc.checkpoint.concurrency,
                    sc.restore.concurrency,
                )
            })
    };
    let settings: Vec<_> = summaries.iter().map(|(dir, _)| knobs(dir)).collect();
    if settings.windows(2).all(|pair| pair[0] == pair[1]) {
        return None;
    }
    let restore_p99 = |s: &Summary| {
        s.phase(Phase::Restore)
            .and_then(|p| p.latency)
            .map(|l| l.p99_ms)
    };
    let clean: Vec<&(PathBuf, Summary)> = summaries
        .iter()
        .filter(|(_, s)| {
            s.collapse.point.is_none()
                && s.verification.continued == s.containers
                && s.failures_before_collapse == 0
        })
        .collect();
    let lowest_p99 = clean
        .iter()
        .filter_map(|(_, s)| restore_p99(s))
        .fold(f64::INFINITY, f64::min);
    // End to end: a batch's restore rate alone ignores its checkpoint phase.
    let throughput = |s: &Summary| s.migrations.per_s;
    let (dir, best) = clean
        .into_iter()
        .filter(|(_, s)| restore_p99(s).is_none_or(|p99| p99 <= 2.0 * lowest_p99))
        .max_by(|a, b| throughput(&a.1).total_cmp(&throughput(&b.1)))?;
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
        "{} ({setting}): {:.2} migrations/s end to end with every container verified, \
         restore p99 within twice the sweep's lowest (the knee)",
        best.run_id,
        throughput(best)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A run directory whose scenario has `restore_concurrency`, and a clean
    /// summary with `per_s` migrations/s and `p99_ms` restore p99.
    fn run(
        root: &Path,
        name: &str,
        restore_concurrency: usize,
        (per_s, p99_ms): (f64, f64),
    ) -> (PathBuf, Summary) {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let scenario = format!(
            "name = \"{name}\"\ncontainers = 2\n[restore]\nconcurrency = {restore_concurrency}\n"
        );
        std::fs::write(dir.join(crate::record::SCENARIO_TOML), scenario).expect("scenario");
        let summary = serde_json::json!({
            "run_id": name, "scenario": name, "containers": 2,
            "phases": [{
                "phase": "restore", "count": 2, "ok": 2, "failed": 0, "skipped": 0,
                "latency": {"p50_ms": p99_ms / 2.0, "p90_ms": p99_ms, "p99_ms": p99_ms,
                            "max_ms": p99_ms, "mean_ms": p99_ms / 2.0},
                "wall_s": 1.0, "throughput_per_s": 2.0, "bytes_total": 0
            }],
            "verification": {"continued": 2, "lost": 0, "unchecked": 0},
            "collapse": {"point": null, "firings": []},
            "projection": null, "peaks": null, "samples": 0,
            "failures_before_collapse": 0, "ended_early": null, "data_notes": [],
            "environment": {}, "migrations": {"verified": 2, "wall_s": 1.0, "per_s": per_s}
        });
        (dir, serde_json::from_value(summary).expect("a summary"))
    }

    #[test]
    fn the_best_point_is_the_knee_of_a_knob_not_the_raw_maximum() {
        let root = tempfile::tempdir().expect("tempdir");
        let runs = [
            run(root.path(), "c1", 1, (2.0, 100.0)),
            run(root.path(), "c2", 2, (3.5, 180.0)),
            // The most migrations/s, but its restores' p99 more than doubled.
            run(root.path(), "c4", 4, (4.0, 450.0)),
        ];
        let best = best_point(&runs).expect("a knob was swept");
        assert!(best.starts_with("c2 "), "{best}");
    }

    /// compare.md of runs whose summaries have `fleets` (a policy each, or none).
    fn compared(root: &Path, fleets: &[Option<&str>]) -> (String, String) {
        let dirs: Vec<PathBuf> = fleets
            .iter()
            .enumerate()
            .map(|(i, policy)| {
                let (dir, mut summary) = run(root, &format!("run{i}"), 2, (2.0, 100.0));
                summary.fleet = policy.map(crate::report::fleet_fixture::fleet);
                // The run's collapse point is its fleet's first: a's.
                if let Some(a) = summary.fleet.as_ref().and_then(|f| f.targets.first()) {
                    summary.collapse = a.collapse.clone();
                }
                crate::summary::write(&dir, &summary).expect("summary.json");
                dir
            })
            .collect();
        let outputs = CompareOutputs {
            out: root.join("out"),
            ..CompareOutputs::default()
        };
        let console = compare(&dirs, &outputs).expect("compared");
        let md = std::fs::read_to_string(outputs.out.join("compare.md")).expect("compare.md");
        (console, md)
    }

    #[test]
    fn fleets_are_compared_by_policy_in_a_table_of_their_own() {
        let root = tempfile::tempdir().expect("tempdir");
        let (console, md) = compared(root.path(), &[Some("round-robin"), Some("projection")]);
        let placement = md.split("## Placement").nth(1).expect("a placement table");
        for policy in ["round-robin", "projection"] {
            let row = format!(
                "| {policy} | 3 | 187 | 163 | 180 | 41.5 | 4.51 | - | - | a 55, b 61, c 58 |"
            );
            assert!(placement.contains(&row), "{row}\n{md}");
            assert!(console.contains(policy), "{console}");
        }
        assert!(md.contains("| a 55 (swap budget nearly used) |"), "{md}");
        let plain = tempfile::tempdir().expect("tempdir");
        let (console, md) = compared(plain.path(), &[None, None]);
        assert!(
            !md.contains("## Placement") && !console.contains("policy"),
            "{md}"
        );
    }

    #[test]
    fn a_sweep_of_no_knob_names_no_best_point() {
        let root = tempfile::tempdir().expect("tempdir");
        let runs = [
            run(root.path(), "a", 2, (2.0, 100.0)),
            run(root.path(), "b", 2, (3.0, 100.0)),
        ];
        assert_eq!(best_point(&runs), None);
    }
}
