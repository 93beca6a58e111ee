//! The fleet's panels drawn from synthetic rows of targets a, b and c.

use super::*;
use crate::report::fleet_fixture;
use crate::report::series::Series;
use crate::summary::Summary;

fn fleet_run() -> (Summary, Series) {
    let summary = fleet_fixture::summary(Some(fleet_fixture::fleet("round-robin")));
    (summary, fleet_fixture::series())
}

#[test]
fn each_target_has_its_own_panel_in_svg_and_png() {
    let (summary, series) = fleet_run();
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = FleetTimeline(RunData {
        summary: &summary,
        series: &series,
    });
    let (_, file) = super::super::chart::render(dir.path(), &chart).expect("drawn");
    assert_eq!(file, "charts/fleet_timeline.png");
    let charts = dir.path().join("charts");
    for name in ["fleet_timeline.svg", "fleet_timeline.png"] {
        let bytes = std::fs::metadata(charts.join(name)).expect(name).len();
        assert!(bytes > 0, "{name} is empty");
    }
    let svg = std::fs::read_to_string(charts.join("fleet_timeline.svg")).expect("svg");
    for caption in [
        "a (emulated:a): 60 placed, collapse at restore 55 (swap budget nearly used)",
        "b (emulated:b): 65 placed, collapse at restore 61 (swap budget nearly used)",
        "c (emulated:c): 62 placed, collapse at restore 58 (swap budget nearly used)",
    ] {
        assert!(svg.contains(caption), "{caption}");
    }
    assert_eq!(
        svg.matches("non-reclaimable footprint").count(),
        1,
        "one legend"
    );
    assert!(svg.contains("RAM budget"));
}

#[test]
fn a_target_that_never_collapsed_says_so() {
    let (mut summary, series) = fleet_run();
    let Some(fleet) = summary.fleet.as_mut() else {
        panic!("the fixture has a fleet");
    };
    fleet.targets[2].collapse = Default::default();
    let mut svg = String::new();
    {
        style::register_font();
        let chart = FleetTimeline(RunData {
            summary: &summary,
            series: &series,
        });
        let root = SVGBackend::with_string(&mut svg, chart.size()).into_drawing_area();
        chart.draw(&root).expect("drawn");
        root.present().expect("presented");
    }
    assert!(svg.contains("c (emulated:c): 62 placed, no collapse"));
    assert!(svg.contains("restore 55") && !svg.contains("restore 58"));
}
