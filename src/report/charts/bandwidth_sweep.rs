//! A bandwidth sweep compared: migrations per second (left axis) and the
//! transfers' share of the migrations' time (right axis) against the
//! target's link bandwidth, one line per mode: where transfer, not the
//! engine, bounds migration.

use super::style::{self, err};
use super::Chart;
use crate::summary::Summary;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::PathBuf;

pub struct Bandwidth<'a>(pub &'a [(PathBuf, Summary)]);

/// (Mbit/s, migrations/s, transfer share %) of one mode's runs, by bandwidth.
type Points = Vec<(f64, f64, f64)>;

impl Bandwidth<'_> {
    /// The runs with a bandwidth and transfers, grouped by mode.
    pub fn by_mode(&self) -> Vec<(String, Points)> {
        let mut modes: Vec<(String, Points)> = Vec::new();
        for (_, s) in self.0 {
            let (Some(bits), Some(transfer)) = (
                s.target_budget().and_then(|b| b.bandwidth_bits_per_s),
                s.transfer,
            ) else {
                continue;
            };
            let point = (
                bits as f64 / 1e6,
                s.migrations.per_s,
                transfer.share_of_migration_pct,
            );
            let mode = if s.mode.is_empty() { "batch" } else { &s.mode };
            match modes.iter_mut().find(|(m, _)| m == mode) {
                Some((_, points)) => points.push(point),
                None => modes.push((mode.to_string(), vec![point])),
            }
        }
        for (_, points) in &mut modes {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        modes
    }
}

impl Chart for Bandwidth<'_> {
    fn title(&self) -> String {
        "migrations and transfer share vs link bandwidth".into()
    }

    fn file_stem(&self) -> &'static str {
        "compare-bandwidth"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE).map_err(err)?;
        let modes = self.by_mode();
        let all = || modes.iter().flat_map(|(_, points)| points.iter());
        let lo = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = all().map(|p| p.0).fold(0.0, f64::max);
        if !lo.is_finite() {
            return Err("no run with a link bandwidth and transfers".into());
        }
        let rate_max = all().map(|p| p.1).fold(0.1, f64::max) * 1.2;
        let mut chart = style::frame(root, &self.title())
            .right_y_label_area_size(90)
            .build_cartesian_2d(((lo * 0.7)..(hi * 1.4)).log_scale(), 0.0..rate_max)
            .map_err(err)?
            .set_secondary_coord(((lo * 0.7)..(hi * 1.4)).log_scale(), 0.0..100.0);
        chart
            .configure_mesh()
            .x_desc("link bandwidth, Mbit/s (log)")
            .y_desc("verified migrations/s, end to end")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        chart
            .configure_secondary_axes()
            .y_desc("transfer share of migration time, %")
            .axis_desc_style(style::label_font())
            .label_style(style::axis_font())
            .draw()
            .map_err(err)?;
        let colors = [style::CHECKPOINT, style::RESTORE, style::COUNT];
        for ((mode, points), color) in modes.iter().zip(colors.iter().cycle()) {
            let rate = color.stroke_width(3);
            let share = color.mix(0.6).stroke_width(2);
            chart
                .draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), rate))
                .map_err(err)?
                .label(format!("{mode}: migrations/s"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], rate));
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.0, p.1), 5, rate.filled())),
                )
                .map_err(err)?;
            chart
                .draw_secondary_series(DashedLineSeries::new(
                    points.iter().map(|p| (p.0, p.2)),
                    8,
                    5,
                    share,
                ))
                .map_err(err)?
                .label(format!("{mode}: transfer share %"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], share));
        }
        style::draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{OpRecord, Outcome, Phase};
    use crate::summary::SummaryInput;

    fn run(bits_per_s: Option<u64>, transfer_ms: f64) -> (PathBuf, Summary) {
        let mut transfer = OpRecord {
            outcome: Outcome::Ok,
            latency_ms: transfer_ms,
            end_ms: transfer_ms,
            bytes: Some(1_000_000),
            ..OpRecord::new(Phase::Transfer, 0)
        };
        transfer.set_rate();
        let summary = Summary::build(SummaryInput {
            run_id: "r",
            scenario: "s",
            mode: crate::scenario::Mode::Pipeline,
            thresholds: &crate::scenario::Thresholds::default(),
            containers: 1,
            ops: &[transfer],
            samples: &[],
            collapse: Default::default(),
            hard_failure: None,
            projection: None,
            ended_early: None,
            ending: crate::summary::Ending::Finished,
            data_notes: Vec::new(),
            environment: serde_json::json!({
                "target_budget": { "bandwidth_bits_per_s": bits_per_s }
            }),
            placement: "round-robin",
            targets: Vec::new(),
        });
        (PathBuf::new(), summary)
    }

    #[test]
    fn runs_are_ordered_by_bandwidth_and_those_without_one_left_out() {
        let runs = [
            run(Some(100_000_000), 80.0),
            run(None, 1.0),
            run(Some(10_000_000), 800.0),
        ];
        let modes = Bandwidth(&runs).by_mode();
        assert_eq!(modes.len(), 1);
        let (mode, points) = &modes[0];
        assert_eq!(mode, "pipeline");
        let bandwidths: Vec<f64> = points.iter().map(|p| p.0).collect();
        assert_eq!(bandwidths, [10.0, 100.0]);
    }
}
