//! Per-container latency against container index, for checkpoint, transfer
//! and restore (log scale), with the collapse point marked.

use super::style::{self, err};
use super::{Chart, RunData};
use crate::record::Phase;
use plotters::coord::Shift;
use plotters::prelude::*;

pub struct PerContainer<'a>(pub RunData<'a>);

const PHASES: [Phase; 3] = [Phase::Checkpoint, Phase::Transfer, Phase::Restore];

impl Chart for PerContainer<'_> {
    fn title(&self) -> String {
        format!("{}: latency per container", self.0.summary.scenario)
    }

    fn file_stem(&self) -> &'static str {
        "latency_per_container"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let data = self.0;
        root.fill(&WHITE).map_err(err)?;
        let points: Vec<(Phase, Vec<(f64, f64)>)> = PHASES
            .iter()
            .map(|&phase| {
                let ok = data.ops(phase).into_iter().filter(|op| op.outcome.is_ok());
                (
                    phase,
                    ok.map(|op| (op.index as f64, op.latency_ms.max(0.1)))
                        .collect(),
                )
            })
            .collect();
        let all = points.iter().flat_map(|(_, p)| p.iter().map(|p| p.1));
        let (lo, hi) = all.fold((f64::MAX, 0.1f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let lo = if lo == f64::MAX { 0.1 } else { lo };
        let n = data.summary.containers.max(1) as f64;
        let mut chart = style::frame(root, &self.title())
            .build_cartesian_2d(-0.5..n - 0.5, ((lo * 0.7)..(hi * 1.5)).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("container index (order of the batch)")
            .y_desc("latency, ms (log scale)")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        for (phase, series) in &points {
            if series.is_empty() {
                continue;
            }
            let color = style::phase_color(*phase);
            let p50 = data
                .summary
                .phase(*phase)
                .and_then(|p| p.latency)
                .map_or(0.0, |l| l.p50_ms);
            chart
                .draw_series(
                    series
                        .iter()
                        .map(|&(x, y)| Circle::new((x, y), 3, color.filled())),
                )
                .map_err(err)?
                .label(format!("{} (p50 {:.0} ms)", phase.as_str(), p50))
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
        }
        if let Some(index) = data.collapse_index() {
            let cause = data
                .summary
                .collapse
                .point
                .as_ref()
                .map_or("", |p| p.rule.as_str());
            let x = index as f64;
            chart
                .draw_series(LineSeries::new(
                    [(x, lo * 0.7), (x, hi * 1.5)],
                    style::COLLAPSE.stroke_width(2),
                ))
                .map_err(err)?
                .label(format!("collapse: {cause}"))
                .legend(|(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], style::COLLAPSE.stroke_width(2))
                });
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
