//! Comparison across runs: checkpoint and restore latency (p50, p99) per run,
//! and where each run collapsed.

use super::style::{self, err};
use super::Chart;
use crate::record::Phase;
use crate::summary::Summary;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::PathBuf;

pub struct Comparison<'a>(pub &'a [(PathBuf, Summary)]);

impl Chart for Comparison<'_> {
    fn title(&self) -> String {
        "migbench runs compared".into()
    }

    fn file_stem(&self) -> &'static str {
        "compare"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(err)?;
        let runs = self.0;
        let value = |s: &Summary, phase: Phase, p99: bool| {
            s.phase(phase)
                .and_then(|p| p.latency)
                .map(|l| if p99 { l.p99_ms } else { l.p50_ms })
        };
        let series: [(&str, RGBColor, Phase, bool); 4] = [
            (
                "checkpoint p50",
                style::CHECKPOINT,
                Phase::Checkpoint,
                false,
            ),
            ("checkpoint p99", style::CHECKPOINT, Phase::Checkpoint, true),
            ("restore p50", style::RESTORE, Phase::Restore, false),
            ("restore p99", style::RESTORE, Phase::Restore, true),
        ];
        let y_max = runs
            .iter()
            .flat_map(|(_, s)| {
                series
                    .iter()
                    .filter_map(|(_, _, phase, p99)| value(s, *phase, *p99))
            })
            .fold(1.0, f64::max)
            * 1.2;
        let labels: Vec<String> = runs
            .iter()
            .map(|(_, s)| match &s.collapse.point {
                Some(p) => format!(
                    "{} x{} (collapse @{})",
                    s.scenario, s.containers, p.at_restore
                ),
                None => format!("{} x{}", s.scenario, s.containers),
            })
            .collect();
        let mut chart = style::frame(root, &self.title())
            .x_label_area_size(70)
            .build_cartesian_2d(-0.5..runs.len() as f64 - 0.5, 0.0..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(runs.len().max(2))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 0.01 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("run (scenario x containers)")
            .y_desc("latency, ms")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        for (name, color, phase, p99) in series {
            let points: Vec<(f64, f64)> = runs
                .iter()
                .enumerate()
                .filter_map(|(i, (_, s))| Some((i as f64, value(s, phase, p99)?)))
                .collect();
            let stroke = if p99 {
                color.mix(0.5).stroke_width(2)
            } else {
                color.stroke_width(3)
            };
            chart
                .draw_series(LineSeries::new(points.clone(), stroke))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], stroke));
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 5, stroke.filled())),
                )
                .map_err(err)?;
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
