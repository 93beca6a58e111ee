//! The hard failure: the moment the target fails outright, as opposed to the
//! collapse (the first sign that it stops coping). Like the detector, a pure,
//! incremental function of the event series, so `migbench report` finds the
//! same point from the CSVs.
//!
//! The target has failed outright at the first of:
//! - an OOM kill in its cgroup (`target_oom_kills` grows past its first
//!   reading, at any time of the run);
//! - a restore that failed with a memory error (its error text says "out of
//!   memory", "cannot allocate memory", ENOMEM or an OOM kill);
//! - a restore that timed out (`timeout`);
//! - a restore that found the engine dead (`engine_down`).

use crate::record::{OpRecord, Outcome, Phase, SampleRow};
use serde::{Deserialize, Serialize};

/// What made the target fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    /// The kernel OOM-killed a process in the target's cgroup.
    OomKill,
    /// A restore failed with a memory error.
    RestoreOutOfMemory,
    /// A restore did not finish within the operation timeout.
    RestoreTimeout,
    /// The target engine died.
    EngineDown,
}

impl FailureCause {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCause::OomKill => "OOM kill in target",
            FailureCause::RestoreOutOfMemory => "restore failed for memory",
            FailureCause::RestoreTimeout => "restore timed out",
            FailureCause::EngineDown => "target engine down",
        }
    }
}

/// Where the target failed outright.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardFailure {
    pub cause: FailureCause,
    /// 1-based ordinal of the restore during (or at the end of) which it
    /// happened, counted like a collapse firing's.
    pub at_restore: usize,
    /// Milliseconds since the run started.
    pub t_ms: f64,
    /// The values that show it.
    pub detail: String,
}

impl HardFailure {
    /// "hard failure at restore N: cause (detail)".
    pub fn describe(&self) -> String {
        format!(
            "hard failure at restore {}: {} ({})",
            self.at_restore,
            self.cause.as_str(),
            self.detail
        )
    }
}

/// Words of an error text that say memory ran out (compared in lower case).
const MEMORY_ERRORS: [&str; 7] = [
    "out of memory",
    "cannot allocate memory",
    "enomem",
    "oom-kill",
    "oom kill",
    "oom_kill",
    "oomkill",
];

/// Whether an operation's error text says memory ran out.
pub fn is_memory_error(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    MEMORY_ERRORS.iter().any(|words| error.contains(words))
}

/// Watches the series for the hard failure; the first one is kept.
#[derive(Debug, Default)]
pub struct FailureWatch {
    restores_done: usize,
    oom_kills_seen: Option<u64>,
    failure: Option<HardFailure>,
}

impl FailureWatch {
    /// The hard failure, once it happened.
    pub fn failure(&self) -> Option<&HardFailure> {
        self.failure.as_ref()
    }

    pub fn into_failure(self) -> Option<HardFailure> {
        self.failure
    }

    /// Feeds a finished operation; returns the hard failure if this is it.
    pub fn on_op(&mut self, op: &OpRecord) -> Option<HardFailure> {
        if op.phase != Phase::Restore {
            return None;
        }
        self.restores_done += 1;
        let cause = match op.outcome {
            Outcome::Timeout => FailureCause::RestoreTimeout,
            Outcome::EngineDown => FailureCause::EngineDown,
            Outcome::Failed if is_memory_error(&op.error) => FailureCause::RestoreOutOfMemory,
            _ => return None,
        };
        let detail = format!("restore of '{}': {}", op.container, excerpt(&op.error));
        self.fail(cause, self.restores_done, op.end_ms, detail)
    }

    /// Feeds a sampler tick; returns the hard failure if this is it.
    pub fn on_sample(&mut self, sample: &SampleRow) -> Option<HardFailure> {
        let kills = sample.target_oom_kills?;
        let before = *self.oom_kills_seen.get_or_insert(kills);
        if kills <= before {
            return None;
        }
        let detail = format!("{} OOM kill(s) in the target's cgroup", kills - before);
        let at = self.restores_done + 1;
        self.fail(FailureCause::OomKill, at, sample.t_ms, detail)
    }

    fn fail(
        &mut self,
        cause: FailureCause,
        at_restore: usize,
        t_ms: f64,
        detail: String,
    ) -> Option<HardFailure> {
        if self.failure.is_some() {
            return None;
        }
        let failure = HardFailure {
            cause,
            at_restore,
            t_ms,
            detail,
        };
        self.failure = Some(failure.clone());
        Some(failure)
    }
}

/// The first 200 characters of an error (engine errors can be long).
fn excerpt(error: &str) -> String {
    match error.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &error[..at]),
        None => error.to_string(),
    }
}

#[cfg(test)]
#[path = "hard_tests.rs"]
mod tests;
