//! One row of `ops.csv`: one operation on one container.

use serde::{Deserialize, Serialize};

/// The phases of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Shipping the workload image to the target (once per run).
    Image,
    Launch,
    Checkpoint,
    Transfer,
    Restore,
    Verify,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Image,
        Phase::Launch,
        Phase::Checkpoint,
        Phase::Transfer,
        Phase::Restore,
        Phase::Verify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Image => "image",
            Phase::Launch => "launch",
            Phase::Checkpoint => "checkpoint",
            Phase::Transfer => "transfer",
            Phase::Restore => "restore",
            Phase::Verify => "verify",
        }
    }
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Failed,
    Timeout,
    /// Not attempted: an earlier phase failed for this container, or the guard stopped the run.
    Skipped,
    /// Abandoned because the run was interrupted.
    Interrupted,
}

impl Outcome {
    pub fn is_ok(self) -> bool {
        self == Outcome::Ok
    }
}

/// A row of ops.csv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpRecord {
    pub run_id: String,
    pub phase: Phase,
    /// 0-based container index in the batch.
    pub index: usize,
    /// Name of the original container.
    pub container: String,
    /// Id the operation acted on (the clone's for restore and verify).
    pub container_id: String,
    pub source_host: String,
    pub target_host: String,
    /// Wall-clock start, RFC 3339 UTC.
    pub started_at: String,
    /// Start and end, milliseconds since the run started.
    pub start_ms: f64,
    pub end_ms: f64,
    pub latency_ms: f64,
    /// Checkpoint size (checkpoint), bytes moved (transfer, image).
    pub bytes: Option<u64>,
    pub outcome: Outcome,
    pub error: String,
    /// Verify: last counter the original printed before its checkpoint.
    pub seq_before: Option<u64>,
    /// Verify: first counter the clone printed after its restore.
    pub seq_after: Option<u64>,
    /// Verify: time from the original's last line to the clone's first, ms.
    pub service_gap_ms: Option<f64>,
}
