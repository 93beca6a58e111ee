//! The recorder actor: the one place that writes `ops.csv` and `samples.csv`.
//! Runner workers and the sampler send it events; it appends and flushes each
//! row, feeds the collapse detector, and tells the runner to stop restoring
//! when the guard says so.

use crate::collapse::{project, Detector, Firing, Projection, Rule};
use crate::record::{CsvAppender, OpRecord, SampleRow};
use crate::scenario::GuardPolicy;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Restores the live projection is fitted on (the "first 20 restores").
pub const PROJECTION_FIT_RESTORES: u64 = 20;

/// What workers and the sampler send.
#[derive(Debug)]
pub enum Event {
    Op(Box<OpRecord>),
    Sample(Box<SampleRow>),
    /// Answered once every event sent before it has been handled.
    Barrier(tokio::sync::oneshot::Sender<()>),
}

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
    /// RAM + swap budget of the target, for the projection.
    pub budget_bytes: Option<u64>,
    pub projection_tx: watch::Sender<Option<Projection>>,
    pub firings_tx: mpsc::UnboundedSender<Firing>,
}

impl Recorder {
    /// Runs until every sender is dropped.
    pub async fn run(mut self, mut events: mpsc::UnboundedReceiver<Event>) -> Recorded {
        let mut ops = Vec::new();
        let mut samples = Vec::new();
        let mut write_errors = Vec::new();
        let mut projection = None;
        while let Some(event) = events.recv().await {
            let fired = match event {
                Event::Op(op) => {
                    if let Err(e) = self.ops_csv.append(&op) {
                        write_errors.push(e.to_string());
                    }
                    let fired = self.detector.on_op(&op);
                    ops.push(*op);
                    fired
                }
                Event::Sample(sample) => {
                    if let Err(e) = self.samples_csv.append(&sample) {
                        write_errors.push(e.to_string());
                    }
                    let fired = self.detector.on_sample(&sample);
                    // Refit only inside the fit window, once restores began:
                    // before that every point has the same count and fits nothing.
                    let fitting = (1..=PROJECTION_FIT_RESTORES).contains(&sample.migrated);
                    samples.push(*sample);
                    if let (Some(budget), true) = (self.budget_bytes, fitting) {
                        projection = project(&samples, PROJECTION_FIT_RESTORES, budget);
                        self.projection_tx.send_replace(projection);
                    }
                    fired
                }
                Event::Barrier(done) => {
                    // The sender may have stopped waiting; nothing is lost.
                    let _ = done.send(());
                    Vec::new()
                }
            };
            for firing in fired {
                if self.policy == GuardPolicy::Stop
                    || matches!(firing.rule, Rule::HostFloor | Rule::EngineDown)
                {
                    self.stop_restores.cancel();
                }
                // The runner only prints them; a closed receiver loses nothing.
                let _ = self.firings_tx.send(firing);
            }
        }
        for result in [self.ops_csv.sync(), self.samples_csv.sync()] {
            if let Err(e) = result {
                write_errors.push(e.to_string());
            }
        }
        write_errors.dedup();
        Recorded {
            ops,
            samples,
            detector: self.detector,
            projection,
            write_errors,
        }
    }
}
