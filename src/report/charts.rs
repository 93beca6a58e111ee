//! Charts with plotters, each written as SVG and PNG: one file per chart in
//! `charts/`, behind the small [`Chart`] trait. The font is embedded, so
//! charts render the same on a bare machine and in CI.

mod bandwidth_sweep;
mod chart;
mod comparison;
mod criu_time;
mod distribution;
mod downsample;
mod downtime;
mod fleet_placed;
mod fleet_timeline;
mod latency;
mod style;
mod timeline;

use super::series::Series;
use crate::summary::Summary;

use chart::render;
pub use chart::{Chart, RunData};
use std::path::{Path, PathBuf};

fn keep<C: Chart>(dir: &Path, chart: C, out: &mut Vec<(String, String)>) {
    match render(dir, &chart) {
        Ok(done) => out.push(done),
        // A failed chart never costs the measurements: log and go on.
        Err(e) => tracing::error!("chart '{}' not drawn: {e}", chart.file_stem()),
    }
}

/// Every chart of a run; returns (title, file) of those drawn.
pub fn render_all(run_dir: &Path, summary: &Summary, series: &Series) -> Vec<(String, String)> {
    let data = RunData { summary, series };
    let mut drawn = Vec::new();
    keep(run_dir, timeline::Timeline(data), &mut drawn);
    keep(run_dir, latency::PerContainer(data), &mut drawn);
    keep(run_dir, distribution::Distribution(data), &mut drawn);
    keep(run_dir, downtime::Downtime(data), &mut drawn);
    if !summary.criu_split.is_empty() {
        keep(run_dir, criu_time::TimeSplit(data), &mut drawn);
    }
    // A fleet of one is the timeline above; several need a view per target.
    if !data.fleet_targets().is_empty() {
        keep(run_dir, fleet_timeline::FleetTimeline(data), &mut drawn);
        keep(run_dir, fleet_placed::FleetPlaced(data), &mut drawn);
    }
    drawn
}

/// The comparison chart across runs.
pub fn render_compare(out: &Path, summaries: &[(PathBuf, Summary)]) -> Vec<(String, String)> {
    let mut drawn = Vec::new();
    keep(out, comparison::Comparison(summaries), &mut drawn);
    // A bandwidth sweep: its own chart, once two runs had a link.
    let by_bandwidth = bandwidth_sweep::Bandwidth(summaries);
    if by_bandwidth
        .by_mode()
        .iter()
        .any(|(_, points)| points.len() > 1)
    {
        keep(out, by_bandwidth, &mut drawn);
    }
    drawn
}
