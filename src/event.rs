//! What the runner, the sampler and the recorder exchange, in a module that
//! depends on none of them: data flows scenario -> runner -> records and
//! samples -> detector -> report, with no arrow back.

use crate::collapse::{Firing, HardFailure};
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

/// What the recorder tells the console as it happens.
#[derive(Debug, Clone)]
pub enum Alert {
    /// A collapse rule fired.
    Collapse(Firing),
    /// The target failed outright.
    HardFailure(HardFailure),
}

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

    pub fn add_migrated(&self) -> u64 {
        self.migrated.fetch_add(1, Ordering::Relaxed) + 1
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
