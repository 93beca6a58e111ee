//! Service gap (downtime) per container: time from the original's last line
//! before its checkpoint to the clone's first line after its restore.

use super::style::{self, err};
use super::{Chart, RunData};
use crate::record::Phase;
use plotters::coord::Shift;
use plotters::prelude::*;

pub struct ServiceGap<'a>(pub RunData<'a>);

impl Chart for ServiceGap<'_> {
    fn title(&self) -> String {
        format!(
            "{}: service gap (downtime) per container",
            self.0.summary.scenario
        )
    }

    fn file_stem(&self) -> &'static str {
        "service_gap"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let data = self.0;
        root.fill(&WHITE).map_err(err)?;
        let verify = data.ops(Phase::Verify);
        let gaps: Vec<(f64, f64)> = verify
            .iter()
            .filter(|op| op.outcome.is_ok())
            .filter_map(|op| Some((op.index as f64, op.service_gap_ms? / 1000.0)))
            .collect();
        let lost: Vec<f64> = verify
            .iter()
            .filter(|op| !op.outcome.is_ok() && op.seq_before.is_some())
            .map(|op| op.index as f64)
            .collect();
        let not_restored: Vec<f64> = verify
            .iter()
            .filter(|op| op.seq_before.is_none() && op.seq_after.is_none() && !op.outcome.is_ok())
            .map(|op| op.index as f64)
            .collect();
        let max = gaps.iter().map(|g| g.1).fold(1.0, f64::max) * 1.1;
        let n = data.summary.containers.max(1) as f64;
        let mut chart = style::frame(root, &self.title())
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("container index")
            .y_desc("service gap, s (last line before checkpoint -> first after restore)")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        let bar_half = 0.4;
        chart
            .draw_series(gaps.iter().map(|&(x, y)| {
                Rectangle::new(
                    [(x - bar_half, 0.0), (x + bar_half, y)],
                    style::RESTORE.mix(0.7).filled(),
                )
            }))
            .map_err(err)?
            .label(match data.summary.service_gap {
                Some(g) => format!(
                    "continued (p50 {:.1} s, p99 {:.1} s)",
                    g.p50_ms / 1000.0,
                    g.p99_ms / 1000.0
                ),
                None => "continued".into(),
            })
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 6), (x + 16, y + 6)],
                    style::RESTORE.mix(0.7).filled(),
                )
            });
        if !lost.is_empty() {
            chart
                .draw_series(
                    lost.iter()
                        .map(|&x| Cross::new((x, max * 0.02), 6, BLACK.stroke_width(2))),
                )
                .map_err(err)?
                .label(format!("state lost or not verified ({})", lost.len()))
                .legend(|(x, y)| Cross::new((x + 8, y), 6, BLACK.stroke_width(2)));
        }
        if !not_restored.is_empty() {
            let grey = RGBColor(150, 150, 150);
            chart
                .draw_series(
                    not_restored
                        .iter()
                        .map(|&x| TriangleMarker::new((x, max * 0.01), 6, grey.filled())),
                )
                .map_err(err)?
                .label(format!("not restored ({})", not_restored.len()))
                .legend(move |(x, y)| TriangleMarker::new((x + 8, y), 6, grey.filled()));
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
