use super::*;
use crate::collapse::{Firing, Fit, Rule};
use crate::record::Outcome;

fn op(phase: Phase, index: usize, target: &str, end_ms: f64) -> OpRecord {
    OpRecord {
        target: target.into(),
        target_host: format!("emulated:{target}"),
        start_ms: end_ms - 100.0,
        end_ms,
        latency_ms: 100.0,
        outcome: Outcome::Ok,
        ..OpRecord::new(phase, index)
    }
}

fn collapsed_at(t_ms: f64) -> Verdict {
    let mut verdict = Verdict::default();
    verdict.push(Firing {
        rule: Rule::SwapShare,
        at_restore: 2,
        t_ms,
        detail: String::new(),
    });
    verdict
}

fn projected(thrashing: u64, hard: u64) -> Option<Projection> {
    Some(Projection {
        footprint: Some(Fit {
            bytes_per_container: 1.0,
            baseline_bytes: 0.0,
        }),
        thrashing_onset: Some(thrashing),
        hard_failure: Some(hard),
        ..Projection::default()
    })
}

fn judged(name: &str, collapse: Verdict, projection: Option<Projection>) -> TargetJudged {
    TargetJudged {
        name: name.into(),
        collapse,
        hard_failure: None,
        projection,
    }
}

/// Target a collapses at 2.5 s, b at 4.5 s: the fleet counts the restores
/// that ended before each, and each target its own rows.
#[test]
fn the_fleet_counts_what_it_placed_before_its_first_and_last_collapse() {
    let mut ops = vec![op(Phase::Checkpoint, 0, "", 500.0)];
    for (i, (target, end)) in [
        ("a", 1000.0),
        ("b", 2000.0),
        ("a", 3000.0),
        ("b", 4000.0),
        ("b", 5000.0),
    ]
    .into_iter()
    .enumerate()
    {
        ops.push(op(Phase::Restore, i, target, end));
        let mut verify = op(Phase::Verify, i, target, end + 10.0);
        verify.downtime_ms = Some(300.0 + i as f64);
        ops.push(verify);
    }
    let last = ops.len() - 1;
    ops[last].outcome = Outcome::Failed;
    let fleet = FleetSummary::build(
        "projection",
        10,
        &ops,
        &[],
        vec![
            judged("a", collapsed_at(2500.0), projected(3, 5)),
            judged("b", collapsed_at(4500.0), projected(5, 8)),
        ],
    );
    assert_eq!(fleet.placed, 5);
    assert_eq!(fleet.placed_before_first_collapse, 2);
    assert_eq!(fleet.placed_before_last_collapse, Some(4));
    let b = &fleet.targets[1];
    assert_eq!((b.placed, b.verified, b.failed), (3, 2, 1));
    assert_eq!(b.host, "emulated:b");
    assert!((fleet.evacuation_wall_s - 4.6).abs() < 1e-9);
    let hosts = fleet.hosts_needed.expect("projected");
    // Mean capacity 4 before thrashing, 6.5 before failure: 10 need 3 and 2.
    assert_eq!((hosts.before_thrashing, hosts.before_failure), (3, Some(2)));
    assert_eq!(hosts.fleet_took, 4);
    assert_eq!(
        hosts.describe(16),
        "10 x 16 MiB need 3 such hosts before thrashing (~4 each) and 2 before failure (~6 each); \
         this fleet of 2 took 4"
    );
}

#[test]
fn a_fleet_still_taking_containers_has_no_last_collapse_and_without_projections_no_answer() {
    let ops = vec![
        op(Phase::Restore, 0, "a", 1000.0),
        op(Phase::Restore, 1, "b", 1200.0),
    ];
    let fleet = FleetSummary::build(
        "round-robin",
        2,
        &ops,
        &[],
        vec![
            judged("a", collapsed_at(1100.0), None),
            judged("b", Verdict::default(), None),
        ],
    );
    assert_eq!(fleet.placed_before_first_collapse, 1);
    assert_eq!(fleet.placed_before_last_collapse, None);
    assert_eq!(fleet.hosts_needed, None);
}
