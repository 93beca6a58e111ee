//! What a run leaves to read: the charts and report.md, drawn from its rows
//! and its summary.

use super::series::load_series;
use super::{charts, markdown};
use crate::summary::Summary;
use std::path::Path;

/// Writes charts and report.md for a run. A chart that fails is logged and
/// skipped: measurements are never discarded because a picture failed.
pub fn write_all(run_dir: &Path, summary: &Summary) {
    let (ops, charts) = match load_series(run_dir) {
        Ok(series) => {
            let charts = charts::render_all(run_dir, summary, &series);
            (series.ops, charts)
        }
        Err(e) => {
            tracing::error!("charts skipped: {e:#}");
            (Vec::new(), Vec::new())
        }
    };
    if let Err(e) = markdown::write(run_dir, summary, &ops, &charts) {
        tracing::error!("report.md not written: {e:#}");
    }
}
