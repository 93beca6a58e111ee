//! One container's journey through a run: what is known of it after each
//! step, and the names of what each round makes of it.

use super::lines::CounterLine;
use crate::record::Phase;
use std::path::PathBuf;

/// One container's journey through the phases.
#[derive(Debug, Clone)]
pub struct Slot {
    pub index: usize,
    pub name: String,
    pub source_id: Option<String>,
    /// The original's last line before its checkpoint.
    pub before: Option<CounterLine>,
    /// Where its checkpoint is now.
    pub checkpoint: Option<PathBuf>,
    /// Its checkpoint as the source wrote it, kept for a rollback.
    pub source_checkpoint: Option<PathBuf>,
    pub clone_id: Option<String>,
    pub restored: bool,
    /// The soak round this journey belongs to, from 1.
    pub round: u32,
    /// The first phase that failed or was skipped for it.
    pub stopped_at: Option<Phase>,
    /// When its steps ran, for the parts of its downtime.
    pub timings: StepTimings,
    /// Its clone, made on the target before the checkpoint.
    pub prepared: Option<PreparedClone>,
    /// The fleet target it was placed on (index into the plan's targets);
    /// `None` in a fleet until its restore begins.
    pub target: Option<usize>,
}

/// A clone the target made ahead of the freeze (`Engine::prepare_clone`).
#[derive(Debug, Clone)]
pub struct PreparedClone {
    pub id: String,
    /// How long it took: work no longer inside the downtime, ms.
    pub took_ms: f64,
}

/// When a container's steps ended or took, ms since the run started.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepTimings {
    pub checkpoint_end_ms: Option<f64>,
    pub transfer_ms: Option<f64>,
    pub restore_start_ms: Option<f64>,
    pub restore_end_ms: Option<f64>,
}

impl Slot {
    /// The slot of container `index`, named `name`, before anything happened to it.
    pub fn new(index: usize, name: String) -> Slot {
        Slot {
            index,
            name,
            source_id: None,
            before: None,
            checkpoint: None,
            source_checkpoint: None,
            clone_id: None,
            prepared: None,
            target: None,
            restored: false,
            round: 1,
            stopped_at: None,
            timings: StepTimings::default(),
        }
    }

    /// The name of what this round makes of the container: `kind` "r" for
    /// its clone, "b" for its rollback (`<name>-r`, then `<name>-r2`...).
    pub fn made_name(&self, kind: &str) -> String {
        match self.round {
            1 => format!("{}-{kind}", self.name),
            round => format!("{}-{kind}{round}", self.name),
        }
    }

    /// The name its checkpoint is written under this round.
    pub fn checkpoint_name(&self) -> String {
        match self.round {
            1 => self.name.clone(),
            round => format!("{}-round{round}", self.name),
        }
    }

    /// Whether it was restored and continued where it stopped.
    pub fn continued(&self) -> bool {
        self.restored && self.stopped_at.is_none()
    }

    /// Its next round's journey, starting from its clone (which becomes the
    /// container to migrate); one that did not continue stays out of the
    /// soak, stopped where it was.
    pub fn next_round(self) -> Slot {
        let round = self.round + 1;
        if !self.continued() {
            return Slot {
                round,
                stopped_at: self.stopped_at.or(Some(Phase::Verify)),
                ..Slot::new(self.index, self.name)
            };
        }
        Slot {
            source_id: self.clone_id,
            round,
            target: self.target,
            ..Slot::new(self.index, self.name)
        }
    }
}
