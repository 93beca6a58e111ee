//! The fleet in report.md and on the console, from the fixture's fleet of
//! a, b and c.

use super::*;
use crate::report::fleet_fixture::{self, fleet};
use crate::report::table::findings;

const HOSTS_NEEDED: &str = "400 x 16 MiB need 8 such hosts before thrashing (~57 each) and 5 \
                            before failure (~85 each); this fleet of 3 took 180";

#[test]
fn the_section_has_a_row_per_target_and_the_fleet_totals() {
    let md = section(&fleet_fixture::summary(Some(fleet("projection"))));
    assert!(md.contains("## Fleet"), "{md}");
    assert!(
        md.contains("Placement policy: **projection**, 3 targets."),
        "{md}"
    );
    for row in [
        "| a | emulated:a | 60 | 59 | 1 | at restore 55: swap budget nearly used | none | ~54 / ~80 | 310 / 920 |",
        "| b | emulated:b | 65 | 64 | 1 | at restore 61: swap budget nearly used | none | ~60 / ~90 | 310 / 920 |",
        "| c | emulated:c | 62 | 61 | 1 | at restore 58: swap budget nearly used | none | ~57 / ~85 | 310 / 920 |",
    ] {
        assert!(md.contains(row), "{row}\n{md}");
    }
    assert!(
        md.contains("- placed: 187; before the first collapse: 163; before the last collapse: 180"),
        "{md}"
    );
    assert!(
        md.contains("- evacuation wall time: 41.5 s, 4.51 migrations/s"),
        "{md}"
    );
}

#[test]
fn a_fleet_still_taking_containers_says_not_every_target_collapsed() {
    let mut still_taking = fleet("round-robin");
    still_taking.placed_before_last_collapse = None;
    still_taking.targets[2].collapse = Default::default();
    let summary = fleet_fixture::summary(Some(still_taking));
    let md = section(&summary);
    assert!(
        md.contains("before the last collapse: not every target collapsed"),
        "{md}"
    );
    assert!(
        md.contains("| c | emulated:c | 62 | 61 | 1 | none |"),
        "{md}"
    );
    let console = console_lines(&summary);
    assert!(
        console[0].contains("163 before the first collapse, not every target collapsed;"),
        "{}",
        console[0]
    );
    assert_eq!(
        console[3],
        "  c: 62 placed, 61 verified, no collapse, projected thrashing at ~57"
    );
}

#[test]
fn a_fleet_of_one_has_no_section_and_no_target_lines_but_its_hosts_needed() {
    let mut one = fleet("round-robin");
    one.targets.truncate(1);
    let summary = fleet_fixture::summary(Some(one));
    assert_eq!(section(&summary), "");
    let collapse = "collapse at restore 55: swap budget nearly used (swap 200 MiB of 256 MiB)";
    assert!(findings(&summary, None).iter().any(|l| l == collapse));
    assert!(console_lines(&summary).is_empty());
    assert!(findings(&summary, Some(16))
        .iter()
        .any(|l| l == HOSTS_NEEDED));
    // Without the workload's size, nothing to say it with.
    assert!(!findings(&summary, None)
        .iter()
        .any(|l| l.contains("such host")));
}

#[test]
fn the_console_names_each_target_then_the_hosts_needed() {
    let summary = fleet_fixture::summary(Some(fleet("most-free")));
    let table = crate::report::console_table(&summary, Some(16));
    let lines: Vec<&str> = table.lines().collect();
    let at = |wanted: &str| {
        lines
            .iter()
            .position(|l| *l == wanted)
            .unwrap_or_else(|| panic!("no line '{wanted}' in\n{table}"))
    };
    let totals = at(
        "fleet (most-free, 3 targets): 187 placed; 163 before the first collapse, 180 before \
         the last; evacuation 41.5 s, 4.51 migrations/s",
    );
    let a = at(
        "  a: 60 placed, 59 verified, collapse at restore 55 (swap budget nearly used), \
                projected thrashing at ~54",
    );
    let hosts = at(HOSTS_NEEDED);
    assert!(totals < a && a < hosts, "{table}");
    at("collapse on a at restore 55: swap budget nearly used (swap 200 MiB of 256 MiB)");
}

#[test]
fn report_md_has_the_fleet_after_the_findings_and_the_hosts_needed_among_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = "name = \"fleet\"\ncontainers = 400\n[workload]\nmemory_mib = 16\n";
    std::fs::write(dir.path().join(record::SCENARIO_TOML), scenario).expect("scenario");
    assert_eq!(workload_memory_mib(dir.path()), Some(16));
    let summary = fleet_fixture::summary(Some(fleet("round-robin")));
    super::super::markdown::write(dir.path(), &summary, &[], &[]).expect("written");
    let md = std::fs::read_to_string(dir.path().join(super::super::REPORT_MD)).expect("read");
    let hosts = md
        .find(&format!("- {HOSTS_NEEDED}"))
        .expect("the hosts needed");
    let fleet = md.find("## Fleet").expect("the fleet");
    let charts = md.find("## Charts").expect("the charts");
    assert!(hosts < fleet && fleet < charts, "{md}");
}
