//! Latency distribution per phase as a CDF, with p50 and p99 marked.

use super::style::{self, err};
use super::{Chart, RunData};
use crate::record::Phase;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct Distribution<'a>(pub RunData<'a>);

const PHASES: [Phase; 3] = [Phase::Checkpoint, Phase::Transfer, Phase::Restore];

impl Chart for Distribution<'_> {
    fn title(&self) -> String {
        format!("{}: latency distribution (CDF)", self.0.summary.scenario)
    }

    fn file_stem(&self) -> &'static str {
        "latency_cdf"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let data = self.0;
        root.fill(&WHITE).map_err(err)?;
        let curves: Vec<(Phase, Vec<(f64, f64)>)> = PHASES
            .iter()
            .map(|&phase| {
                let mut values: Vec<f64> = data
                    .ops(phase)
                    .iter()
                    .filter(|op| op.outcome.is_ok())
                    .map(|op| op.latency_ms.max(0.1))
                    .collect();
                values.sort_by(f64::total_cmp);
                let n = values.len() as f64;
                let curve = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (*v, (i + 1) as f64 * 100.0 / n))
                    .collect();
                (phase, curve)
            })
            .filter(|(_, c): &(Phase, Vec<(f64, f64)>)| !c.is_empty())
            .collect();
        let all = curves.iter().flat_map(|(_, c)| c.iter().map(|p| p.0));
        let (lo, hi) = all.fold((f64::MAX, 0.1f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let lo = if lo == f64::MAX { 0.1 } else { lo };
        let mut chart = style::frame(root, &self.title())
            .margin_right(90)
            .build_cartesian_2d(((lo * 0.7)..(hi * 1.5)).log_scale(), 0.0..100.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("latency, ms (log scale)")
            .y_desc("operations at or below, %")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        for (row, (phase, curve)) in curves.iter().enumerate() {
            let color = style::phase_color(*phase);
            let mut steps = vec![(curve[0].0, 0.0)];
            steps.extend(curve.iter().copied());
            chart
                .draw_series(LineSeries::new(steps, color.stroke_width(3)))
                .map_err(err)?
                .label(format!("{} ({} ok)", phase.as_str(), curve.len()))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(3))
                });
            let Some(latency) = data.summary.phase(*phase).and_then(|p| p.latency) else {
                continue;
            };
            for (name, value, pct) in [("p50", latency.p50_ms, 50.0), ("p99", latency.p99_ms, 99.0)]
            {
                let x = value.max(lo * 0.7);
                // p50 labels go above right, p99 labels below left (the top
                // edge is close), each phase on its own line.
                let (offset, anchor) = if pct < 90.0 {
                    ((8, -18 - 22 * row as i32), HPos::Left)
                } else {
                    ((-10, 10 + 22 * row as i32), HPos::Right)
                };
                let font = style::axis_font().pos(Pos::new(anchor, VPos::Top));
                chart
                    .draw_series([EmptyElement::at((x, pct))
                        + Circle::new((0, 0), 6, color.filled())
                        + Text::new(
                            format!("{} {name} {value:.0} ms", phase.as_str()),
                            offset,
                            font,
                        )])
                    .map_err(err)?;
            }
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}
