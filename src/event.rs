//! What the runner, the sampler and the recorder exchange, in a module that
//! depends on none of them: data flows scenario -> runner -> records and
//! samples -> detector -> report, with no arrow back.

use crate::collapse::{Firing, HardFailure, Projection};
use crate::record::samples::PIPELINE_PHASE;
use crate::record::{OpRecord, Phase, SampleRow};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

/// What workers and the sampler send to the recorder.
#[derive(Debug)]
pub enum Event {
    Op(Box<OpRecord>),
    Sample(Box<SampleRow>),
    /// Answered once every event sent before it has been handled (and the
    /// guard has judged it).
    Barrier(tokio::sync::oneshot::Sender<()>),
}

/// What the recorder tells the console as it happens; `target` names the
/// fleet target it is about ("" in a fleet of one).
#[derive(Debug, Clone)]
pub enum Alert {
    /// A collapse rule fired.
    Collapse { target: String, firing: Firing },
    /// The target failed outright.
    HardFailure {
        target: String,
        failure: HardFailure,
    },
}

impl Alert {
    /// The console's line for it.
    pub fn line(&self) -> String {
        let (target, line) = match self {
            Alert::Collapse { target, firing } => (
                target,
                format!(
                    "collapse rule fired at restore {}: {} ({})",
                    firing.at_restore,
                    firing.rule.as_str(),
                    firing.detail
                ),
            ),
            Alert::HardFailure { target, failure } => (target, failure.describe()),
        };
        match target.as_str() {
            "" => line,
            name => format!("target '{name}': {line}"),
        }
    }
}

/// What the recorder last learned of one target, for placement and the
/// console: its latest sample's footprint and its projection.
#[derive(Debug, Clone, Default)]
pub struct TargetView {
    /// Its name in the scenario.
    pub name: String,
    /// Its non-reclaimable footprint at its latest sample, bytes.
    pub footprint_bytes: Option<u64>,
    /// Containers restored on it at that sample.
    pub restored_at_sample: u64,
    pub projection: Option<Projection>,
}

/// Every target's view, in the scenario's order.
pub type FleetView = Vec<TargetView>;

/// A step of a migration that has operations in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Checkpoint,
    Transfer,
    Restore,
}

/// Live counters the sampler reads: the batch phase (or `migrate` in
/// pipeline mode), the operations in flight per step, and the containers
/// restored so far. In pipeline mode checkpoints and restores overlap, so
/// what the target is doing is told by the in-flight counts, not the phase.
#[derive(Debug, Default)]
pub struct LiveState {
    phase: AtomicU8,
    pipeline: AtomicU8,
    checkpointing: AtomicU64,
    transferring: AtomicU64,
    restoring: AtomicU64,
    migrated: AtomicU64,
    /// Restored per fleet target, in the scenario's order.
    migrated_on: Vec<AtomicU64>,
}

/// Counts an operation in flight until dropped.
pub struct InFlight<'a> {
    counter: &'a AtomicU64,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::Relaxed);
    }
}

impl LiveState {
    /// The counters of a run onto `targets` targets.
    pub fn for_targets(targets: usize) -> LiveState {
        LiveState {
            migrated_on: (0..targets).map(|_| AtomicU64::new(0)).collect(),
            ..LiveState::default()
        }
    }

    pub fn set_phase(&self, phase: Phase) {
        let position = Phase::ALL.iter().position(|p| *p == phase).unwrap_or(0);
        self.phase.store(position as u8, Ordering::Relaxed);
    }

    /// From now on the run migrates container by container (pipeline mode).
    pub fn set_pipeline(&self, on: bool) {
        self.pipeline.store(u8::from(on), Ordering::Relaxed);
    }

    /// The name of what the run is doing, for samples.csv.
    pub fn phase_name(&self) -> &'static str {
        if self.pipeline.load(Ordering::Relaxed) == 1 {
            return PIPELINE_PHASE;
        }
        Phase::ALL[self.phase.load(Ordering::Relaxed) as usize % Phase::ALL.len()].as_str()
    }

    fn counter(&self, step: Step) -> &AtomicU64 {
        match step {
            Step::Checkpoint => &self.checkpointing,
            Step::Transfer => &self.transferring,
            Step::Restore => &self.restoring,
        }
    }

    /// Counts one operation of `step` in flight while the guard lives.
    pub fn enter(&self, step: Step) -> InFlight<'_> {
        let counter = self.counter(step);
        counter.fetch_add(1, Ordering::Relaxed);
        InFlight { counter }
    }

    /// Operations of `step` in flight now.
    pub fn in_flight(&self, step: Step) -> u64 {
        self.counter(step).load(Ordering::Relaxed)
    }

    /// One more container restored, on fleet target `target`.
    pub fn add_migrated(&self, target: usize) -> u64 {
        if let Some(on) = self.migrated_on.get(target) {
            on.fetch_add(1, Ordering::Relaxed);
        }
        self.migrated.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Containers restored on fleet target `target` so far.
    pub fn migrated_on(&self, target: usize) -> u64 {
        self.migrated_on
            .get(target)
            .map_or(0, |on| on.load(Ordering::Relaxed))
    }

    pub fn migrated(&self) -> u64 {
        self.migrated.load(Ordering::Relaxed)
    }
}

/// Milliseconds rounded to whole microseconds (keeps the CSV readable).
pub fn round_us(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_flight_counts_follow_their_guards() {
        let live = LiveState::default();
        let a = live.enter(Step::Restore);
        let b = live.enter(Step::Restore);
        let c = live.enter(Step::Checkpoint);
        assert_eq!(live.in_flight(Step::Restore), 2);
        assert_eq!(live.in_flight(Step::Checkpoint), 1);
        drop((a, c));
        assert_eq!(live.in_flight(Step::Restore), 1);
        assert_eq!(live.in_flight(Step::Checkpoint), 0);
        drop(b);
        assert_eq!(live.in_flight(Step::Restore), 0);
        live.set_phase(Phase::Restore);
        assert_eq!(live.phase_name(), "restore");
        live.set_pipeline(true);
        assert_eq!(live.phase_name(), PIPELINE_PHASE);
    }
}
