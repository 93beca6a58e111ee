//! `summary.json`: the summary written into its run directory and read back.

use super::ending::Ending;
use super::run_summary::Summary;
use crate::record::{RecordError, SUMMARY_JSON};

/// Writes `summary.json` into `run_dir`.
pub fn write(run_dir: &std::path::Path, summary: &Summary) -> Result<(), RecordError> {
    let path = run_dir.join(SUMMARY_JSON);
    let text = serde_json::to_string_pretty(summary).map_err(|e| RecordError::Write {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(&path, text).map_err(|source| RecordError::Write { path, source })
}

/// Reads `summary.json` from `run_dir`.
pub fn read(run_dir: &std::path::Path) -> Result<Summary, RecordError> {
    let path = run_dir.join(SUMMARY_JSON);
    let text = std::fs::read_to_string(&path).map_err(|e| RecordError::Read {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    let unreadable = |e: serde_json::Error| RecordError::Read {
        path: path.clone(),
        detail: e.to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(unreadable)?;
    let recorded_ending = value.get("ending").is_some();
    let mut summary: Summary = serde_json::from_value(value).map_err(unreadable)?;
    // Written before endings were recorded: read from its words, and the
    // verdict derived the same way as today's.
    if !recorded_ending {
        summary.ending = Ending::from_legacy(summary.ended_early.as_deref());
    }
    summary.verdict = summary.judge();
    Ok(summary)
}
