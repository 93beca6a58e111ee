//! How a fleet filled up: one line per target of the containers restored on
//! it over time, from its ok restore rows (exact, not the sampler's ticks),
//! each target's collapse marked on its own line.

use super::style::{self, err};
use super::{Chart, RunData};
use crate::record::Phase;
use crate::summary::TargetSummary;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub struct FleetPlaced<'a>(pub RunData<'a>);

impl FleetPlaced<'_> {
    /// When each container restored on `target` ended, seconds, in order.
    fn restored_s(&self, target: &TargetSummary) -> Vec<f64> {
        let mut ends_s: Vec<f64> = self
            .0
            .series
            .ops
            .iter()
            .filter(|op| op.phase == Phase::Restore && op.outcome.is_ok())
            .filter(|op| op.target == target.name)
            .map(|op| op.end_ms / 1000.0)
            .collect();
        ends_s.sort_by(f64::total_cmp);
        ends_s
    }
}

/// A step line of the count restored: (0, 0), then up by one at each end.
fn steps(ends_s: &[f64], t_max_s: f64) -> Vec<(f64, f64)> {
    let mut points = vec![(0.0, 0.0)];
    for (placed_before, &t_s) in ends_s.iter().enumerate() {
        points.push((t_s, placed_before as f64));
        points.push((t_s, placed_before as f64 + 1.0));
    }
    points.push((t_max_s, ends_s.len() as f64));
    points
}

impl Chart for FleetPlaced<'_> {
    fn title(&self) -> String {
        format!(
            "{}: containers placed per target over time ({})",
            self.0.summary.scenario,
            self.0
                .summary
                .fleet
                .as_ref()
                .map_or("", |f| f.policy.as_str())
        )
    }

    fn file_stem(&self) -> &'static str {
        "fleet_placed"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(err)?;
        let targets = self.0.fleet_targets();
        let restored: Vec<Vec<f64>> = targets.iter().map(|t| self.restored_s(t)).collect();
        let t_max_s = self.0.t_max_s();
        let most = restored.iter().map(Vec::len).max().unwrap_or(0);
        let y_max = (most.max(1) as f64) * 1.1;
        let mut chart = style::frame(root, &self.title())
            .build_cartesian_2d(0.0..t_max_s, 0.0..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time since the run started, s")
            .y_desc("containers restored on the target")
            .y_label_formatter(&|count| format!("{count:.0}"))
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        let mut labels = Vec::new();
        for (i, (target, ends_s)) in targets.iter().zip(&restored).enumerate() {
            let color = style::target_color(i);
            chart
                .draw_series(LineSeries::new(
                    steps(ends_s, t_max_s),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(format!("{} ({} placed)", target.name, ends_s.len()))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
            let Some(point) = &target.collapse.point else {
                continue;
            };
            // On the target's own line: what it had taken when it collapsed.
            let t_s = point.t_ms / 1000.0;
            let placed = ends_s.iter().filter(|&&end_s| end_s <= t_s).count() as f64;
            chart
                .draw_series([Cross::new(
                    (t_s, placed),
                    9,
                    style::COLLAPSE.stroke_width(3),
                )])
                .map_err(err)?;
            let font = style::axis_font()
                .color(color)
                .pos(Pos::new(HPos::Left, VPos::Top));
            labels.push(Text::new(
                format!("{} collapsed at restore {}", target.name, point.at_restore),
                (t_s + t_max_s * 0.012, placed),
                font,
            ));
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        // After the legend, so it never covers them.
        chart.draw_series(labels).map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fleet_fixture;

    #[test]
    fn each_target_is_a_line_with_its_collapse_marked_in_svg_and_png() {
        let summary = fleet_fixture::summary(Some(fleet_fixture::fleet("most-free")));
        let series = fleet_fixture::series();
        let dir = tempfile::tempdir().expect("tempdir");
        let chart = FleetPlaced(RunData {
            summary: &summary,
            series: &series,
        });
        let (title, file) = super::super::chart::render(dir.path(), &chart).expect("drawn");
        assert_eq!(file, "charts/fleet_placed.png");
        assert!(title.ends_with("(most-free)"), "{title}");
        let charts = dir.path().join("charts");
        for name in ["fleet_placed.svg", "fleet_placed.png"] {
            let bytes = std::fs::metadata(charts.join(name)).expect(name).len();
            assert!(bytes > 0, "{name} is empty");
        }
        let svg = std::fs::read_to_string(charts.join("fleet_placed.svg")).expect("svg");
        // 60 ok restores each in the rows, whatever the summary says.
        for name in ["a", "b", "c"] {
            assert!(svg.contains(&format!("{name} (60 placed)")), "{name}");
        }
        for label in [
            "a collapsed at restore 55",
            "b collapsed at restore 61",
            "c collapsed at restore 58",
        ] {
            assert!(svg.contains(label), "{label}");
        }
    }

    #[test]
    fn the_count_steps_up_at_each_restore() {
        assert_eq!(
            steps(&[1.0, 2.5], 4.0),
            [
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, 1.0),
                (2.5, 1.0),
                (2.5, 2.0),
                (4.0, 2.0)
            ]
        );
    }
}
