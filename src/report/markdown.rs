//! report.md: scenario, environment, summary table, collapse, verification,
//! failures and the charts.

use super::markdown_table::markdown_table;
use super::table::{findings, phase_rows};
use crate::record::{self, OpRecord};
use crate::summary::{HostBudget, Summary};
use anyhow::Context;
use std::fmt::Write as _;
use std::path::Path;

/// Failures listed in full; the rest are counted.
/// The report's file name inside a run directory.
pub const REPORT_MD: &str = "report.md";

const MAX_FAILURES_LISTED: usize = 50;

pub fn write(
    run_dir: &Path,
    summary: &Summary,
    ops: &[OpRecord],
    charts: &[(String, String)],
) -> anyhow::Result<()> {
    let mut md = String::new();
    let _ = writeln!(md, "# migbench run `{}`\n", summary.run_id);
    let mode = match summary.mode.as_str() {
        "pipeline" => "pipeline mode (live migration: each container checkpointed, moved, restored and verified as one migration, several in flight)",
        _ => "batch mode (the lab's: every container checkpointed, then every one restored)",
    };
    let _ = writeln!(
        md,
        "Scenario **{}**, {} containers, {mode}.\n",
        summary.scenario, summary.containers
    );
    md.push_str("## Summary\n\n");
    let (header, rows) = phase_rows(summary);
    md.push_str(&markdown_table(&header, &rows));
    md.push('\n');
    let workload_memory_mib = super::fleet_table::workload_memory_mib(run_dir);
    for line in findings(summary, workload_memory_mib) {
        let _ = writeln!(md, "- {line}");
    }
    md.push_str(&super::fleet_table::section(summary));
    md.push_str(&super::criu_table::section(&summary.criu_split));
    md.push_str(&super::soak_table::section(&summary.rounds));
    md.push_str("\n## Charts\n\n");
    for (title, file) in charts {
        let _ = writeln!(md, "### {title}\n\n![{title}]({file})\n");
    }
    md.push_str("## Failures\n\n");
    md.push_str(&failures(ops));
    md.push_str("\n## Environment\n\n");
    md.push_str(&environment(&summary.environment));
    md.push_str("\n## Scenario\n\n```toml\n");
    md.push_str(&std::fs::read_to_string(run_dir.join(record::SCENARIO_TOML)).unwrap_or_default());
    md.push_str("\n```\n");
    let path = run_dir.join(REPORT_MD);
    std::fs::write(&path, md).with_context(|| format!("cannot write '{}'", path.display()))
}

fn failures(ops: &[OpRecord]) -> String {
    let failed: Vec<&OpRecord> = ops.iter().filter(|op| op.outcome.is_failure()).collect();
    if failed.is_empty() {
        return "None.\n".into();
    }
    let header = ["phase", "container", "outcome", "error"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = failed
        .iter()
        .take(MAX_FAILURES_LISTED)
        .map(|op| {
            vec![
                op.phase.as_str().into(),
                op.container.clone(),
                format!("{:?}", op.outcome).to_lowercase(),
                op.error.replace('|', "\\|").replace('\n', " "),
            ]
        })
        .collect();
    let mut out = markdown_table(&header, &rows);
    if failed.len() > MAX_FAILURES_LISTED {
        let _ = writeln!(
            out,
            "\n... and {} more (see ops.csv).",
            failed.len() - MAX_FAILURES_LISTED
        );
    }
    out
}

/// The engine's name as recorded (runs recorded before engines had kinds
/// did not say, and were all of the first kind).
fn engine_name(kind: &str) -> String {
    match kind {
        "-" => crate::engine::EngineKind::default().to_string(),
        kind => kind.to_string(),
    }
}

fn environment(env: &serde_json::Value) -> String {
    let get = |path: &[&str]| {
        let mut v = env;
        for key in path {
            v = &v[*key];
        }
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "-".into(),
            other => other.to_string(),
        }
    };
    let gib = |path: &[&str]| {
        let mut v = env;
        for key in path {
            v = &v[*key];
        }
        v.as_u64().map_or("-".into(), |b| {
            format!("{:.1} GiB", b as f64 / 1073741824.0)
        })
    };
    let budget = match HostBudget::recorded(env) {
        None => "none (not emulated)".to_string(),
        Some(budget) => {
            let link = budget
                .bandwidth_bits_per_s
                .map_or_else(String::new, |bits| {
                    format!(
                        ", its own network behind a {} link",
                        crate::scenario::format_bits_per_s(bits)
                    )
                });
            let gib_of = |bytes: Option<u64>| {
                bytes.map_or("-".into(), |b| {
                    format!("{:.1} GiB", b as f64 / 1073741824.0)
                })
            };
            format!(
                "{} RAM + {} swap, cpus {}{link}",
                gib_of(budget.memory_bytes),
                gib_of(budget.swap_bytes),
                budget
                    .cpus
                    .map_or("-".into(), |c| serde_json::json!(c).to_string())
            )
        }
    };
    let rows = vec![
        vec!["kernel".into(), get(&["kernel"])],
        vec!["OS".into(), get(&["os"])],
        vec!["cores".into(), get(&["cores"])],
        vec!["memory".into(), gib(&["memory_bytes"])],
        vec!["swap".into(), gib(&["swap_bytes"])],
        vec!["CRIU".into(), get(&["criu_version"])],
        vec![
            "source engine".into(),
            format!(
                "{} {} at {}",
                engine_name(&get(&["source", "kind"])),
                get(&["source", "server_version"]),
                get(&["source", "endpoint"])
            ),
        ],
        vec![
            "target engine".into(),
            format!(
                "{} {} at {}",
                engine_name(&get(&["target", "kind"])),
                get(&["target", "server_version"]),
                get(&["target", "endpoint"])
            ),
        ],
        vec!["target budget".into(), budget],
        vec!["migbench".into(), get(&["migbench_version"])],
    ];
    markdown_table(&["what".into(), "value".into()], &rows)
}
