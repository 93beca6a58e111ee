//! Reports: the console summary table, report.md, charts, the rebuild of a
//! run from its CSVs alone, and comparisons across runs. Nothing here talks
//! to an engine: the records are the only input.

mod charts;
mod compare;
mod criu_split;
mod markdown;
mod rebuild;
mod table;

pub use compare::compare;
pub use rebuild::{rebuild, rebuild_summary};
pub use table::console_table;

use crate::summary::Summary;
use std::path::Path;

pub const REPORT_MD: &str = "report.md";

/// Writes charts and report.md for a run. A chart that fails is logged and
/// skipped: measurements are never discarded because a picture failed.
pub fn write_all(run_dir: &Path, summary: &Summary) {
    let (ops, charts) = match rebuild::load_series(run_dir) {
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
