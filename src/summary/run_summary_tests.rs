//! Summary building: percentiles, phase counts, failures and verification.
use super::*;
use crate::collapse::{Firing, Rule};

fn op(phase: Phase, index: usize, latency_ms: f64, outcome: Outcome, end_ms: f64) -> OpRecord {
    OpRecord {
        run_id: "r".into(),
        container: format!("c{index}"),
        start_ms: end_ms - latency_ms,
        end_ms,
        latency_ms,
        bytes: Some(10),
        outcome,
        ..OpRecord::new(phase, index)
    }
}

fn input<'a>(ops: &'a [OpRecord], collapse: Verdict) -> SummaryInput<'a> {
    SummaryInput {
        run_id: "r",
        scenario: "s",
        mode: crate::scenario::Mode::Batch,
        thresholds: Box::leak(Box::default()),
        containers: 4,
        ops,
        samples: &[],
        collapse,
        hard_failure: None,
        projection: None,
        ended_early: None,
        ending: crate::summary::Ending::Finished,
        data_notes: Vec::new(),
        environment: serde_json::Value::Null,
        placement: "round-robin",
        targets: Vec::new(),
    }
}

#[test]
fn percentiles_match_the_values_to_three_digits() {
    let p = Percentiles::of((1..=100).map(f64::from)).expect("percentiles");
    assert!((p.p50_ms - 50.0).abs() < 0.05, "{p:?}");
    assert!((p.p90_ms - 90.0).abs() < 0.1, "{p:?}");
    assert!((p.p99_ms - 99.0).abs() < 0.1, "{p:?}");
    assert!((p.max_ms - 100.0).abs() < 0.1, "{p:?}");
    assert!((p.mean_ms - 50.5).abs() < 0.1, "{p:?}");
    assert_eq!(Percentiles::of(std::iter::empty()), None);
}

#[test]
fn phases_count_outcomes_and_use_only_successes_for_latency() {
    let ops = vec![
        op(Phase::Restore, 0, 100.0, Outcome::Ok, 1000.0),
        op(Phase::Restore, 1, 300.0, Outcome::Ok, 2000.0),
        op(Phase::Restore, 2, 9000.0, Outcome::Timeout, 11000.0),
        op(Phase::Restore, 3, 0.0, Outcome::Skipped, 11000.0),
    ];
    let summary = Summary::build(input(&ops, Verdict::default()));
    let restore = summary.phase(Phase::Restore).expect("restore");
    assert_eq!(
        (restore.count, restore.ok, restore.failed, restore.skipped),
        (4, 2, 1, 1)
    );
    assert!((restore.latency.expect("latency").max_ms - 300.0).abs() < 0.5);
    assert_eq!(restore.bytes_total, 20);
    assert!(
        (restore.wall_s - 10.1).abs() < 1e-9,
        "first start 0.9 s to last end 11 s, skipped rows aside"
    );
    assert_eq!(summary.failures_before_collapse, 1);
    assert_eq!(summary.failures(), 1);
    assert_eq!(
        summary.phase(Phase::Launch),
        None,
        "phases without rows are left out"
    );
}

#[test]
fn failures_after_the_collapse_do_not_count_against_the_run() {
    let ops = vec![
        op(Phase::Restore, 0, 100.0, Outcome::Ok, 1000.0),
        op(Phase::Restore, 1, 9000.0, Outcome::Timeout, 20000.0),
    ];
    let mut verdict = Verdict::default();
    verdict.push(Firing {
        rule: Rule::PsiMemory,
        at_restore: 2,
        t_ms: 5000.0,
        detail: "x".into(),
    });
    let summary = Summary::build(input(&ops, verdict));
    assert_eq!(summary.failures_before_collapse, 0);
    assert_eq!(summary.failures(), 1);
}

#[test]
fn verification_counts_continued_lost_and_unchecked() {
    let mut continued = op(Phase::Verify, 0, 1.0, Outcome::Ok, 1.0);
    continued.downtime_ms = Some(900.0);
    let ops = vec![
        continued,
        op(Phase::Verify, 1, 1.0, Outcome::Failed, 1.0),
        op(Phase::Verify, 2, 0.0, Outcome::Skipped, 1.0),
        op(Phase::Verify, 3, 0.0, Outcome::Unchecked, 1.0),
    ];
    let summary = Summary::build(input(&ops, Verdict::default()));
    assert_eq!(
        summary.verification,
        Verification {
            continued: 1,
            lost: 1,
            unchecked: 2,
            not_migrated: 0,
            rolled_back: 0,
        }
    );
    let downtime = summary.downtime.expect("downtime");
    assert_eq!(downtime.measured, 1);
    assert!((downtime.downtime.p50_ms - 900.0).abs() < 1.0);
}

fn collapse_at(t_ms: f64) -> Verdict {
    let mut verdict = Verdict::default();
    verdict.push(Firing {
        rule: Rule::SamplerLag,
        at_restore: 2,
        t_ms,
        detail: "x".into(),
    });
    verdict
}

#[test]
fn a_state_lost_before_the_collapse_counts_though_it_was_checked_after() {
    // Restored at 1 s, collapse at 5 s, the whole restore phase ends, and the
    // check at 30 s finds the state lost: it was lost before the collapse.
    let ops = vec![
        op(Phase::Restore, 0, 400.0, Outcome::Ok, 1000.0),
        op(Phase::Restore, 1, 400.0, Outcome::Ok, 6000.0),
        op(Phase::Verify, 0, 5.0, Outcome::Failed, 30000.0),
        op(Phase::Verify, 1, 5.0, Outcome::Failed, 30010.0),
    ];
    let summary = Summary::build(input(&ops, collapse_at(5000.0)));
    assert_eq!(summary.verification.lost, 2);
    assert_eq!(
        summary.failures_before_collapse, 1,
        "container 0's, restored before the collapse; not container 1's"
    );
    assert_eq!(summary.verdict, RunVerdict::Failures);
}

#[test]
fn an_unchecked_verification_is_not_lost_and_counts_from_its_own_end() {
    let mut unchecked = op(Phase::Verify, 0, 5.0, Outcome::Unchecked, 30000.0);
    unchecked.error = "not verified: the clone's output could not be read: gone".into();
    let ops = vec![op(Phase::Restore, 0, 400.0, Outcome::Ok, 1000.0), unchecked];
    let collapsed = Summary::build(input(&ops, collapse_at(5000.0)));
    assert_eq!(
        collapsed.verification,
        Verification {
            continued: 0,
            lost: 0,
            unchecked: 4,
            not_migrated: 0,
            rolled_back: 0,
        }
    );
    assert_eq!(
        collapsed.failures_before_collapse, 0,
        "the engine died with the collapse"
    );
    assert_eq!(collapsed.verdict, RunVerdict::CollapseFound);
    let verify = collapsed.phase(Phase::Verify).expect("verify");
    assert_eq!(verify.failed, 1, "the check itself failed");
    // Without a collapse an engine that cannot be asked is a failure of the run.
    let plain = Summary::build(input(&ops, Verdict::default()));
    assert_eq!(plain.verdict, RunVerdict::Failures);
}

#[test]
fn containers_left_on_the_source_are_not_migrated_not_unchecked() {
    let mut left = op(Phase::Checkpoint, 1, 0.0, Outcome::NotMigrated, 1.0);
    left.error = "left running on the source".into();
    let ops = vec![
        op(Phase::Verify, 0, 1.0, Outcome::Ok, 1.0),
        left,
        op(Phase::Verify, 1, 0.0, Outcome::Skipped, 1.0),
    ];
    let mut input = input(&ops, Verdict::default());
    input.containers = 2;
    let summary = Summary::build(input);
    assert_eq!(summary.verification.not_migrated, 1);
    assert_eq!(summary.verification.unchecked, 0);
    assert_eq!(summary.phase(Phase::Checkpoint).map(|p| p.skipped), Some(1));
    assert_eq!(summary.failures_before_collapse, 0);
}

#[test]
fn failures_from_the_hard_failure_on_are_the_result() {
    use crate::collapse::{FailureCause, HardFailure};
    // A restore that failed for memory at 3000 ms: the hard failure, no collapse before it.
    let mut failed = op(Phase::Restore, 1, 100.0, Outcome::Failed, 3000.0);
    failed.error = "cannot allocate memory".into();
    let ops = [op(Phase::Restore, 0, 100.0, Outcome::Ok, 1000.0), failed];
    let hard = HardFailure {
        cause: FailureCause::RestoreOutOfMemory,
        at_restore: 2,
        t_ms: 3000.0,
        detail: String::new(),
    };
    let summary = Summary::build(SummaryInput {
        hard_failure: Some(hard),
        ..input(&ops, Verdict::default())
    });
    assert_eq!(summary.failures_before_collapse, 0);
    assert_eq!(summary.verdict, RunVerdict::HardFailureFound);
    let without = Summary::build(input(&ops, Verdict::default()));
    assert_eq!(without.verdict, RunVerdict::Failures);
}
