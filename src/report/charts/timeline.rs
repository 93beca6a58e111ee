//! Resource timeline: memory and swap (machine and target, and the target's
//! non-reclaimable footprint) with the restored count on a second axis above,
//! the projected thrashing onset and hard failure drawn as counts on that
//! axis; CPU and memory pressure below; phases shaded, the collapse point and
//! the hard failure marked and labelled with their cause.

use super::downsample::downsample;
use super::style::{self, err};
use super::{Chart, RunData};
use crate::record::{Phase, SampleRow};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct Timeline<'a>(pub RunData<'a>);

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

type Pick = fn(&SampleRow) -> Option<f64>;
type PickPct = fn(&SampleRow) -> f64;

impl Timeline<'_> {
    fn phase_spans(&self) -> Vec<(Phase, f64, f64)> {
        Phase::ALL
            .iter()
            .filter_map(|&phase| {
                let ops = self.0.ops(phase);
                let start = ops
                    .iter()
                    .map(|op| op.start_ms)
                    .fold(f64::INFINITY, f64::min);
                let end = ops.iter().map(|op| op.end_ms).fold(0.0, f64::max);
                (start.is_finite() && end >= start).then_some((phase, start / 1000.0, end / 1000.0))
            })
            .collect()
    }

    /// The collapse and the hard failure: time, label, colour, label height
    /// (share of the panel).
    fn markers(&self) -> Vec<(f64, String, RGBColor, f64)> {
        let summary = self.0.summary;
        // In a fleet, each target counts its own restores: name the target.
        let on = |target: Option<&str>| target.map_or(String::new(), |name| format!(" on {name}"));
        let collapsed = on(self.0.collapsed_target().map(|t| t.name.as_str()));
        let failed = on(self
            .0
            .fleet_targets()
            .iter()
            .find(|t| t.hard_failure.is_some() && t.hard_failure == summary.hard_failure)
            .map(|t| t.name.as_str()));
        let collapse = summary.collapse.point.as_ref().map(|p| {
            (
                p.t_ms / 1000.0,
                format!(
                    "collapse{collapsed} at restore {}: {}",
                    p.at_restore,
                    p.rule.as_str()
                ),
                style::COLLAPSE,
                0.95,
            )
        });
        let hard = summary.hard_failure.as_ref().map(|h| {
            (
                h.t_ms / 1000.0,
                format!(
                    "hard failure{failed} at restore {}: {}",
                    h.at_restore,
                    h.cause.as_str()
                ),
                style::HARD_FAILURE,
                0.87,
            )
        });
        collapse.into_iter().chain(hard).collect()
    }

    /// The projected counts: label, count, colour.
    fn projected(&self) -> Vec<(String, u64, RGBColor)> {
        let Some(p) = self.0.summary.projection else {
            return Vec::new();
        };
        let thrashing = p.thrashing_onset.map(|c| {
            (
                format!("projected thrashing onset: restore ~{c} (right axis)"),
                c,
                style::THRASHING,
            )
        });
        let hard = p.hard_failure.map(|c| {
            (
                format!("projected hard failure: restore ~{c} (right axis)"),
                c,
                style::HARD_FAILURE,
            )
        });
        thrashing.into_iter().chain(hard).collect()
    }

    fn memory_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let ticks = self.0.ticks();
        let samples: &[SampleRow] = &ticks;
        let t_max = self.0.t_max_s();
        // A fleet's targets have their own budgets, drawn in their own panels.
        let budget = match self.0.fleet_targets() {
            [] => self.0.summary.target_budget().unwrap_or_default(),
            _ => Default::default(),
        };
        let budget_gib = budget.memory_bytes.map(|b| b as f64 / GIB);
        let with_swap_gib = budget_gib.map(|ram| ram + budget.swap_bytes.unwrap_or(0) as f64 / GIB);
        // Where the target's values came from: its cgroup (emulated) or its
        // node exporter (remote, `target_scrape_failed` filled in).
        let source = if samples.iter().any(|s| s.target_scrape_failed.is_some()) {
            "node exporter"
        } else {
            "cgroup"
        };
        let target_memory = format!("target memory ({source})");
        let target_swap = format!("target swap ({source})");
        let lines: [(&str, RGBColor, Pick); 5] = [
            ("machine memory used", style::MEMORY, |s| {
                Some(s.mem_used_bytes as f64)
            }),
            ("machine swap used", style::SWAP, |s| {
                Some(s.swap_used_bytes as f64)
            }),
            (&target_memory, style::TARGET_MEMORY, |s| {
                s.target_memory_bytes.map(|b| b as f64)
            }),
            (&target_swap, style::TARGET_SWAP, |s| {
                s.target_swap_bytes.map(|b| b as f64)
            }),
            (
                "target non-reclaimable footprint (anon LRU + swap + kmem)",
                style::FOOTPRINT,
                |s| s.target_footprint_bytes.map(|b| b as f64),
            ),
        ];
        let y_max = lines
            .iter()
            .flat_map(|(_, _, pick)| samples.iter().filter_map(pick))
            .fold(with_swap_gib.unwrap_or(0.0) * GIB, f64::max)
            / GIB
            * 1.15;
        let count_max = (self.0.summary.containers.max(1) as f64) * 1.05;
        let projected = self.projected();
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("{}: resources over time", self.0.summary.scenario),
                style::title_font(),
            )
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .right_y_label_area_size(80)
            .build_cartesian_2d(0.0..t_max, 0.0..y_max.max(0.1))
            .map_err(err)?
            .set_secondary_coord(0.0..t_max, 0.0..count_max);
        chart
            .configure_mesh()
            .y_desc("memory / swap, GiB")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        chart
            .configure_secondary_axes()
            .y_desc("containers restored")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        for (phase, start, end) in self.phase_spans() {
            chart
                .draw_series([Rectangle::new(
                    [(start, 0.0), (end, y_max)],
                    style::phase_fill(phase).filled(),
                )])
                .map_err(err)?;
            // Label only bands wide enough to hold their name.
            if end - start > t_max * 0.06 {
                let middle = (start + end) / 2.0;
                let font = style::axis_font().pos(Pos::new(HPos::Center, VPos::Bottom));
                chart
                    .draw_series([Text::new(
                        format!("{} phase", phase.as_str()),
                        (middle, y_max * 0.02),
                        font,
                    )])
                    .map_err(err)?;
            }
        }
        for (name, color, pick) in lines {
            let points = downsample(
                samples
                    .iter()
                    .filter_map(|s| Some((s.t_ms / 1000.0, pick(s)? / GIB))),
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
        let budgets = [
            (budget_gib, "target RAM budget", style::TARGET_MEMORY),
            (
                with_swap_gib,
                "target RAM + swap budget",
                style::TARGET_SWAP,
            ),
        ];
        for (level, name, color) in budgets {
            let Some(level) = level else { continue };
            chart
                .draw_series(DashedLineSeries::new(
                    [(0.0, level), (t_max, level)],
                    8,
                    6,
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(1))
                });
        }
        for (name, count, color) in projected {
            let count = count as f64;
            if count > count_max {
                continue;
            }
            chart
                .draw_secondary_series(DashedLineSeries::new(
                    [(0.0, count), (t_max, count)],
                    4,
                    4,
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        let restored: Vec<(f64, f64)> = samples
            .iter()
            .map(|s| (s.t_ms / 1000.0, s.migrated as f64))
            .collect();
        chart
            .draw_secondary_series(LineSeries::new(restored, style::COUNT.stroke_width(2)))
            .map_err(err)?
            .label("containers restored (right axis)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], style::COUNT.stroke_width(2)));
        let markers = self.markers();
        let mut labels = Vec::new();
        for (t, label, color, height) in &markers {
            let t = *t;
            chart
                .draw_series(LineSeries::new(
                    [(t, 0.0), (t, y_max)],
                    color.stroke_width(3),
                ))
                .map_err(err)?;
            // Keep the label inside the plot: left of the line in the right half.
            let anchor = if t > t_max / 2.0 {
                HPos::Right
            } else {
                HPos::Left
            };
            let font = style::label_font()
                .color(color)
                .pos(Pos::new(anchor, VPos::Top));
            let x = if t > t_max / 2.0 {
                t - t_max * 0.005
            } else {
                t + t_max * 0.005
            };
            labels.push(Text::new(label.clone(), (x, y_max * height), font));
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        // Drawn after the legend, so the legend never covers them.
        chart.draw_series(labels).map_err(err)?;
        Ok(())
    }

    fn pressure_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let ticks = self.0.ticks();
        let samples: &[SampleRow] = &ticks;
        let t_max = self.0.t_max_s();
        let mut chart = ChartBuilder::on(area)
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .right_y_label_area_size(80)
            .build_cartesian_2d(0.0..t_max, 0.0..100.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time since the run started, s")
            .y_desc("CPU / pressure, %")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        let lines: [(&str, RGBColor, PickPct); 3] = [
            ("CPU, all cores", style::CPU, |s| s.cpu_pct),
            ("memory pressure: some avg10", style::PSI_SOME, |s| {
                s.psi_memory_some_avg10
            }),
            ("memory pressure: full avg10", style::PSI_FULL, |s| {
                s.psi_memory_full_avg10
            }),
        ];
        for (name, color, pick) in lines {
            let values = samples
                .iter()
                .map(|s| (s.t_ms / 1000.0, pick(s)))
                .filter(|p| p.1.is_finite());
            let points = downsample(values.map(|(t, v)| (t, v.clamp(0.0, 100.0))));
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        for (t, _, color, _) in self.markers() {
            chart
                .draw_series(LineSeries::new(
                    [(t, 0.0), (t, 100.0)],
                    color.stroke_width(3),
                ))
                .map_err(err)?;
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}

impl Chart for Timeline<'_> {
    fn title(&self) -> String {
        format!("{}: resources over time", self.0.summary.scenario)
    }

    fn file_stem(&self) -> &'static str {
        "timeline"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(err)?;
        let (top, bottom) = root.split_vertically((style::SIZE.1 as f64 * 0.6) as u32);
        self.memory_panel(&top)?;
        self.pressure_panel(&bottom)
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
