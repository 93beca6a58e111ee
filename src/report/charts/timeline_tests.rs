//! The timeline drawn from a fixture run, as SVG text.

use super::super::super::series::{load_series, Series};
use super::*;
use crate::summary::Summary;
use std::path::Path;

fn collapsed_run() -> (Summary, Series) {
    let run = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs/collapsed");
    let summary = crate::summary::read(&run).expect("the fixture's summary");
    (summary, load_series(&run).expect("the fixture's rows"))
}

fn svg(summary: &Summary, series: &Series) -> String {
    style::register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, style::SIZE).into_drawing_area();
        Timeline(RunData { summary, series })
            .draw(&root)
            .expect("drawn");
        root.present().expect("presented");
    }
    svg
}

#[test]
fn the_collapse_label_is_drawn_over_the_legend() {
    let (summary, series) = collapsed_run();
    let svg = svg(&summary, &series);
    let legend = svg
        .find("containers restored (right axis)")
        .expect("the legend");
    let label = svg
        .find("collapse at restore 16: memory pressure")
        .expect("the collapse label");
    assert!(label > legend, "drawn after the legend, so on top of it");
}

#[test]
fn the_target_lines_name_where_their_values_came_from() {
    let (summary, mut series) = collapsed_run();
    assert!(svg(&summary, &series).contains("target memory (cgroup)"));
    for sample in &mut series.samples {
        sample.target_scrape_failed = Some(false);
    }
    let scraped = svg(&summary, &series);
    assert!(scraped.contains("target memory (node exporter)"), "remote");
    assert!(!scraped.contains("(cgroup)"));
}

/// The fixture's rows as targets a and b's: each tick's machine fields twice.
fn as_fleet(series: &mut Series) {
    series.samples = series
        .samples
        .iter()
        .flat_map(|s| {
            ["a", "b"].map(|name| SampleRow {
                target: name.into(),
                ..s.clone()
            })
        })
        .collect();
}

#[test]
fn a_fleet_of_one_draws_as_before_fleets() {
    let (mut summary, series) = collapsed_run();
    let before = svg(&summary, &series);
    let mut one = crate::report::fleet_fixture::fleet("round-robin");
    one.targets.truncate(1);
    summary.fleet = Some(one);
    assert!(before == svg(&summary, &series), "the same drawing");
}

#[test]
fn a_fleet_draws_the_machine_once_a_tick_and_names_the_collapsed_target() {
    let (mut summary, mut series) = collapsed_run();
    assert!(svg(&summary, &series).contains("target RAM budget"));
    as_fleet(&mut series);
    let mut fleet = crate::report::fleet_fixture::fleet("round-robin");
    fleet.targets[1].collapse = summary.collapse.clone();
    summary.fleet = Some(fleet);
    let drawn = svg(&summary, &series);
    assert!(
        drawn.contains("collapse on b at restore 16: memory pressure"),
        "b's own restores"
    );
    // Each target's lines and budget are in the fleet's own charts.
    assert!(!drawn.contains("target memory (cgroup)"));
    assert!(!drawn.contains("target RAM budget"));
}
