//! The summary as a table: aligned for the console, pipes for Markdown.

use crate::summary::{Percentiles, RunVerdict, Summary};

/// Header and rows of the per-phase table.
pub fn phase_rows(summary: &Summary) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "phase", "ok", "failed", "skipped", "p50 ms", "p90 ms", "p99 ms", "max ms", "ops/s",
        "wall s",
    ]
    .map(String::from)
    .to_vec();
    let rows = summary
        .phases
        .iter()
        .map(|p| {
            let pct = |f: fn(&Percentiles) -> f64| {
                p.latency
                    .as_ref()
                    .map_or("-".into(), |l| format!("{:.1}", f(l)))
            };
            vec![
                p.phase.as_str().to_string(),
                p.ok.to_string(),
                p.failed.to_string(),
                p.skipped.to_string(),
                pct(|l| l.p50_ms),
                pct(|l| l.p90_ms),
                pct(|l| l.p99_ms),
                pct(|l| l.max_ms),
                format!("{:.2}", p.throughput_per_s),
                format!("{:.1}", p.wall_s),
            ]
        })
        .collect();
    (header, rows)
}

/// Lines under the table: verification, downtime, migrations, collapse,
/// projection, the hosts the batch would need, thresholds, verdict;
/// `workload_memory_mib` is each container's memory, as the scenario gave it.
pub fn findings(summary: &Summary, workload_memory_mib: Option<u64>) -> Vec<String> {
    let v = summary.verification;
    let not_migrated = if v.not_migrated > 0 {
        format!(", {} not migrated (left on the source)", v.not_migrated)
    } else {
        String::new()
    };
    let rolled_back = if v.rolled_back > 0 {
        format!(
            ", {} rolled back (failed, restored on the source, continued there)",
            v.rolled_back
        )
    } else {
        String::new()
    };
    let of = match summary.rounds.len() {
        0 | 1 => summary.containers.to_string(),
        rounds => format!(
            "{} ({} containers x {rounds} rounds)",
            summary.containers * rounds,
            summary.containers
        ),
    };
    let mut lines = vec![format!(
        "verification: {} continued, {} lost, {} unchecked{not_migrated}{rolled_back} of {of}",
        v.continued, v.lost, v.unchecked
    )];
    if let Some(d) = &summary.downtime {
        let (t, p) = (d.downtime, d.parts_p50);
        lines.push(format!(
            "downtime ({} measured): p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            d.measured, t.p50_ms, t.p90_ms, t.p99_ms, t.max_ms
        ));
        lines.push(format!(
            "  p50 parts: checkpoint {:.0}, transfer {:.0}, waiting {:.0}, restore {:.0}, to first tick {:.0} ms",
            p.checkpoint_ms, p.transfer_ms, p.waiting_ms, p.restore_ms, p.resume_ms
        ));
    }
    lines.extend(
        summary
            .prepared_ahead
            .as_ref()
            .map(crate::summary::prepared_ahead_line),
    );
    lines.extend(summary.lazy_restores.as_ref().map(|lazy| lazy.line()));
    if let Some(t) = &summary.transfer {
        lines.push(format!(
            "transfers: {} ok, {:.1} MB, effective rate p50 {:.2} MB/s (min {:.2}, max {:.2}, \
             overall {:.2}), {:.1} % of the migrations' time",
            t.count,
            t.bytes_total as f64 / 1e6,
            t.rate.p50_mb_per_s,
            t.rate.min_mb_per_s,
            t.rate.max_mb_per_s,
            t.rate.overall_mb_per_s,
            t.share_of_migration_pct
        ));
    }
    lines.push(format!(
        "migrations: {} verified in {:.1} s, {:.2}/s end to end; run wall time {:.1} s",
        summary.migrations.verified,
        summary.migrations.wall_s,
        summary.migrations.per_s,
        summary.run_wall_s
    ));
    let collapse = summary.collapse.describe(v.continued + v.lost);
    // A fleet's targets count their own restores: say whose count it is.
    lines.push(match super::fleet_table::collapsed_target(summary) {
        Some(t) => collapse.replacen("collapse at", &format!("collapse on {} at", t.name), 1),
        None => collapse,
    });
    for f in summary.collapse.firings.iter().skip(1) {
        lines.push(format!(
            "  also fired at restore {}: {} ({})",
            f.at_restore,
            f.rule.as_str(),
            f.detail
        ));
    }
    if let Some(h) = &summary.hard_failure {
        lines.push(h.describe());
    }
    if let Some(p) = summary.projection {
        lines.extend(p.describe());
    }
    if let Some(r) = summary.footprint_reached {
        let reached = |what: &str, at: Option<u64>| match at {
            Some(at) => format!("reached {what} at restore {at}"),
            None => format!("did not reach {what}"),
        };
        lines.push(format!(
            "  measured: the footprint {} and {}",
            reached("RAM", r.ram_at_restore),
            reached("RAM + swap", r.ram_and_swap_at_restore)
        ));
    }
    lines.extend(super::fleet_table::hosts_needed_line(
        summary,
        workload_memory_mib,
    ));
    if let Some(h) = summary.harness {
        lines.push(format!(
            "harness cost: {:.1}% of one core of its own (sampling, recording, scheduling), \
             plus {:.1} CPU s moving {:.2} GB of checkpoints{} (timed in their rows); peak RSS \
             {:.0} MiB",
            h.own_share_of_one_core_pct,
            h.migration_work_cpu_s,
            h.migration_work_bytes as f64 / 1e9,
            h.migration_work_cpu_s_per_gb
                .map(|per_gb| format!(", {per_gb:.2} CPU s per GB"))
                .unwrap_or_default(),
            h.peak_rss_bytes as f64 / 1048576.0
        ));
    }
    if !summary.rounds.is_empty() {
        let verified: Vec<usize> = summary.rounds.iter().map(|r| r.verified).collect();
        let least = verified.iter().min().copied().unwrap_or(0);
        let most = verified.iter().max().copied().unwrap_or(0);
        let per_round = if least == most {
            format!("{most} in every round")
        } else {
            let listed: Vec<String> = verified.iter().map(usize::to_string).collect();
            listed.join(", ")
        };
        lines.push(format!(
            "soak: {} rounds, continued per round: {per_round}",
            summary.rounds.len()
        ));
        lines.extend(
            super::soak_growth::growth(&summary.rounds)
                .into_iter()
                .map(|l| format!("  {}", l.trim_start_matches("- "))),
        );
    }
    if let Some(why) = &summary.ended_early {
        lines.push(format!("ended early: {why}"));
    }
    lines.extend(
        summary
            .thresholds
            .iter()
            .map(|t| format!("threshold {}", t.describe())),
    );
    lines.push(match summary.verdict {
        RunVerdict::Failures => format!(
            "verdict: failures: {} operation(s) failed or state(s) lost before any collapse (exits {})",
            summary.failures_before_collapse,
            summary.verdict.exit_code()
        ),
        verdict => format!(
            "verdict: {} (exits {})",
            verdict.describe(),
            verdict.exit_code()
        ),
    });
    lines.extend(summary.data_notes.iter().map(|n| format!("note: {n}")));
    lines
}

/// The table for the console: a fleet of several's targets under it, then
/// the findings.
pub fn console_table(summary: &Summary, workload_memory_mib: Option<u64>) -> String {
    let (header, rows) = phase_rows(summary);
    let mode = if summary.mode.is_empty() {
        "batch"
    } else {
        &summary.mode
    };
    let mut out = vec![format!(
        "{} ({} containers, {mode} mode)",
        summary.run_id, summary.containers
    )];
    out.extend(aligned(&header, &rows));
    out.extend(super::fleet_table::console_lines(summary));
    out.extend(findings(summary, workload_memory_mib));
    out.join("\n")
}

/// Lines of a column-aligned table: the first column left, the rest right.
pub fn aligned(header: &[String], rows: &[Vec<String>]) -> Vec<String> {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    std::iter::once(line(header))
        .chain(rows.iter().map(|r| line(r)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::findings;
    use crate::collapse::{Fit, Projection, Verdict};
    use crate::summary::{Summary, SummaryInput};

    fn summary_with(projected_count: Option<u64>, bytes_per_container: f64) -> Summary {
        Summary::build(SummaryInput {
            run_id: "r",
            scenario: "s",
            mode: crate::scenario::Mode::Batch,
            thresholds: &crate::scenario::Thresholds::default(),
            containers: 4,
            ops: &[],
            samples: &[],
            collapse: Verdict::default(),
            hard_failure: None,
            projection: Some(Projection {
                fitted_restores: 2,
                ram_budget_bytes: 1 << 30,
                swap_budget_bytes: 1 << 30,
                footprint: Some(Fit {
                    bytes_per_container,
                    baseline_bytes: 0.0,
                }),
                thrashing_onset: projected_count,
                hard_failure: projected_count.map(|c| c * 2),
                charge: None,
                reclaim_onset: None,
            }),
            ended_early: None,
            ending: crate::summary::Ending::Finished,
            data_notes: Vec::new(),
            environment: serde_json::Value::Null,
            placement: "round-robin",
            targets: Vec::new(),
        })
    }

    fn projection_line(summary: &Summary) -> String {
        findings(summary, None)
            .into_iter()
            .find(|l| l.starts_with("projection"))
            .unwrap_or_default()
    }

    #[test]
    fn a_projection_without_growth_projects_nothing() {
        let grows = projection_line(&summary_with(Some(46), 20.0 * 1048576.0));
        assert!(
            grows.contains("+ 20.0 MiB per container: thrashing onset at ~46 (reaches RAM 1024 MiB), hard failure at ~92 (reaches RAM + swap 2048 MiB)"),
            "{grows}"
        );
        let flat = projection_line(&summary_with(None, -13.0 * 1048576.0));
        assert!(
            flat.contains("nothing projected") && !flat.contains("-13"),
            "{flat}"
        );
    }
}
