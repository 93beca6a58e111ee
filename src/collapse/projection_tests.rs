//! The projection on synthetic memory series: page cache that is reclaimed
//! later, steady anonymous growth, no growth.

use super::*;

const MIB: u64 = 1 << 20;
/// The lab's VM: 2 GiB of RAM and 1.5 GiB of swap.
const LAB: Budget = Budget {
    ram_bytes: 2048 * MIB,
    swap_bytes: 1536 * MIB,
};

fn sample(migrated: u64, charge: u64, footprint: u64) -> SampleRow {
    SampleRow {
        migrated,
        target_memory_bytes: Some(charge),
        target_footprint_bytes: Some(footprint),
        ..Default::default()
    }
}

#[test]
fn page_cache_does_not_count_against_the_budget() {
    // 100 MiB of engine, then per restore 20 MiB that stays (anon, kmem) and
    // 20 MiB of page cache (the checkpoint images read), reclaimed later on.
    let mut samples: Vec<_> = (0..=20)
        .map(|m| sample(m, 100 * MIB + m * 40 * MIB, 100 * MIB + m * 20 * MIB))
        .collect();
    // Later, the cache is given back: the charge stops growing as fast.
    samples.extend((21..=120).map(|m| sample(m, 2048 * MIB, 100 * MIB + m * 20 * MIB)));
    let p = project(&samples, 20, LAB).expect("a projection");
    assert_eq!(p.fitted_restores, 20);
    let footprint = p.footprint.expect("the footprint's line");
    assert!((footprint.bytes_per_container - 20.0 * MIB as f64).abs() < 1.0);
    assert!((footprint.baseline_bytes - 100.0 * MIB as f64).abs() < 1.0);
    // (2048 - 100) / 20 = 97.4 -> during restore 98; (3584 - 100) / 20 = 174.2 -> 175.
    assert_eq!(p.thrashing_onset, Some(98));
    assert_eq!(p.hard_failure, Some(175));
    // The charge (40 MiB per container) reaches the RAM at (2048 - 100) / 40 = 48.7.
    assert_eq!(p.reclaim_onset, Some(49));
    let charge = p.charge.expect("the charge's line");
    assert!((charge.bytes_per_container - 40.0 * MIB as f64).abs() < 1.0);
}

#[test]
fn steady_anonymous_growth_crosses_ram_then_ram_plus_swap() {
    // 64 MiB baseline, 16 MiB per container, several samples per count.
    let samples: Vec<_> = (0..=20)
        .flat_map(|m| {
            let bytes = 64 * MIB + m * 16 * MIB;
            [sample(m, bytes, bytes), sample(m, bytes, bytes)]
        })
        .collect();
    let p = project(&samples, 20, LAB).expect("a projection");
    // (2048 - 64) / 16 = 124; (3584 - 64) / 16 = 220: reached exactly at those restores.
    assert_eq!(p.thrashing_onset, Some(124));
    assert_eq!(p.hard_failure, Some(220));
    assert_eq!(
        p.reclaim_onset,
        Some(124),
        "no cache: the charge is the footprint"
    );
}

#[test]
fn no_growth_projects_nothing() {
    let samples: Vec<_> = (0..=20).map(|m| sample(m, 500 * MIB, 300 * MIB)).collect();
    let p = project(&samples, 20, LAB).expect("a fit, flat");
    assert_eq!(p.footprint.map(|f| f.bytes_per_container), Some(0.0));
    assert_eq!(p.thrashing_onset, None);
    assert_eq!(p.hard_failure, None);
    assert_eq!(p.reclaim_onset, None);
}

#[test]
fn samples_past_the_fit_window_are_ignored() {
    let mut samples: Vec<_> = (0..=20)
        .map(|m| sample(m, m * 10 * MIB, m * 10 * MIB))
        .collect();
    samples.push(sample(30, 5000 * MIB, 5000 * MIB));
    let budget = Budget {
        ram_bytes: 1000 * MIB,
        swap_bytes: 0,
    };
    let p = project(&samples, 20, budget).expect("a projection");
    assert_eq!(p.thrashing_onset, Some(100));
    assert_eq!(p.hard_failure, Some(100), "no swap: thrashing is the end");
}

#[test]
fn no_projection_without_two_distinct_counts() {
    assert_eq!(project(&[sample(0, 1, 1), sample(0, 2, 2)], 20, LAB), None);
    assert_eq!(project(&[], 20, LAB), None);
}

#[test]
fn runs_recorded_before_the_footprint_keep_the_charge_estimate_only() {
    let samples: Vec<_> = (0..=20)
        .map(|m| SampleRow {
            migrated: m,
            target_memory_bytes: Some(m * 16 * MIB),
            ..Default::default()
        })
        .collect();
    let p = project(&samples, 20, LAB).expect("a projection");
    assert_eq!(p.footprint, None);
    assert_eq!(p.thrashing_onset, None);
    assert_eq!(p.reclaim_onset, Some(128));
}

#[test]
fn the_footprint_reached_each_level_during_the_restore_in_flight() {
    let samples: Vec<_> = (0..=200)
        .map(|m| sample(m, 0, 100 * MIB + m * 20 * MIB))
        .collect();
    let got = reached(&samples, LAB).expect("footprints");
    // 100 + 20 x 98 = 2060 >= 2048 first with 98 restored: during restore 99.
    assert_eq!(got.ram_at_restore, Some(99));
    assert_eq!(got.ram_and_swap_at_restore, Some(176));
    let early: Vec<_> = samples.into_iter().take(10).collect();
    assert_eq!(reached(&early, LAB), Some(Reached::default()));
    assert_eq!(reached(&[SampleRow::default()], LAB), None);
}
