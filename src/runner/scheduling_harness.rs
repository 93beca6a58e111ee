//! Runs on the scripted engine (`engine::fake`) through the same `execute`
//! a real run goes through, for the scheduling tests: a scenario's text in,
//! its summary and rows out.

use super::context::{RunPlan, TargetPlan};
use super::run_options::RunOptions;
use super::setup::Prepared;
use crate::engine::fake::{FakeEngine, Script};
use crate::engine::Engine;
use crate::record::{self, read_rows, CsvAppender, OpRecord, Outcome, Phase};
use crate::scenario::Scenario;
use crate::summary::Summary;
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// A run of `toml` (name, no warm-up, a fast log and quiet machine rules filled in) from `source`
/// to `target`: its summary and its rows.
pub(super) async fn run(
    toml: &str,
    source: Arc<FakeEngine>,
    target: Arc<FakeEngine>,
    fail_fast: bool,
) -> (Summary, Vec<OpRecord>) {
    run_plan(toml, (source, vec![target]), fail_fast, false).await
}

/// `run` onto one target or a fleet (`[[targets]]` in `toml`, one fake
/// engine each), the checkpoints crossing inside their restores when
/// `transfer_in_restore`.
pub(super) async fn run_plan(
    toml: &str,
    (source, targets): (Arc<FakeEngine>, Vec<Arc<FakeEngine>>),
    fail_fast: bool,
    transfer_in_restore: bool,
) -> (Summary, Vec<OpRecord>) {
    let dir = tempfile::tempdir().expect("tempdir");
    // Only the rules about the target's operations may fire: the machine's
    // own pressure and timing are not what these tests are about.
    let text = format!(
        "name = \"fake\"\nwarmup_s = 0\n{toml}\n[workload]\nlog_interval_ms = 20\n\
         [collapse]\nknee_baseline = 1000\npsi_memory_full_pct = 100\nswap_share_pct = 100\n\
         sampler_lag_ms = 600000\n"
    );
    let scenario = Scenario::parse(Path::new("fake.toml"), &text, &[]).expect("scenario");
    let run_dir = dir.path().join("run");
    std::fs::create_dir_all(&run_dir).expect("run dir");
    let ops = CsvAppender::create(&run_dir.join(record::OPS_CSV)).expect("ops.csv");
    let samples = CsvAppender::create(&run_dir.join(record::SAMPLES_CSV)).expect("samples.csv");
    let targets: Vec<Arc<TargetPlan>> = scenario
        .targets
        .iter()
        .zip(targets)
        .map(|(spec, engine)| {
            Arc::new(TargetPlan {
                name: spec.name.clone(),
                engine: engine as Arc<dyn Engine>,
                host: format!("fake-{}", spec.name),
                staging_root: None,
                link: None,
                transfer_in_restore,
            })
        })
        .collect();
    let prepared = Prepared {
        hosts: vec![None; targets.len()],
        plan: Arc::new(RunPlan {
            run_id: "fake-run".into(),
            run_dir: run_dir.clone(),
            scenario: Arc::new(scenario),
            source: source.clone() as Arc<dyn Engine>,
            targets,
            source_host: "fake-source".into(),
            image: "workload".into(),
            checkpoint_root: dir.path().join("checkpoints"),
            return_staging_root: None,
        }),
        record_files: Some((ops, samples)),
        rounds_csv: None,
        environment: serde_json::json!({}),
    };
    let options = RunOptions {
        results_dir: dir.path().to_path_buf(),
        fail_fast,
        current_run_dir: Default::default(),
        progress: false,
    };
    let summary = super::execute(prepared, &options, CancellationToken::new())
        .await
        .expect("the run");
    let rows = read_rows::<OpRecord>(&run_dir.join(record::OPS_CSV))
        .expect("ops.csv")
        .rows;
    (summary, rows)
}

pub(super) fn engines(source: Script, target: Script) -> (Arc<FakeEngine>, Arc<FakeEngine>) {
    (
        Arc::new(FakeEngine::new("fake://source", source)),
        Arc::new(FakeEngine::new("fake://target", target)),
    )
}

pub(super) fn row(rows: &[OpRecord], phase: Phase, index: usize) -> &OpRecord {
    rows.iter()
        .find(|r| r.phase == phase && r.index == index)
        .unwrap_or_else(|| panic!("no {phase:?} row for container {index}: {rows:#?}"))
}

pub(super) fn count(rows: &[OpRecord], phase: Phase, outcome: Outcome) -> usize {
    rows.iter()
        .filter(|r| r.phase == phase && r.outcome == outcome)
        .count()
}
