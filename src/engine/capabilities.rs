//! What an engine says it can do, so that the runner asks instead of
//! guessing: how a checkpoint made elsewhere reaches it for a restore, and
//! which restore strategies it runs.

use serde::{Deserialize, Serialize};

/// How a checkpoint made by another engine reaches this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    /// The harness copies it into the directory the engine names
    /// ([`Engine::staging_dir`](super::Engine::staging_dir)), and the
    /// restore reads it there: the transfer is a phase of its own.
    Staged,
    /// It travels inside the restore itself (the request's body, or a
    /// stream over SSH into the clone's store): the restore times it.
    InRestore,
}

/// How a restore gets the container's memory back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The whole image is there before the process runs again.
    #[default]
    StopAndCopy,
    /// The whole image is transferred, but the process runs before its
    /// memory is back: CRIU's lazy-pages daemon serves the pages from the
    /// local image as the process touches them (userfaultfd).
    Lazy,
    /// The process runs on the target while CRIU's page server on the
    /// source serves its pages over the link.
    PostCopy,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [Strategy::StopAndCopy, Strategy::Lazy, Strategy::PostCopy];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::StopAndCopy => "stop-and-copy",
            Strategy::Lazy => "lazy",
            Strategy::PostCopy => "post-copy",
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an engine can do.
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    pub intake: Intake,
    /// The strategies its restores run (stop-and-copy everywhere).
    pub strategies: &'static [Strategy],
}

impl Capabilities {
    pub fn supports(&self, strategy: Strategy) -> bool {
        self.strategies.contains(&strategy)
    }
}
