//! The recorder actor: the one place that writes `ops.csv` and `samples.csv`.
//! Runner workers and the sampler send it events; it appends and flushes each
//! row (synced to the disk at most `SYNC_EVERY` later), numbers it, feeds the
//! collapse detector, and tells the runner to stop restoring when the guard
//! says so: at the collapse under `stop`, at the hard failure under
//! `observe`.

use crate::collapse::{project, Budget, Detector, Firing, Projection, Rule};
use crate::event::{Alert, Event};
use crate::record::{CsvAppender, OpRecord, SampleRow, SYNC_EVERY};
use crate::scenario::GuardPolicy;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Everything the recorder saw, handed back when the channel closes.
pub struct Recorded {
    pub ops: Vec<OpRecord>,
    pub samples: Vec<SampleRow>,
    pub detector: Detector,
    pub projection: Option<Projection>,
    /// Rows that could not be written (e.g. disk full): kept in memory and in the summary.
    pub write_errors: Vec<String>,
}

/// The actor's state.
pub struct Recorder {
    pub ops_csv: CsvAppender<OpRecord>,
    pub samples_csv: CsvAppender<SampleRow>,
    pub detector: Detector,
    pub policy: GuardPolicy,
    /// Cancelled when the guard stops the restore phase.
    pub stop_restores: CancellationToken,
    /// The target's RAM and swap budget, for the projection.
    pub budget: Option<Budget>,
    /// Restores the projection is fitted on (`collapse.projection_restores`).
    pub fit_restores: u64,
    pub projection_tx: watch::Sender<Option<Projection>>,
    /// Collapse firings and the hard failure, as they happen, for the console.
    pub alerts_tx: mpsc::UnboundedSender<Alert>,
}

impl Recorder {
    /// Runs until every sender is dropped.
    pub async fn run(mut self, mut events: mpsc::UnboundedReceiver<Event>) -> Recorded {
        let mut kept = Recording::default();
        // Rows are synced by the appends that find the last sync old enough;
        // this tick syncs what a quiet spell left unsynced.
        let mut sync_tick = tokio::time::interval(SYNC_EVERY);
        sync_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let event = tokio::select! {
                event = events.recv() => event,
                _ = sync_tick.tick() => {
                    self.sync_pending(&mut kept.write_errors);
                    continue;
                }
            };
            let Some(event) = event else { break };
            let event = match event {
                Event::Barrier(done) => {
                    // Every earlier event was handled (and judged) above. The
                    // sender may have stopped waiting; nothing is lost.
                    let _ = done.send(());
                    continue;
                }
                other => other,
            };
            let fired = self.record(event, &mut kept);
            for firing in fired {
                if self.policy == GuardPolicy::Stop
                    || matches!(firing.rule, Rule::HostFloor | Rule::EngineDown)
                {
                    self.stop_restores.cancel();
                }
                // The runner only prints them; a closed receiver loses nothing.
                let _ = self.alerts_tx.send(Alert::Collapse(firing));
            }
            if !kept.hard_failure_seen {
                if let Some(failure) = self.detector.hard_failure() {
                    kept.hard_failure_seen = true;
                    // Observe runs to here; a stopped run has already stopped.
                    self.stop_restores.cancel();
                    let _ = self.alerts_tx.send(Alert::HardFailure(failure.clone()));
                }
            }
        }
        for result in [self.ops_csv.sync(), self.samples_csv.sync()] {
            if let Err(e) = result {
                kept.write_errors.push(e.to_string());
            }
        }
        kept.write_errors.dedup();
        Recorded {
            ops: kept.ops,
            samples: kept.samples,
            detector: self.detector,
            projection: kept.projection,
            write_errors: kept.write_errors,
        }
    }

    /// Appends one event's row and feeds it to the detector; returns what fired.
    fn record(&mut self, event: Event, kept: &mut Recording) -> Vec<Firing> {
        // Numbered on arrival, so `report` replays the rows in the order the
        // detector saw them here, not in their (measured) time order.
        match event {
            // Answered in `run`: it is no row.
            Event::Barrier(_) => Vec::new(),
            Event::Op(mut op) => {
                kept.last_seq += 1;
                op.seq = kept.last_seq;
                if let Err(e) = self.ops_csv.append(&op) {
                    kept.write_errors.push(e.to_string());
                }
                let fired = self.detector.on_op(&op);
                kept.ops.push(*op);
                fired
            }
            Event::Sample(mut sample) => {
                kept.last_seq += 1;
                sample.seq = kept.last_seq;
                if let Err(e) = self.samples_csv.append(&sample) {
                    kept.write_errors.push(e.to_string());
                }
                let fired = self.detector.on_sample(&sample);
                // Refit only inside the fit window, once restores began:
                // before that every point has the same count and fits nothing.
                let fitting = (1..=self.fit_restores).contains(&sample.migrated);
                kept.samples.push(*sample);
                if let (Some(budget), true) = (self.budget, fitting) {
                    kept.projection = project(&kept.samples, self.fit_restores, budget);
                    self.projection_tx.send_replace(kept.projection);
                }
                fired
            }
        }
    }

    fn sync_pending(&mut self, write_errors: &mut Vec<String>) {
        for result in [self.ops_csv.sync_pending(), self.samples_csv.sync_pending()] {
            if let Err(e) = result {
                write_errors.push(e.to_string());
            }
        }
    }
}

/// What the recorder keeps while it runs.
#[derive(Default)]
struct Recording {
    ops: Vec<OpRecord>,
    samples: Vec<SampleRow>,
    projection: Option<Projection>,
    write_errors: Vec<String>,
    /// The `seq` of the last row recorded.
    last_seq: u64,
    /// The hard failure was acted on.
    hard_failure_seen: bool,
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
