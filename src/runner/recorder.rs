//! The recorder actor: the one place that writes `ops.csv` and `samples.csv`.
//! Runner workers and the sampler send it events; it appends and flushes each
//! row (synced to the disk at most `SYNC_EVERY` later), numbers it, feeds
//! its target's collapse detector, and closes a target when the guard says
//! so (at its collapse under `stop`, at its hard failure under `observe`):
//! a closed target takes nothing more, and when every target is closed the
//! runner stops. It also tells placement and the console what each target's
//! samples say (footprint, projection).

use crate::collapse::{project, Budget, Firing, FleetDetector, Rule};
use crate::event::{Alert, Event, FleetView};
use crate::record::{CsvAppender, OpRecord, SampleRow, SYNC_EVERY};
use crate::scenario::GuardPolicy;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Everything the recorder saw, handed back when the channel closes.
pub struct Recorded {
    pub ops: Vec<OpRecord>,
    pub samples: Vec<SampleRow>,
    /// Each target's detector, as the run left it.
    pub detector: FleetDetector,
    /// Rows that could not be written (e.g. disk full): kept in memory and in the summary.
    pub write_errors: Vec<String>,
}

/// The actor's state.
pub struct Recorder {
    pub ops_csv: CsvAppender<OpRecord>,
    pub samples_csv: CsvAppender<SampleRow>,
    pub detector: FleetDetector,
    pub policy: GuardPolicy,
    /// One per target, in the scenario's order: cancelled when the guard
    /// closes it (it takes nothing more).
    pub closed: Vec<CancellationToken>,
    /// Cancelled when every target is closed, or the machine itself is in
    /// danger (the host floor): the phases that drive the targets stop.
    pub stop_restores: CancellationToken,
    /// Restores the projection is fitted on (`collapse.projection_restores`).
    pub fit_restores: u64,
    /// What placement and the console learn of each target.
    pub view_tx: watch::Sender<FleetView>,
    /// Collapse firings and hard failures, as they happen, for the console.
    pub alerts_tx: mpsc::UnboundedSender<Alert>,
}

impl Recorder {
    /// Runs until every sender is dropped.
    pub async fn run(mut self, mut events: mpsc::UnboundedReceiver<Event>) -> Recorded {
        let mut kept = Recording {
            hard_failure_seen: vec![false; self.detector.target_count()],
            fit_window: vec![Vec::new(); self.detector.target_count()],
            ..Recording::default()
        };
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
            for (target, firing) in self.record(event, &mut kept) {
                self.guard(target, firing);
            }
            self.watch_hard_failures(&mut kept);
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
            write_errors: kept.write_errors,
        }
    }

    /// The name alerts give target `target` ("" in a fleet of one).
    fn label(&self, target: usize) -> String {
        match self.detector.target_count() {
            1 => String::new(),
            _ => self.detector.name(target).to_string(),
        }
    }

    /// Acts on a firing: under `stop` it closes its target; the harness's
    /// own floor stops everything, a dead engine closes its target under
    /// any policy.
    fn guard(&mut self, target: usize, firing: Firing) {
        if firing.rule == Rule::HostFloor {
            self.closed.iter().for_each(CancellationToken::cancel);
        } else if self.policy == GuardPolicy::Stop || firing.rule == Rule::EngineDown {
            self.close(target);
        }
        // The runner only prints them; a closed receiver loses nothing.
        let _ = self.alerts_tx.send(Alert::Collapse {
            target: self.label(target),
            firing,
        });
        self.stop_when_all_closed();
    }

    /// A target's hard failure closes it (an `observe` run goes on to it).
    fn watch_hard_failures(&mut self, kept: &mut Recording) {
        for target in 0..self.detector.target_count() {
            if kept.hard_failure_seen[target] {
                continue;
            }
            let Some(failure) = self
                .detector
                .detector(target)
                .and_then(|d| d.hard_failure())
            else {
                continue;
            };
            let failure = failure.clone();
            kept.hard_failure_seen[target] = true;
            self.close(target);
            let _ = self.alerts_tx.send(Alert::HardFailure {
                target: self.label(target),
                failure,
            });
            self.stop_when_all_closed();
        }
    }

    fn close(&self, target: usize) {
        if let Some(token) = self.closed.get(target) {
            token.cancel();
        }
    }

    fn stop_when_all_closed(&self) {
        if self.closed.iter().all(CancellationToken::is_cancelled) {
            self.stop_restores.cancel();
        }
    }

    /// Appends one event's row and feeds it to its target's detector;
    /// returns what fired, by target.
    fn record(&mut self, event: Event, kept: &mut Recording) -> Vec<(usize, Firing)> {
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
                if let Some(target) = self.detector.index_of(&sample.target) {
                    self.learn(target, &sample, kept);
                }
                kept.samples.push(*sample);
                fired
            }
        }
    }

    /// Tells placement and the console what a target's sample says: its
    /// footprint and, inside the fit window once restores began (before
    /// that every point has the same count and fits nothing), its refitted
    /// projection.
    fn learn(&mut self, target: usize, sample: &SampleRow, kept: &mut Recording) {
        let fitting = (1..=self.fit_restores).contains(&sample.migrated);
        let mut projection = None;
        if let (Some(budget), true) = (self.detector.budget(target), fitting) {
            let window = &mut kept.fit_window[target];
            window.push(sample.clone());
            let budget = Budget {
                ram_bytes: budget.memory_bytes,
                swap_bytes: budget.swap_bytes,
            };
            projection = project(window, self.fit_restores, budget);
        }
        self.view_tx.send_modify(|view| {
            if view.len() <= target {
                view.resize(target + 1, Default::default());
            }
            let seen = &mut view[target];
            seen.footprint_bytes = sample.target_footprint_bytes;
            seen.restored_at_sample = sample.migrated;
            if projection.is_some() {
                seen.projection = projection;
            }
        });
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
    /// Each target's samples inside the projection's fit window.
    fit_window: Vec<Vec<SampleRow>>,
    write_errors: Vec<String>,
    /// The `seq` of the last row recorded.
    last_seq: u64,
    /// Each target's hard failure was acted on.
    hard_failure_seen: Vec<bool>,
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
