//! What the scripted engine (`fake`) is told to do, per operation and
//! container, and what it records of each call.

use std::collections::HashMap;
use std::time::Duration;

/// An operation the script can time, fail or hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Create,
    Start,
    Checkpoint,
    Restore,
}

/// What the engine does, per operation and container index.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// How long each operation takes (none: at once).
    pub latency: HashMap<Op, Duration>,
    /// `(operation, container index)` that fail.
    pub fails: Vec<(Op, usize)>,
    /// `(operation, container index)` that never answer.
    pub hangs: Vec<(Op, usize)>,
    /// Containers whose clone starts counting again at 1 (state not kept).
    pub restarts: Vec<usize>,
}

impl Script {
    pub fn latency(mut self, op: Op, latency: Duration) -> Script {
        self.latency.insert(op, latency);
        self
    }

    pub fn failing(mut self, op: Op, index: usize) -> Script {
        self.fails.push((op, index));
        self
    }

    pub fn hanging(mut self, op: Op, index: usize) -> Script {
        self.hangs.push((op, index));
        self
    }

    pub fn restarting(mut self, index: usize) -> Script {
        self.restarts.push(index);
        self
    }
}

/// One call the engine answered (or was still answering), in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub op: Op,
    pub index: usize,
    pub started: std::time::Instant,
    pub ended: Option<std::time::Instant>,
}
