//! Rebuilding a run's summary from its CSVs alone, including a run that was
//! cut short (no summary.json, a truncated last line).

use super::outputs::write_all;
use super::series::{load_series, Series};
use crate::collapse::{FleetDetector, TargetFound};
use crate::event::Event;
use crate::record;
use crate::scenario::Scenario;
use crate::summary::{self, Ending, Summary, SummaryInput};
use anyhow::Context;
use std::path::Path;

/// Replays the detector over ops and samples in the order the live recorder
/// received them (their `seq`), so the collapse point and the hard failure
/// are the ones the run found; runs recorded before `seq` existed are
/// replayed in time order.
pub fn replay(scenario: &Scenario, series: &Series) -> Vec<TargetFound> {
    let mut detector = FleetDetector::of(scenario);
    for event in arrival_order(series) {
        match event {
            Event::Op(op) => {
                detector.on_op(&op);
            }
            Event::Sample(sample) => {
                detector.on_sample(&sample);
            }
            Event::Barrier(_) => {}
        }
    }
    detector.into_parts()
}

/// The rows as events, by `seq` when every row has one, else by time.
fn arrival_order(series: &Series) -> Vec<Event> {
    let numbered = series.ops.iter().all(|op| op.seq > 0)
        && series.samples.iter().all(|sample| sample.seq > 0);
    let mut events: Vec<(u64, f64, Event)> = series
        .ops
        .iter()
        .map(|op| (op.seq, op.end_ms, Event::Op(Box::new(op.clone()))))
        .chain(
            series
                .samples
                .iter()
                .map(|s| (s.seq, s.t_ms, Event::Sample(Box::new(s.clone())))),
        )
        .collect();
    if numbered {
        events.sort_by_key(|e| e.0);
    } else {
        events.sort_by(|a, b| a.1.total_cmp(&b.1));
    }
    events.into_iter().map(|(_, _, event)| event).collect()
}

/// Why a run without summary.json ended, as far as `report` can tell.
const UNFINISHED: &str = "the run did not finish (no summary.json: killed, crashed or power lost)";

/// Rebuilds summary.json, charts and report.md of `run_dir`.
pub fn rebuild(run_dir: &Path) -> anyhow::Result<Summary> {
    let summary = rebuild_summary(run_dir, (Ending::Incomplete, UNFINISHED))?;
    write_all(run_dir, &summary);
    Ok(summary)
}

/// Rebuilds summary.json alone from the CSVs; `unfinished` says how and why
/// the run ended when it wrote no summary itself.
pub fn rebuild_summary(run_dir: &Path, unfinished: (Ending, &str)) -> anyhow::Result<Summary> {
    let scenario = Scenario::load_recorded(&run_dir.join(record::SCENARIO_TOML))
        .with_context(|| format!("'{}' is not a migbench run directory", run_dir.display()))?;
    let series = load_series(run_dir)?;
    let environment = std::fs::read_to_string(run_dir.join(record::ENVIRONMENT_JSON))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let previous = summary::read(run_dir).ok();
    let judged = summary::judge(
        replay(&scenario, &series),
        &series.samples,
        scenario.collapse.projection_restores.get(),
    );
    let (ending, ended_early) = match &previous {
        Some(previous) => (previous.ending, previous.ended_early.clone()),
        None => (unfinished.0, Some(unfinished.1.to_string())),
    };
    let run_id = series
        .ops
        .first()
        .map(|op| op.run_id.clone())
        .unwrap_or_else(|| {
            run_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    // The live run's notes (rows it could not write, cleanup errors) stay; a
    // note this rebuild finds again is not repeated.
    let mut data_notes = previous
        .as_ref()
        .map(|p| p.data_notes.clone())
        .unwrap_or_default();
    for note in &series.notes {
        if !data_notes.contains(note) {
            data_notes.push(note.clone());
        }
    }
    let mut summary = Summary::build(SummaryInput {
        run_id: &run_id,
        scenario: &scenario.name,
        mode: scenario.mode,
        thresholds: &scenario.thresholds,
        containers: scenario.containers,
        ops: &series.ops,
        samples: &series.samples,
        collapse: judged.collapse,
        hard_failure: judged.hard_failure,
        projection: judged.projection,
        ended_early,
        ending,
        data_notes,
        environment,
        placement: scenario.placement.as_str(),
        targets: judged.targets,
    });
    summary.harness = previous.as_ref().and_then(|p| p.harness);
    summary.rounds = record::read_rows::<record::RoundRow>(&run_dir.join(record::ROUNDS_CSV))
        .map(|read| read.rows)
        .unwrap_or_default();
    summary::write(run_dir, &summary)?;
    Ok(summary)
}
