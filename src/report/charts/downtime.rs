//! Each container's downtime, as its workload measured it, split into the
//! parts the harness timed: freeze to checkpoint end, transfer, waiting
//! (between steps: a batch's queueing), restore, and restore end to the
//! first tick. At most [`MAX_BARS`] containers are drawn (an even sample).

use super::style::{self, err};
use super::{Chart, RunData};
use crate::record::{OpRecord, Phase};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Bars drawn at most; a larger run is sampled evenly.
const MAX_BARS: usize = 100;
const WAITING: RGBColor = RGBColor(190, 190, 190);
const RESUME: RGBColor = RGBColor(255, 127, 14);

pub struct Downtime<'a>(pub RunData<'a>);

/// The stacked parts of one bar, seconds, bottom first (as [`PART_NAMES`]).
fn parts(op: &OpRecord) -> [f64; 5] {
    [
        op.downtime_checkpoint_ms,
        op.downtime_transfer_ms,
        op.downtime_waiting_ms,
        op.downtime_restore_ms,
        op.downtime_resume_ms,
    ]
    .map(|v| v.unwrap_or(0.0).max(0.0) / 1000.0)
}

/// The colour of each part.
const PART_COLORS: [RGBColor; 5] = [
    style::CHECKPOINT,
    style::TRANSFER,
    WAITING,
    style::RESTORE,
    RESUME,
];

const PART_NAMES: [&str; 5] = [
    "freeze -> checkpoint end",
    "transfer",
    "waiting",
    "restore",
    "restore end -> first tick",
];

impl Chart for Downtime<'_> {
    fn title(&self) -> String {
        format!(
            "{} ({}): downtime per container, by part",
            self.0.summary.scenario, self.0.summary.mode
        )
    }

    fn file_stem(&self) -> &'static str {
        "downtime"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let data = self.0;
        root.fill(&WHITE).map_err(err)?;
        let measured: Vec<&OpRecord> = data
            .ops(Phase::Verify)
            .into_iter()
            .filter(|op| op.outcome.is_ok() && op.downtime_ms.is_some())
            .collect();
        let step = measured.len().div_ceil(MAX_BARS).max(1);
        let shown: Vec<&OpRecord> = measured.iter().step_by(step).copied().collect();
        let top = shown
            .iter()
            .map(|op| op.downtime_ms.unwrap_or(0.0) / 1000.0)
            .fold(0.1, f64::max)
            * 1.1;
        let n = data.summary.containers.max(1) as f64;
        let mut chart = style::frame(root, &self.title())
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)
            .map_err(err)?;
        let sampled = if step > 1 {
            format!(" (every {step}th of {} measured)", measured.len())
        } else {
            String::new()
        };
        chart
            .configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc(format!("container index{sampled}"))
            .y_desc("downtime, s (workload's last tick before the freeze -> first after)")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        let half = (0.4 * step as f64).min(0.45 * n);
        for (part, name) in PART_NAMES.iter().enumerate() {
            let bars = shown.iter().map(|op| {
                let stack = parts(op);
                let below: f64 = stack[..part].iter().sum();
                let (height, color) = (stack[part], PART_COLORS[part]);
                let x = op.index as f64;
                Rectangle::new(
                    [(x - half, below), (x + half, below + height)],
                    color.mix(0.8).filled(),
                )
            });
            let color = PART_COLORS[part];
            chart
                .draw_series(bars)
                .map_err(err)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.mix(0.8).filled())
                });
        }
        // The workload's own measure, as a tick over each bar.
        chart
            .draw_series(shown.iter().map(|op| {
                let y = op.downtime_ms.unwrap_or(0.0) / 1000.0;
                let x = op.index as f64;
                PathElement::new(vec![(x - half, y), (x + half, y)], BLACK.stroke_width(2))
            }))
            .map_err(err)?
            .label(match &data.summary.downtime {
                Some(d) => format!(
                    "downtime measured by the workload (p50 {:.2} s, p99 {:.2} s)",
                    d.downtime.p50_ms / 1000.0,
                    d.downtime.p99_ms / 1000.0
                ),
                None => "downtime measured by the workload".into(),
            })
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(2)));
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
