//! Where an operation's time goes: per container, each checkpoint and each
//! restore as a stacked bar of CRIU's own time and the engine's overhead (the
//! rest of its latency). Drawn only for engines that give CRIU's statistics.

use super::style::{self, err};
use super::{Chart, RunData};
use crate::record::Phase;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The colour of CRIU's share of a bar; the overhead is the phase's colour.
const CRIU: RGBColor = RGBColor(120, 120, 120);

pub struct TimeSplit<'a>(pub RunData<'a>);

impl Chart for TimeSplit<'_> {
    fn title(&self) -> String {
        format!(
            "{}: where the time goes (CRIU vs engine overhead)",
            self.0.summary.scenario
        )
    }

    fn file_stem(&self) -> &'static str {
        "criu_split"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(err)?;
        let titled = root
            .titled(&self.title(), style::title_font())
            .map_err(err)?;
        let panels = titled.split_evenly((2, 1));
        for (panel, phase) in panels.iter().zip([Phase::Checkpoint, Phase::Restore]) {
            self.panel(panel, phase)?;
        }
        Ok(())
    }
}

impl TimeSplit<'_> {
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        phase: Phase,
    ) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let bars: Vec<(f64, f64, f64)> = self
            .0
            .ops(phase)
            .iter()
            .filter(|op| op.outcome.is_ok())
            .filter_map(|op| Some((op.index as f64, op.criu_ms?, op.latency_ms)))
            .collect();
        let max = bars.iter().map(|b| b.2).fold(1.0, f64::max) * 1.1;
        let n = self.0.summary.containers.max(1) as f64;
        let mut chart = ChartBuilder::on(area)
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("container index")
            .y_desc(format!("{} ms", phase.as_str()))
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        let half = 0.4;
        let colour = style::phase_color(phase);
        chart
            .draw_series(bars.iter().map(|&(x, criu, _)| {
                Rectangle::new([(x - half, 0.0), (x + half, criu)], CRIU.filled())
            }))
            .map_err(err)?
            .label("CRIU")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], CRIU.filled()));
        chart
            .draw_series(bars.iter().map(|&(x, criu, total)| {
                Rectangle::new(
                    [(x - half, criu), (x + half, total.max(criu))],
                    colour.mix(0.7).filled(),
                )
            }))
            .map_err(err)?
            .label("engine overhead")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 16, y + 6)], colour.mix(0.7).filled())
            });
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}
