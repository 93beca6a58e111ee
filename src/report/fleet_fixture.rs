//! A synthetic run onto a fleet, for the tests of what reports it: targets
//! a, b and c, samples with one row per target per tick, restores per target.

use super::series::Series;
use crate::collapse::{Firing, Projection, Rule, Verdict};
use crate::record::{OpRecord, Outcome, Phase, SampleRow};
use crate::summary::{
    FleetSummary, HostsNeeded, Percentiles, Summary, SummaryInput, TargetSummary,
};

pub const MIB: u64 = 1 << 20;

/// Collapsed at its `at_restore`-th restore, at `t_ms`, on swap share.
pub fn collapsed(at_restore: usize, t_ms: f64) -> Verdict {
    let mut verdict = Verdict::default();
    verdict.push(Firing {
        rule: Rule::SwapShare,
        at_restore,
        t_ms,
        detail: "swap 200 MiB of 256 MiB".into(),
    });
    verdict
}

pub fn percentiles(p50_ms: f64, p99_ms: f64) -> Percentiles {
    Percentiles {
        p50_ms,
        p90_ms: p99_ms,
        p99_ms,
        max_ms: p99_ms,
        mean_ms: p50_ms,
    }
}

/// A target that took `placed`, collapsed at `collapse` (restore, ms), with
/// a 512 MiB RAM budget and the projection `thrashing` / `hard`.
pub fn target(
    name: &str,
    placed: usize,
    collapse: Option<(usize, f64)>,
    (thrashing, hard): (u64, u64),
) -> TargetSummary {
    TargetSummary {
        name: name.into(),
        host: format!("emulated:{name}"),
        placed,
        verified: placed.saturating_sub(1),
        failed: 1,
        collapse: collapse.map_or_else(Verdict::default, |(at, t_ms)| collapsed(at, t_ms)),
        hard_failure: None,
        projection: Some(Projection {
            ram_budget_bytes: 512 * MIB,
            swap_budget_bytes: 256 * MIB,
            thrashing_onset: Some(thrashing),
            hard_failure: Some(hard),
            ..Projection::default()
        }),
        footprint_reached: None,
        downtime: Some(percentiles(310.0, 920.0)),
        restore: Some(percentiles(150.0, 400.0)),
    }
}

/// The fleet a (collapsed at its restore 55), b (61) and c (58) under `policy`.
pub fn fleet(policy: &str) -> FleetSummary {
    FleetSummary {
        policy: policy.into(),
        targets: vec![
            target("a", 60, Some((55, 20_000.0)), (54, 80)),
            target("b", 65, Some((61, 26_000.0)), (60, 90)),
            target("c", 62, Some((58, 23_000.0)), (57, 85)),
        ],
        placed: 187,
        placed_before_first_collapse: 163,
        placed_before_last_collapse: Some(180),
        evacuation_wall_s: 41.5,
        migrations_per_s: 4.51,
        hosts_needed: Some(HostsNeeded {
            containers: 400,
            per_host_thrashing: 57.0,
            per_host_failure: Some(85.0),
            before_thrashing: 8,
            before_failure: Some(5),
            fleet_size: 3,
            fleet_took: 180,
        }),
    }
}

/// A summary of 400 containers with `fleet`; its collapse point is the
/// fleet's first (a's).
pub fn summary(fleet: Option<FleetSummary>) -> Summary {
    let mut summary = Summary::build(SummaryInput {
        run_id: "fleet-run",
        scenario: "fleet",
        mode: crate::scenario::Mode::Pipeline,
        thresholds: &crate::scenario::Thresholds::default(),
        containers: 400,
        ops: &[],
        samples: &[],
        collapse: Verdict::default(),
        hard_failure: None,
        projection: None,
        ended_early: None,
        ending: crate::summary::Ending::Finished,
        data_notes: Vec::new(),
        environment: serde_json::Value::Null,
        placement: "round-robin",
        targets: Vec::new(),
    });
    if let Some(first) = fleet.as_ref().and_then(|f| f.targets.first()) {
        summary.collapse = first.collapse.clone();
    }
    summary.fleet = fleet;
    summary
}

/// `ticks` sampler ticks of 1 s, one row per target of `names`: each
/// target's footprint grows by its own step, its restored count by one a
/// tick; the machine's fields are the same in each row of a tick.
pub fn samples(names: &[&str], ticks: u64) -> Vec<SampleRow> {
    (1..=ticks)
        .flat_map(|tick| {
            names.iter().enumerate().map(move |(i, name)| {
                let step = (i as u64 + 1) * 10 * MIB;
                SampleRow {
                    t_ms: tick as f64 * 1000.0,
                    phase: "migrate".into(),
                    mem_used_bytes: 1024 * MIB + tick * 20 * MIB,
                    target: name.to_string(),
                    migrated: tick,
                    target_memory_bytes: Some(tick * step + 64 * MIB),
                    target_footprint_bytes: Some(tick * step),
                    target_swap_bytes: Some(tick.saturating_sub(40) * MIB),
                    ..SampleRow::default()
                }
            })
        })
        .collect()
}

/// One ok restore per target per second, `per_target` each.
pub fn restores(names: &[&str], per_target: usize) -> Vec<OpRecord> {
    (0..per_target)
        .flat_map(|k| {
            names.iter().enumerate().map(move |(i, name)| OpRecord {
                target: name.to_string(),
                end_ms: (k as f64 + 1.0) * 1000.0 + i as f64,
                outcome: Outcome::Ok,
                ..OpRecord::new(Phase::Restore, k * names.len() + i)
            })
        })
        .collect()
}

/// The rows of targets a, b and c over 60 s: 60 ticks, 60 restores each.
pub fn series() -> Series {
    let names = ["a", "b", "c"];
    Series {
        ops: restores(&names, 60),
        samples: samples(&names, 60),
        notes: Vec::new(),
    }
}
