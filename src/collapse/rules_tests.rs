//! Each rule on a synthetic series, and the order when several fire.

use super::*;
use crate::record::{OpRecord, Outcome, Phase, SampleRow};

const MIB: u64 = 1 << 20;

fn restore(t_ms: f64, latency_ms: f64, outcome: Outcome, error: &str) -> OpRecord {
    OpRecord {
        run_id: "r".into(),
        container: "c".into(),
        start_ms: t_ms - latency_ms,
        end_ms: t_ms,
        latency_ms,
        outcome,
        error: error.into(),
        ..OpRecord::new(Phase::Restore, 0)
    }
}

fn ok(t_ms: f64, latency_ms: f64) -> OpRecord {
    restore(t_ms, latency_ms, Outcome::Ok, "")
}

fn sample(t_ms: f64) -> SampleRow {
    SampleRow {
        t_ms,
        phase: "restore".into(),
        mem_available_bytes: 8 << 30,
        ..Default::default()
    }
}

fn detector() -> Detector {
    Detector::new(CollapseRules::default(), None, 512 * MIB)
}

#[test]
fn knee_fires_after_consecutive_slow_restores() {
    let mut d = detector();
    // Baseline: 10 restores around 200 ms (median 200), factor 4 -> limit 800 ms.
    for i in 0..10 {
        assert!(d
            .on_op(&ok(i as f64 * 300.0, 190.0 + (i % 3) as f64 * 10.0))
            .is_empty());
    }
    assert!(d.on_op(&ok(4000.0, 900.0)).is_empty());
    assert!(
        d.on_op(&ok(5000.0, 300.0)).is_empty(),
        "one fast restore resets the streak"
    );
    assert!(d.on_op(&ok(6000.0, 900.0)).is_empty());
    assert!(d.on_op(&ok(7000.0, 950.0)).is_empty());
    let fired = d.on_op(&ok(8000.0, 1000.0));
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].rule, Rule::RestoreKnee);
    assert_eq!(fired[0].at_restore, 15);
    assert!(
        fired[0].detail.contains("median 200 ms"),
        "{}",
        fired[0].detail
    );
    assert!(d.on_op(&ok(9000.0, 2000.0)).is_empty(), "a rule fires once");
}

#[test]
fn no_knee_while_latency_is_flat() {
    let mut d = detector();
    for i in 0..200 {
        assert!(d.on_op(&ok(i as f64, 200.0 + (i % 7) as f64)).is_empty());
    }
    assert_eq!(d.verdict().point, None);
}

#[test]
fn psi_fires_above_threshold_only_during_restore() {
    let mut d = detector();
    let mut s = sample(10.0);
    s.psi_memory_full_avg10 = 50.0;
    s.phase = "checkpoint".into();
    assert!(
        d.on_sample(&s).is_empty(),
        "pressure before the restore phase is not the target's"
    );
    s.phase = "restore".into();
    s.psi_memory_full_avg10 = 20.0;
    assert!(
        d.on_sample(&s).is_empty(),
        "at the threshold is not above it"
    );
    s.psi_memory_full_avg10 = 20.5;
    let fired = d.on_sample(&s);
    assert_eq!(fired[0].rule, Rule::PsiMemory);
    assert!(fired[0].detail.contains("20.5%"));
    assert!(fired[0].detail.contains("(the machine)"));
}

#[test]
fn psi_reads_the_targets_own_pressure_where_its_cgroup_has_one() {
    let mut d = detector();
    let mut s = sample(10.0);
    // cgroup v2: the machine is under pressure, the target is not.
    s.psi_memory_full_avg10 = 90.0;
    s.target_psi_memory_full_avg10 = Some(5.0);
    assert!(
        d.on_sample(&s).is_empty(),
        "the target's own pressure rules"
    );
    s.psi_memory_full_avg10 = 0.0;
    s.target_psi_memory_full_avg10 = Some(30.0);
    let fired = d.on_sample(&s);
    assert_eq!(fired[0].rule, Rule::PsiMemory);
    assert!(
        fired[0].detail.contains("30.0%") && fired[0].detail.contains("target's cgroup"),
        "{}",
        fired[0].detail
    );
}

#[test]
fn swap_share_uses_the_target_budget() {
    let budget = TargetBudget {
        memory_bytes: 512 * MIB,
        swap_bytes: 100 * MIB,
    };
    let mut d = Detector::new(CollapseRules::default(), Some(budget), 0);
    let mut s = sample(1.0);
    s.target_swap_bytes = Some(90 * MIB);
    assert!(d.on_sample(&s).is_empty());
    s.target_swap_bytes = Some(91 * MIB);
    let fired = d.on_sample(&s);
    assert_eq!(fired[0].rule, Rule::SwapShare);
    assert!(
        fired[0].detail.contains("91 MiB of 100 MiB"),
        "{}",
        fired[0].detail
    );
}

#[test]
fn swap_share_without_budget_uses_the_machine_swap() {
    let mut d = detector();
    let mut s = sample(1.0);
    s.swap_used_bytes = 95 * MIB;
    s.swap_total_bytes = 100 * MIB;
    assert_eq!(d.on_sample(&s)[0].rule, Rule::SwapShare);
}

/// A sample of a remote target whose node exporter was scraped.
fn scraped_sample(t_ms: f64) -> SampleRow {
    SampleRow {
        target_scrape_failed: Some(false),
        target_scrape_age_ms: Some(300.0),
        ..sample(t_ms)
    }
}

#[test]
fn a_scraped_target_is_judged_on_its_own_pressure() {
    let mut d = detector();
    let mut s = scraped_sample(1.0);
    // This machine under pressure says nothing about the remote target...
    s.psi_memory_full_avg10 = 90.0;
    s.target_psi_memory_full_pct = Some(5.0);
    assert!(d.on_sample(&s).is_empty());
    // ...nor does it before the first scrape answered.
    s.target_psi_memory_full_pct = None;
    s.target_scrape_failed = Some(true);
    assert!(d.on_sample(&s).is_empty());
    s.target_psi_memory_full_pct = Some(25.0);
    s.psi_memory_full_avg10 = 0.0;
    let fired = d.on_sample(&s);
    assert_eq!(fired[0].rule, Rule::PsiMemory);
    assert!(
        fired[0]
            .detail
            .contains("full (10 s) 25.0% > 20% (the target)"),
        "{}",
        fired[0].detail
    );
}

#[test]
fn a_scraped_target_is_judged_on_its_own_swap() {
    let mut d = detector();
    let mut s = scraped_sample(1.0);
    s.swap_used_bytes = 99 * MIB;
    s.swap_total_bytes = 100 * MIB;
    s.target_swap_bytes = Some(50 * MIB);
    s.target_swap_total_bytes = Some(1000 * MIB);
    assert!(
        d.on_sample(&s).is_empty(),
        "this machine's swap is not the target's"
    );
    s.target_swap_total_bytes = None;
    assert!(d.on_sample(&s).is_empty(), "no total, no share");
    s.target_swap_bytes = Some(950 * MIB);
    s.target_swap_total_bytes = Some(1000 * MIB);
    let fired = d.on_sample(&s);
    assert_eq!(fired[0].rule, Rule::SwapShare);
    assert!(
        fired[0].detail.contains("950 MiB of 1000 MiB"),
        "{}",
        fired[0].detail
    );
}

#[test]
fn sampler_lag_fires() {
    let mut d = detector();
    let mut s = sample(1.0);
    s.lag_ms = 1999.0;
    assert!(d.on_sample(&s).is_empty());
    s.lag_ms = 2500.0;
    assert_eq!(d.on_sample(&s)[0].rule, Rule::SamplerLag);
}

#[test]
fn timeout_and_engine_down_fire_on_restores() {
    let mut d = detector();
    d.on_op(&ok(1.0, 100.0));
    let fired = d.on_op(&restore(
        200_000.0,
        120_000.0,
        Outcome::Timeout,
        "no answer",
    ));
    assert_eq!(fired[0].rule, Rule::OpTimeout);
    assert_eq!(fired[0].at_restore, 2);
    let fired = d.on_op(&restore(
        200_100.0,
        1.0,
        Outcome::Failed,
        "engine 'unix:///x' is not reachable: connection refused; the engine answered again 3.1 s later (restarted)",
    ));
    assert!(fired.is_empty(), "an engine restart is not a collapse");
    let fired = d.on_op(&restore(200_200.0, 1.0, Outcome::Failed, "criu failed"));
    assert!(
        fired.is_empty(),
        "a plain failed restore is not a collapse signal by itself"
    );
    let fired = d.on_op(&restore(
        200_300.0,
        1.0,
        Outcome::EngineDown,
        "engine 'unix:///x' is not reachable: connection refused; no answer for 30 s",
    ));
    assert_eq!(fired[0].rule, Rule::EngineDown);
    assert_eq!(fired[0].at_restore, 5);
}

#[test]
fn oom_kills_fire() {
    let mut d = detector();
    let mut s = sample(1.0);
    s.target_oom_kills = Some(0);
    assert!(d.on_sample(&s).is_empty());
    s.target_oom_kills = Some(2);
    let fired = d.on_sample(&s);
    assert_eq!(fired[0].rule, Rule::OomKill);
    assert!(fired[0].detail.contains("2 OOM kill"));
}

#[test]
fn host_floor_fires_in_any_phase() {
    let mut d = detector();
    let mut s = sample(1.0);
    s.phase = "launch".into();
    s.mem_available_bytes = 100 * MIB;
    assert_eq!(d.on_sample(&s)[0].rule, Rule::HostFloor);
}

#[test]
fn first_firing_defines_the_point_and_all_are_kept_in_order() {
    let mut d = detector();
    d.on_op(&ok(1.0, 100.0));
    let mut s = sample(100.0);
    s.lag_ms = 5000.0;
    s.psi_memory_full_avg10 = 80.0;
    let fired = d.on_sample(&s);
    assert_eq!(fired.len(), 2);
    d.on_op(&restore(200.0, 1.0, Outcome::EngineDown, "gone"));
    let verdict = d.into_verdict();
    let point = verdict.point.clone().expect("a collapse point");
    assert_eq!(point.rule, Rule::PsiMemory);
    assert_eq!(point.at_restore, 2);
    let rules: Vec<Rule> = verdict.firings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        vec![Rule::PsiMemory, Rule::SamplerLag, Rule::EngineDown]
    );
    assert!(verdict
        .describe(1)
        .starts_with("collapse at restore 2: memory pressure"));
}

#[test]
fn in_a_pipeline_the_rules_judge_once_restores_are_in_flight() {
    let mut d = detector();
    let mut s = sample(100.0);
    s.phase = crate::record::samples::PIPELINE_PHASE.into();
    s.psi_memory_full_avg10 = 50.0;
    // Only checkpoints in flight, nothing restored yet: the target is idle.
    s.checkpointing = 4;
    assert!(d.on_sample(&s).is_empty());
    // Checkpoints and a restore overlap: the target is receiving.
    s.restoring = 1;
    let fired = d.on_sample(&s);
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].rule, Rule::PsiMemory);
}

#[test]
fn in_a_pipeline_the_rules_keep_judging_between_restores() {
    let mut d = detector();
    let mut s = sample(100.0);
    s.phase = crate::record::samples::PIPELINE_PHASE.into();
    s.migrated = 3;
    s.checkpointing = 2;
    s.lag_ms = 10_000.0;
    let fired = d.on_sample(&s);
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].rule, Rule::SamplerLag);
}
