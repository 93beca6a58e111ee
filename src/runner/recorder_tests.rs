//! The recorder's rows, replayed by `migbench report`, give the live verdict.
use super::*;
use crate::collapse::{FleetDetector, Rule};
use crate::record::{self, Outcome, Phase};
use crate::scenario::Scenario;
use crate::summary::{self, RunVerdict};
use std::path::Path;

const SCENARIO: &str = "name = \"order\"\ncontainers = 3\n";

fn restore(index: usize, end_ms: f64, outcome: Outcome) -> Event {
    Event::Op(Box::new(OpRecord {
        run_id: "order-1".into(),
        container: format!("c{index}"),
        start_ms: end_ms - 400.0,
        end_ms,
        latency_ms: 400.0,
        outcome,
        ..OpRecord::new(Phase::Restore, index)
    }))
}

fn sample(t_ms: f64, psi_memory_full_avg10: f64) -> Event {
    Event::Sample(Box::new(SampleRow {
        t_ms,
        phase: "restore".into(),
        mem_available_bytes: 1 << 40,
        psi_memory_full_avg10,
        ..Default::default()
    }))
}

/// Records `events` into `run_dir` as a run does; returns what it kept.
async fn record(run_dir: &Path, scenario: &Scenario, events: Vec<Event>) -> Recorded {
    let (view_tx, _view_rx) = watch::channel(Vec::new());
    let (alerts_tx, _alerts_rx) = mpsc::unbounded_channel();
    let recorder = Recorder {
        ops_csv: CsvAppender::create(&run_dir.join(record::OPS_CSV)).expect("ops.csv"),
        samples_csv: CsvAppender::create(&run_dir.join(record::SAMPLES_CSV)).expect("samples"),
        detector: FleetDetector::of(scenario),
        policy: GuardPolicy::Observe,
        closed: vec![CancellationToken::new()],
        stop_restores: CancellationToken::new(),
        fit_restores: 20,
        view_tx,
        alerts_tx,
    };
    let (tx, rx) = mpsc::unbounded_channel();
    for event in events {
        tx.send(event).expect("recorder listening");
    }
    drop(tx);
    recorder.run(rx).await
}

#[tokio::test]
async fn report_rebuilds_the_live_collapse_point_verdict_and_notes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run_dir = dir.path();
    std::fs::write(run_dir.join(record::SCENARIO_TOML), SCENARIO).expect("scenario");
    let scenario = Scenario::load_recorded(&run_dir.join(record::SCENARIO_TOML)).expect("loads");
    // Arrival order differs from time order at the end: the tick taken at
    // 1990 ms reached the recorder after the restore that timed out at 2000 ms
    // (the sampler measures the target after stamping its tick).
    let events = vec![
        restore(0, 1000.0, Outcome::Ok),
        sample(1500.0, 0.0),
        restore(1, 1995.0, Outcome::Failed),
        restore(2, 2000.0, Outcome::Timeout),
        sample(1990.0, 35.0),
    ];
    let recorded = record(run_dir, &scenario, events).await;
    assert_eq!(
        recorded.ops.iter().map(|op| op.seq).collect::<Vec<_>>(),
        vec![1, 3, 4],
        "numbered on arrival, across both files"
    );
    let live = super::super::finish(
        "order-1",
        &scenario,
        &serde_json::Value::Null,
        recorded,
        super::super::why_ended::Stopped {
            interrupted: false,
            by_guard: false,
            migrated: 1,
        },
        vec!["container 'c0': removal failed".into()],
    );
    summary::write(run_dir, &live).expect("summary.json");
    // Live: the timeout fired first, and the failed restore ended before it.
    let point = live.collapse.point.clone().expect("a collapse");
    assert_eq!((point.rule, point.at_restore), (Rule::OpTimeout, 3));
    assert_eq!(live.verdict, RunVerdict::Failures);

    let rebuilt =
        crate::report::rebuild_summary(run_dir, (crate::summary::Ending::Incomplete, "unused"))
            .expect("rebuilds");
    assert_eq!(
        rebuilt.collapse, live.collapse,
        "same collapse point and firings"
    );
    assert_eq!(
        rebuilt.failures_before_collapse,
        live.failures_before_collapse
    );
    assert_eq!(rebuilt.verdict, live.verdict);
    assert_eq!(
        rebuilt.data_notes,
        vec!["cleanup: container 'c0': removal failed".to_string()],
        "the live run's notes are kept"
    );
    // Rebuilding again repeats nothing.
    let again =
        crate::report::rebuild_summary(run_dir, (crate::summary::Ending::Incomplete, "unused"))
            .expect("rebuilds");
    assert_eq!(again.data_notes, rebuilt.data_notes);
}

#[tokio::test]
async fn a_sample_is_numbered_and_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(record::SCENARIO_TOML), SCENARIO).expect("scenario");
    let scenario = Scenario::load_recorded(&dir.path().join(record::SCENARIO_TOML)).expect("loads");
    let recorded = record(dir.path(), &scenario, vec![sample(1.0, 0.0)]).await;
    assert!(
        recorded.write_errors.is_empty(),
        "{:?}",
        recorded.write_errors
    );
    let back =
        record::read_rows::<SampleRow>(&dir.path().join(record::SAMPLES_CSV)).expect("samples.csv");
    assert_eq!(back.rows.len(), 1);
    assert_eq!(back.rows[0].seq, 1);
}
