use super::*;
use crate::collapse::Rule;
use crate::record::{Outcome, Phase};
use crate::scenario::Scenario;
use std::path::Path;

fn rules() -> CollapseRules {
    let scenario = Scenario::parse(Path::new("t.toml"), "name = \"t\"\ncontainers = 1\n", &[])
        .expect("parses");
    scenario.collapse
}

fn watched(name: &str) -> WatchedTarget {
    WatchedTarget {
        name: name.into(),
        budget: Some(TargetBudget {
            memory_bytes: 1 << 30,
            swap_bytes: 1 << 29,
        }),
    }
}

fn sample(target: &str, swap_bytes: u64, psi: f64) -> SampleRow {
    SampleRow {
        target: target.into(),
        phase: Phase::Restore.as_str().into(),
        mem_available_bytes: 1 << 40,
        psi_memory_full_avg10: psi,
        target_swap_bytes: Some(swap_bytes),
        ..Default::default()
    }
}

/// The machine's pressure (cgroup v1) is held only against the target that swaps.
#[test]
fn shared_pressure_closes_only_the_target_that_swaps() {
    let mut fleet = FleetDetector::new(&rules(), vec![watched("a"), watched("b")], 0);
    assert!(fleet.on_sample(&sample("a", 0, 90.0)).is_empty());
    let fired = fleet.on_sample(&sample("b", 64 << 20, 90.0));
    assert_eq!(fired.len(), 1);
    assert_eq!((fired[0].0, fired[0].1.rule), (1, Rule::PsiMemory));
    assert!(fired[0].1.detail.contains("while this target swaps"));
    assert!(fleet.detector(0).expect("a").verdict().point.is_none());
}

/// A fleet of one judges the machine's pressure as before, swap or not.
#[test]
fn a_fleet_of_one_judges_the_machine_pressure_alone() {
    let mut fleet = FleetDetector::new(&rules(), vec![watched("target")], 0);
    let fired = fleet.on_sample(&sample("", 0, 90.0));
    assert_eq!(
        fired.first().map(|f| (f.0, f.1.rule)),
        Some((0, Rule::PsiMemory))
    );
}

#[test]
fn rows_go_to_their_own_target_and_unplaced_rows_to_none() {
    let mut fleet = FleetDetector::new(&rules(), vec![watched("a"), watched("b")], 0);
    let restore = |target: &str, outcome| OpRecord {
        target: target.into(),
        outcome,
        error: "cannot allocate memory".into(),
        ..OpRecord::new(Phase::Restore, 0)
    };
    assert!(fleet.on_op(&restore("", Outcome::Failed)).is_empty());
    fleet.on_op(&restore("b", Outcome::Failed));
    let parts = fleet.into_parts();
    assert!(parts[0].hard_failure.is_none());
    assert!(parts[1].hard_failure.is_some(), "b failed outright");
    assert_eq!(parts[1].name, "b");
    assert_eq!(parts[1].budget.map(|b| b.memory_bytes), Some(1 << 30));
}

#[test]
fn the_fleet_verdict_is_every_firing_in_time_order() {
    let firing = |t_ms: f64, rule| Firing {
        rule,
        at_restore: 1,
        t_ms,
        detail: String::new(),
    };
    let mut a = Verdict::default();
    a.push(firing(300.0, Rule::SwapShare));
    let mut b = Verdict::default();
    b.push(firing(200.0, Rule::RestoreKnee));
    let fleet = first_of(&[&a, &b]);
    assert_eq!(fleet.point.map(|p| p.rule), Some(Rule::RestoreKnee));
    assert_eq!(fleet.firings.len(), 2);
    // One target's verdict stays as its detector saw it.
    let mut late_first = Verdict::default();
    late_first.push(firing(500.0, Rule::OpTimeout));
    late_first.push(firing(400.0, Rule::PsiMemory));
    assert_eq!(first_of(&[&late_first]), late_first);
}
