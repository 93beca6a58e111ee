//! Each target of a fleet over time, as small multiples: one panel per
//! target, stacked on the same axes so the targets compare at a glance. Each
//! panel shows the target's non-reclaimable footprint, its memory charge and
//! its swap, its RAM budget, and where it collapsed.

use super::downsample::downsample;
use super::style::{self, err};
use super::{Chart, RunData};
use crate::record::SampleRow;
use crate::summary::TargetSummary;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct FleetTimeline<'a>(pub RunData<'a>);

const MIB: f64 = 1024.0 * 1024.0;

/// Height of one panel, px: a fleet of many targets makes a taller image
/// rather than squeezing each panel.
const PANEL_PX: u32 = 260;
/// Height of the chart's title above the panels, px.
const TITLE_AREA_PX: u32 = 50;

type Pick = fn(&SampleRow) -> Option<u64>;

/// The lines of each panel: name, colour, field.
const LINES: [(&str, RGBColor, Pick); 3] = [
    ("non-reclaimable footprint", style::FOOTPRINT, |s| {
        s.target_footprint_bytes
    }),
    ("memory charge", style::TARGET_MEMORY, |s| {
        s.target_memory_bytes
    }),
    ("swap", style::TARGET_SWAP, |s| s.target_swap_bytes),
];

/// "a (emulated:a): 60 placed, collapse at restore 55 (swap budget nearly used)".
fn caption(target: &TargetSummary) -> String {
    let collapse = target
        .collapse
        .point
        .as_ref()
        .map_or("no collapse".to_string(), |p| {
            format!("collapse at restore {} ({})", p.at_restore, p.rule.as_str())
        });
    let host = if target.host.is_empty() {
        String::new()
    } else {
        format!(" ({})", target.host)
    };
    format!(
        "{}{host}: {} placed, {collapse}",
        target.name, target.placed
    )
}

/// A target's RAM budget, MiB, when its projection recorded one.
fn ram_budget_mib(target: &TargetSummary) -> Option<f64> {
    target
        .projection
        .map(|p| p.ram_budget_bytes)
        .filter(|&bytes| bytes > 0)
        .map(|bytes| bytes as f64 / MIB)
}

impl FleetTimeline<'_> {
    /// The highest value any panel draws, MiB: every panel shares it.
    fn y_max_mib(&self) -> f64 {
        let measured = self
            .0
            .fleet_targets()
            .iter()
            .flat_map(|t| {
                self.0
                    .samples_of(&t.name)
                    .flat_map(|s| LINES.iter().filter_map(|(_, _, pick)| pick(s)))
            })
            .map(|bytes| bytes as f64 / MIB);
        let budgets = self.0.fleet_targets().iter().filter_map(ram_budget_mib);
        measured.chain(budgets).fold(1.0, f64::max) * 1.15
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        target: &TargetSummary,
        (t_max_s, y_max_mib): (f64, f64),
        first: bool,
    ) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let mut chart = ChartBuilder::on(area)
            .caption(caption(target), style::label_font())
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..t_max_s, 0.0..y_max_mib)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time since the run started, s")
            .y_desc("MiB")
            .y_label_formatter(&|mib| format!("{mib:.0}"))
            .axis_desc_style(style::axis_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        for (name, color, pick) in LINES {
            let points = downsample(
                self.0
                    .samples_of(&target.name)
                    .filter_map(|s| Some((s.t_ms / 1000.0, pick(s)? as f64 / MIB))),
            );
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        if let Some(level) = ram_budget_mib(target) {
            chart
                .draw_series(DashedLineSeries::new(
                    [(0.0, level), (t_max_s, level)],
                    8,
                    6,
                    style::COUNT.stroke_width(2),
                ))
                .map_err(err)?
                .label("RAM budget")
                .legend(|(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], style::COUNT.stroke_width(1))
                });
        }
        if let Some(point) = &target.collapse.point {
            let t_s = point.t_ms / 1000.0;
            chart
                .draw_series(LineSeries::new(
                    [(t_s, 0.0), (t_s, y_max_mib)],
                    style::COLLAPSE.stroke_width(3),
                ))
                .map_err(err)?
                .label("collapse")
                .legend(|(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], style::COLLAPSE.stroke_width(3))
                });
            // Left of the line in the right half, so the label stays inside.
            let (anchor, x) = if t_s > t_max_s / 2.0 {
                (HPos::Right, t_s - t_max_s * 0.005)
            } else {
                (HPos::Left, t_s + t_max_s * 0.005)
            };
            let font = style::axis_font()
                .color(&style::COLLAPSE)
                .pos(Pos::new(anchor, VPos::Top));
            chart
                .draw_series([Text::new(
                    format!("restore {}", point.at_restore),
                    (x, y_max_mib * 0.95),
                    font,
                )])
                .map_err(err)?;
        }
        // The lines are the same in every panel: one legend is enough.
        if first {
            style::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        }
        Ok(())
    }
}

impl Chart for FleetTimeline<'_> {
    fn title(&self) -> String {
        format!("{}: each target over time", self.0.summary.scenario)
    }

    fn file_stem(&self) -> &'static str {
        "fleet_timeline"
    }

    fn size(&self) -> (u32, u32) {
        let panels = self.0.fleet_targets().len() as u32;
        let height = TITLE_AREA_PX + PANEL_PX * panels;
        (style::SIZE.0, height.max(style::SIZE.1))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(err)?;
        let panels = root
            .titled(&self.title(), style::title_font())
            .map_err(err)?;
        let targets = self.0.fleet_targets();
        let axes = (self.0.t_max_s(), self.y_max_mib());
        let areas = panels.split_evenly((targets.len().max(1), 1));
        for (i, (area, target)) in areas.iter().zip(targets).enumerate() {
            self.panel(area, target, axes, i == 0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "fleet_timeline_tests.rs"]
mod tests;
