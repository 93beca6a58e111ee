//! The guard and the pool together, with the real recorder and detector: once
//! a restore's row makes the guard fire, no further restore starts.

use super::pool::run_paced;
use super::recorder::Recorder;
use crate::collapse::{FleetDetector, WatchedTarget};
use crate::event::Event;
use crate::record::{CsvAppender, OpRecord, Outcome, Phase};
use crate::scenario::{CollapseRules, GuardPolicy, Pacing};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

fn restore_row(index: usize, outcome: Outcome) -> OpRecord {
    OpRecord {
        run_id: "r".into(),
        container: format!("c{index}"),
        start_ms: index as f64,
        end_ms: index as f64 + 1.0,
        latency_ms: 1.0,
        outcome,
        ..OpRecord::new(Phase::Restore, index)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_restore_starts_after_the_row_that_fired_the_guard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stop = CancellationToken::new();
    let (alerts_tx, _alerts_rx) = mpsc::unbounded_channel();
    let recorder = Recorder {
        ops_csv: CsvAppender::create(&dir.path().join("ops.csv")).expect("ops.csv"),
        samples_csv: CsvAppender::create(&dir.path().join("samples.csv")).expect("samples.csv"),
        detector: FleetDetector::new(
            &CollapseRules::default(),
            vec![WatchedTarget {
                name: "target".into(),
                budget: None,
            }],
            0,
        ),
        policy: GuardPolicy::Stop,
        closed: vec![CancellationToken::new()],
        stop_restores: stop.clone(),
        fit_restores: 20,
        view_tx: watch::channel(Vec::new()).0,
        alerts_tx,
    };
    let (events, events_rx) = mpsc::unbounded_channel();
    let recorder = tokio::spawn(recorder.run(events_rx));
    let pacing = Pacing {
        concurrency: 1,
        pause: Duration::ZERO,
    };
    let sender = events.clone();
    let result = run_paced(
        (0..50).collect::<Vec<usize>>(),
        pacing,
        stop,
        move |index| {
            let events = sender.clone();
            async move {
                // Restore 3 times out: a collapse signal, and the guard stops.
                let outcome = if index == 3 {
                    Outcome::Timeout
                } else {
                    Outcome::Ok
                };
                let _ = events.send(Event::Op(Box::new(restore_row(index, outcome))));
                let (done, handled) = tokio::sync::oneshot::channel();
                let _ = events.send(Event::Barrier(done));
                let _ = handled.await;
                index
            }
        },
        Arc::new(|index, _| index),
    )
    .await;
    drop(events);
    let recorded = recorder.await.expect("recorder");
    assert_eq!(result.done, vec![0, 1, 2, 3]);
    assert_eq!(result.not_started.len(), 46);
    assert_eq!(recorded.ops.len(), 4, "no restore after the firing one");
    let point = recorded
        .detector
        .detector(0)
        .expect("one target")
        .verdict()
        .point
        .clone()
        .expect("a collapse");
    assert_eq!(point.at_restore, 4);
}
