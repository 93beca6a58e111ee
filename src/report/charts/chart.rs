//! The small trait every chart implements, and what a run's charts are
//! drawn from.

use super::super::series::{machine_ticks, Series};
use crate::record::{OpRecord, Phase, SampleRow};
use crate::summary::{Summary, TargetSummary};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::borrow::Cow;
use std::path::Path;

/// One chart: a title, a file stem and a drawing on any backend.
pub trait Chart {
    fn title(&self) -> String;
    fn file_stem(&self) -> &'static str;
    /// Width and height, px.
    fn size(&self) -> (u32, u32) {
        super::style::SIZE
    }
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

    /// The fleet's targets when there are several (their own charts draw
    /// them); empty for a fleet of one and runs recorded before fleets.
    pub fn fleet_targets(&self) -> &[TargetSummary] {
        match &self.summary.fleet {
            Some(fleet) if fleet.targets.len() > 1 => &fleet.targets,
            _ => &[],
        }
    }

    /// The samples with the machine's fields once per tick: a fleet's rows
    /// repeat them for each target, which would zig-zag between targets.
    pub fn ticks(&self) -> Cow<'_, [SampleRow]> {
        if self.fleet_targets().is_empty() {
            Cow::Borrowed(&self.series.samples)
        } else {
            Cow::Owned(machine_ticks(&self.series.samples))
        }
    }

    /// A fleet target's own rows of samples.csv.
    pub fn samples_of<'s>(&'s self, target: &'s str) -> impl Iterator<Item = &'s SampleRow> {
        self.series
            .samples
            .iter()
            .filter(move |s| s.target == target)
    }

    /// The end of the run's last row, seconds (at least 1).
    pub fn t_max_s(&self) -> f64 {
        let samples = self.series.samples.iter().map(|s| s.t_ms);
        let ops = self.series.ops.iter().map(|op| op.end_ms);
        samples.chain(ops).fold(1000.0, f64::max) / 1000.0
    }

    /// The target of a fleet whose firing is the run's collapse point.
    pub fn collapsed_target(&self) -> Option<&TargetSummary> {
        super::super::fleet_table::collapsed_target(self.summary)
    }

    /// The container index of the restore during which the collapse fired.
    /// A target counts its own restores, so in a fleet only the collapsed
    /// target's are counted.
    pub fn collapse_index(&self) -> Option<usize> {
        let point = self.summary.collapse.point.as_ref()?;
        let collapsed = self.collapsed_target().map(|t| t.name.as_str());
        let mut restores: Vec<&OpRecord> = self
            .series
            .ops
            .iter()
            .filter(|op| op.phase == Phase::Restore)
            .filter(|op| collapsed.is_none_or(|name| op.target == name))
            .collect();
        restores.sort_by(|a, b| a.end_ms.total_cmp(&b.end_ms));
        restores
            .get(point.at_restore.saturating_sub(1))
            .or(restores.last())
            .map(|op| op.index)
    }
}

/// Renders `chart` as `<dir>/<stem>.svg` and `.png`; returns (title, png path relative to the run).
pub fn render<C: Chart>(dir: &Path, chart: &C) -> Result<(String, String), String> {
    super::style::register_font();
    let charts_dir = dir.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| format!("cannot create '{}': {e}", charts_dir.display()))?;
    let svg = charts_dir.join(format!("{}.svg", chart.file_stem()));
    let png = charts_dir.join(format!("{}.png", chart.file_stem()));
    {
        let root = SVGBackend::new(&svg, chart.size()).into_drawing_area();
        chart.draw(&root)?;
        root.present()
            .map_err(|e| format!("'{}': {e}", svg.display()))?;
    }
    {
        let root = BitMapBackend::new(&png, chart.size()).into_drawing_area();
        chart.draw(&root)?;
        root.present()
            .map_err(|e| format!("'{}': {e}", png.display()))?;
    }
    Ok((chart.title(), format!("charts/{}.png", chart.file_stem())))
}
