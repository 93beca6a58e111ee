use super::*;
use crate::collapse::{Fit, Projection};

const MIB: u64 = 1 << 20;

fn target(footprint_mib: u64, restored: u64, placed: u64) -> Candidate {
    Candidate {
        closed: false,
        budget: Some(TargetBudget {
            memory_bytes: 1024 * MIB,
            swap_bytes: 512 * MIB,
        }),
        view: TargetView {
            name: String::new(),
            footprint_bytes: Some(footprint_mib * MIB),
            restored_at_sample: restored,
            projection: None,
        },
        placed,
    }
}

fn projected(mut candidate: Candidate, onset: u64) -> Candidate {
    candidate.view.projection = Some(Projection {
        footprint: Some(Fit {
            bytes_per_container: (18 * MIB) as f64,
            baseline_bytes: 0.0,
        }),
        thrashing_onset: Some(onset),
        ram_budget_bytes: 1024 * MIB,
        ..Projection::default()
    });
    candidate
}

#[test]
fn round_robin_takes_each_open_target_in_turn() {
    let mut fleet = vec![target(0, 0, 0), target(0, 0, 0), target(0, 0, 0)];
    let picks: Vec<usize> = (0..4)
        .map(|turn| choose(PlacementPolicy::RoundRobin, &fleet, turn, 18 * MIB))
        .collect();
    assert_eq!(picks, [0, 1, 2, 0]);
    fleet[1].closed = true;
    let picks: Vec<usize> = (0..4)
        .map(|turn| choose(PlacementPolicy::RoundRobin, &fleet, turn, 18 * MIB))
        .collect();
    assert_eq!(picks, [0, 2, 0, 2]);
}

#[test]
fn most_free_counts_what_is_on_its_way_since_the_last_sample() {
    // a: 100 MiB used, 3 sent since its sample; b: 150 MiB used, none on the way.
    let fleet = vec![target(100, 5, 8), target(150, 5, 5)];
    // a has 1436 - 3 x 18 = 1382 MiB left, b 1386: b.
    assert_eq!(choose(PlacementPolicy::MostFree, &fleet, 0, 18 * MIB), 1);
    let fleet = vec![target(100, 5, 6), target(150, 5, 5)];
    assert_eq!(choose(PlacementPolicy::MostFree, &fleet, 1, 18 * MIB), 0);
}

#[test]
fn projection_picks_the_most_headroom_before_thrashing() {
    // a projects thrashing at 55 and has 40; b at 60 with 50; c no fit yet,
    // 900 MiB used of its 1024 MiB RAM: 124 / 18 = 6.9 containers.
    let fleet = vec![
        projected(target(700, 40, 40), 55),
        projected(target(800, 50, 50), 60),
        target(900, 0, 0),
    ];
    assert_eq!(choose(PlacementPolicy::Projection, &fleet, 0, 18 * MIB), 0);
    let fleet = vec![
        projected(target(700, 40, 48), 55),
        projected(target(800, 50, 50), 60),
        target(900, 0, 0),
    ];
    assert_eq!(choose(PlacementPolicy::Projection, &fleet, 0, 18 * MIB), 1);
}

#[test]
fn a_closed_target_takes_nothing_unless_every_target_is_closed() {
    let mut fleet = vec![target(0, 0, 0), target(1000, 0, 0)];
    fleet[0].closed = true;
    for policy in [
        PlacementPolicy::RoundRobin,
        PlacementPolicy::MostFree,
        PlacementPolicy::Projection,
    ] {
        assert_eq!(choose(policy, &fleet, 0, 18 * MIB), 1, "{policy:?}");
    }
    fleet[1].closed = true;
    // All closed: a migration in flight still lands, on the best of them.
    assert_eq!(choose(PlacementPolicy::MostFree, &fleet, 0, 18 * MIB), 0);
}

#[test]
fn targets_without_a_budget_are_placed_in_turn() {
    let mut fleet = vec![target(0, 0, 0), target(0, 0, 0)];
    for t in &mut fleet {
        t.budget = None;
    }
    assert_eq!(choose(PlacementPolicy::MostFree, &fleet, 1, 18 * MIB), 1);
    assert_eq!(choose(PlacementPolicy::Projection, &fleet, 2, 18 * MIB), 0);
}

#[test]
fn the_placer_counts_its_own_placements() {
    let (_tx, view) = watch::channel(vec![TargetView::default(); 2]);
    let budgets = vec![
        Some(TargetBudget {
            memory_bytes: 1024 * MIB,
            swap_bytes: 0,
        });
        2
    ];
    let closed = vec![CancellationToken::new(), CancellationToken::new()];
    let placer = Placer::new(PlacementPolicy::MostFree, closed.clone(), budgets, view, 16);
    // Nothing sampled yet: each placement counts against its target.
    let picks: Vec<usize> = (0..4).map(|_| placer.place()).collect();
    assert_eq!(picks, [0, 1, 0, 1]);
    closed[0].cancel();
    assert_eq!(placer.place(), 1);
}
