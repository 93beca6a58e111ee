//! Charts with plotters, each written as SVG and PNG: one file per chart in
//! `charts/`, behind the small [`Chart`] trait. The font is embedded, so
//! charts render the same on a bare machine and in CI.

mod bandwidth;
mod compare;
mod criu_split;
mod distribution;
mod downtime;
mod latency;
mod style;
mod timeline;

use super::rebuild::Series;
use crate::record::{OpRecord, Phase};
use crate::summary::Summary;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// One chart: a title, a file stem and a drawing on any backend.
pub trait Chart {
    fn title(&self) -> String;
    fn file_stem(&self) -> &'static str;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static;
}

/// What every chart of a run is drawn from.
#[derive(Clone, Copy)]
pub struct RunData<'a> {
    pub summary: &'a Summary,
    pub series: &'a Series,
}

impl RunData<'_> {
    /// Rows of `phase`, in container order.
    pub fn ops(&self, phase: Phase) -> Vec<&OpRecord> {
        let mut ops: Vec<&OpRecord> = self
            .series
            .ops
            .iter()
            .filter(|op| op.phase == phase)
            .collect();
        ops.sort_by_key(|op| op.index);
        ops
    }

    /// The container index of the restore during which the collapse fired.
    pub fn collapse_index(&self) -> Option<usize> {
        let point = self.summary.collapse.point.as_ref()?;
        let mut restores: Vec<&OpRecord> = self
            .series
            .ops
            .iter()
            .filter(|op| op.phase == Phase::Restore)
            .collect();
        restores.sort_by(|a, b| a.end_ms.total_cmp(&b.end_ms));
        restores
            .get(point.at_restore.saturating_sub(1))
            .or(restores.last())
            .map(|op| op.index)
    }
}

/// Renders `chart` as `<dir>/<stem>.svg` and `.png`; returns (title, png path relative to the run).
fn render<C: Chart>(dir: &Path, chart: &C) -> Result<(String, String), String> {
    style::register_font();
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| format!("cannot create '{}': {e}", charts_dir.display()))?;
    let svg = charts_dir.join(format!("{}.svg", chart.file_stem()));
    let png = charts_dir.join(format!("{}.png", chart.file_stem()));
    {
        let root = SVGBackend::new(&svg, style::SIZE).into_drawing_area();
        chart.draw(&root)?;
        root.present()
            .map_err(|e| format!("'{}': {e}", svg.display()))?;
    }
    {
        let root = BitMapBackend::new(&png, style::SIZE).into_drawing_area();
        chart.draw(&root)?;
        root.present()
            .map_err(|e| format!("'{}': {e}", png.display()))?;
    }
    Ok((chart.title(), format!("charts/{}.png", chart.file_stem())))
}

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
        keep(run_dir, criu_split::TimeSplit(data), &mut drawn);
    }
    drawn
}

/// The comparison chart across runs.
pub fn render_compare(out: &Path, summaries: &[(PathBuf, Summary)]) -> Vec<(String, String)> {
    let mut drawn = Vec::new();
    keep(out, compare::Comparison(summaries), &mut drawn);
    // A bandwidth sweep: its own chart, once two runs had a link.
    let by_bandwidth = bandwidth::Bandwidth(summaries);
    if by_bandwidth
        .by_mode()
        .iter()
        .any(|(_, points)| points.len() > 1)
    {
        keep(out, by_bandwidth, &mut drawn);
    }
    drawn
}
