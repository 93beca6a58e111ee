//! `migbench compare` of runs onto fleets: the placement policies side by
//! side, one row per run, in a table of their own so that comparisons of
//! runs onto one target read as before.

use crate::summary::{FleetSummary, Summary};
use std::path::PathBuf;

/// Header and one row per run, when any run had more than one target (a
/// fleet of one then has its row too: one host against several).
pub fn rows(summaries: &[(PathBuf, Summary)]) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let several = |s: &Summary| s.fleet.as_ref().is_some_and(|f| f.targets.len() > 1);
    if !summaries.iter().any(|(_, s)| several(s)) {
        return None;
    }
    let header = [
        "run",
        "policy",
        "targets",
        "placed",
        "before first collapse",
        "before last collapse",
        "evacuation wall s",
        "migrations/s",
        "downtime p50 ms",
        "downtime p99 ms",
        "collapse at restore",
    ]
    .map(String::from)
    .to_vec();
    let rows = summaries
        .iter()
        .map(|(_, s)| {
            let downtime = |pick: fn(&crate::summary::Percentiles) -> f64| {
                s.downtime
                    .as_ref()
                    .map_or("-".into(), |d| format!("{:.0}", pick(&d.downtime)))
            };
            let mut row = vec![s.run_id.clone()];
            row.extend(match &s.fleet {
                Some(fleet) => fleet_cells(fleet),
                // Recorded before fleets: nothing to say of placement.
                None => vec!["-".to_string(); 7],
            });
            row.push(downtime(|p| p.p50_ms));
            row.push(downtime(|p| p.p99_ms));
            row.push(s.fleet.as_ref().map_or("-".into(), collapse_points));
            row
        })
        .collect();
    Some((header, rows))
}

/// Policy, targets, placed, before the first and last collapse, evacuation
/// wall time and migrations per second.
fn fleet_cells(fleet: &FleetSummary) -> Vec<String> {
    vec![
        fleet.policy.clone(),
        fleet.targets.len().to_string(),
        fleet.placed.to_string(),
        fleet.placed_before_first_collapse.to_string(),
        fleet
            .placed_before_last_collapse
            .map_or("-".into(), |n| n.to_string()),
        format!("{:.1}", fleet.evacuation_wall_s),
        format!("{:.2}", fleet.migrations_per_s),
    ]
}

/// "a 55, b 61, c -": each target's own restore at which it collapsed.
fn collapse_points(fleet: &FleetSummary) -> String {
    let points: Vec<String> = fleet
        .targets
        .iter()
        .map(|t| {
            let at = t
                .collapse
                .point
                .as_ref()
                .map_or("-".into(), |p| p.at_restore.to_string());
            format!("{} {at}", t.name)
        })
        .collect();
    points.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fleet_fixture::{fleet, percentiles, summary};
    use crate::summary::migration::{DowntimeParts, DowntimeSummary};

    /// A run named `name` onto `fleet`, its downtime p50 / p99 310 / 920 ms.
    fn run(name: &str, fleet: Option<FleetSummary>) -> (PathBuf, Summary) {
        let mut summary = summary(fleet);
        summary.run_id = name.into();
        summary.downtime = Some(DowntimeSummary {
            measured: 10,
            downtime: percentiles(310.0, 920.0),
            parts_p50: DowntimeParts::default(),
        });
        (PathBuf::from(name), summary)
    }

    #[test]
    fn the_policies_are_side_by_side_with_their_numbers() {
        let mut projection = fleet("projection");
        projection.placed_before_first_collapse = 171;
        projection.placed_before_last_collapse = None;
        projection.evacuation_wall_s = 38.3;
        projection.migrations_per_s = 5.2;
        projection.targets[2].collapse = Default::default();
        let mut runs = [
            run("rr", Some(fleet("round-robin"))),
            run("proj", Some(projection)),
        ];
        if let Some(d) = runs[1].1.downtime.as_mut() {
            d.downtime = percentiles(280.0, 700.0);
        }
        let (header, rows) = rows(&runs).expect("fleets");
        let cell = |row: &[String], column: &str| {
            let at = header.iter().position(|h| h == column).expect(column);
            row[at].clone()
        };
        let columns = [
            "run",
            "policy",
            "targets",
            "before first collapse",
            "before last collapse",
            "evacuation wall s",
            "migrations/s",
            "downtime p50 ms",
            "downtime p99 ms",
            "collapse at restore",
        ];
        let seen: Vec<Vec<String>> = rows
            .iter()
            .map(|row| columns.iter().map(|c| cell(row, c)).collect())
            .collect();
        assert_eq!(
            seen,
            [
                [
                    "rr",
                    "round-robin",
                    "3",
                    "163",
                    "180",
                    "41.5",
                    "4.51",
                    "310",
                    "920",
                    "a 55, b 61, c 58"
                ],
                [
                    "proj",
                    "projection",
                    "3",
                    "171",
                    "-",
                    "38.3",
                    "5.20",
                    "280",
                    "700",
                    "a 55, b 61, c -"
                ],
            ]
        );
    }

    #[test]
    fn runs_onto_one_target_have_no_placement_table() {
        let mut one = fleet("round-robin");
        one.targets.truncate(1);
        assert_eq!(
            rows(&[run("old", None), run("one", Some(one.clone()))]),
            None
        );
        let (_, rows) = rows(&[
            run("old", None),
            run("one", Some(one)),
            run("three", Some(fleet("most-free"))),
        ])
        .expect("one fleet of three");
        assert_eq!(rows[0][1], "-", "recorded before fleets");
        assert_eq!(rows[1][1..3], ["round-robin", "1"]);
    }
}
