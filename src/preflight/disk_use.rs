//! One thing a run writes to disk, as pre-flight weighs it against the
//! free space of its filesystem.

use std::path::PathBuf;

/// One thing written to disk: on which path, how much, and how the user asked for it.
pub struct DiskUse {
    pub path: PathBuf,
    pub bytes: u64,
    /// `target.emulate.swap = 1 TiB`.
    pub asked: String,
    /// `a swap file`.
    pub what: String,
    /// The fields to lower.
    pub fields: Vec<String>,
}
