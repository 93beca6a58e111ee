//! The hard failure on synthetic series: each cause, the first one kept.

use super::*;

fn op(phase: Phase, outcome: Outcome, error: &str, end_ms: f64) -> OpRecord {
    OpRecord {
        run_id: "r".into(),
        container: "c".into(),
        start_ms: end_ms - 100.0,
        end_ms,
        latency_ms: 100.0,
        outcome,
        error: error.into(),
        ..OpRecord::new(phase, 0)
    }
}

fn restore(outcome: Outcome, error: &str, end_ms: f64) -> OpRecord {
    op(Phase::Restore, outcome, error, end_ms)
}

fn kills(t_ms: f64, kills: u64) -> SampleRow {
    SampleRow {
        t_ms,
        target_oom_kills: Some(kills),
        ..Default::default()
    }
}

#[test]
fn an_oom_kill_after_the_first_reading_is_the_hard_failure() {
    let mut watch = FailureWatch::default();
    // Kills that happened before the run's first sample are not this run's.
    assert_eq!(watch.on_sample(&kills(100.0, 2)), None);
    for i in 0..5 {
        assert_eq!(
            watch.on_op(&restore(Outcome::Ok, "", 200.0 + f64::from(i))),
            None
        );
    }
    assert_eq!(watch.on_sample(&kills(300.0, 2)), None);
    let failure = watch.on_sample(&kills(400.0, 3)).expect("the hard failure");
    assert_eq!(failure.cause, FailureCause::OomKill);
    assert_eq!(failure.at_restore, 6, "during the sixth restore");
    assert_eq!(failure.t_ms, 400.0);
    assert_eq!(watch.on_sample(&kills(500.0, 9)), None, "the first is kept");
    assert_eq!(watch.failure().map(|f| f.t_ms), Some(400.0));
}

#[test]
fn restores_that_fail_for_memory_time_out_or_meet_a_dead_engine_are_hard_failures() {
    let cases = [
        (
            restore(
                Outcome::Failed,
                "OCI runtime start failed: Cannot allocate memory",
                1.0,
            ),
            FailureCause::RestoreOutOfMemory,
        ),
        (
            restore(
                Outcome::Failed,
                "container init was OOM-killed (memory limit too low?)",
                1.0,
            ),
            FailureCause::RestoreOutOfMemory,
        ),
        (
            restore(Outcome::Timeout, "", 1.0),
            FailureCause::RestoreTimeout,
        ),
        (
            restore(Outcome::EngineDown, "gone", 1.0),
            FailureCause::EngineDown,
        ),
    ];
    for (row, cause) in cases {
        let mut watch = FailureWatch::default();
        watch.on_op(&restore(Outcome::Ok, "", 0.5));
        let failure = watch.on_op(&row).expect("a hard failure");
        assert_eq!(
            (failure.cause, failure.at_restore),
            (cause, 2),
            "{}",
            row.error
        );
    }
}

#[test]
fn other_failures_are_not_hard_failures() {
    let mut watch = FailureWatch::default();
    let others = [
        restore(Outcome::Failed, "criu failed: type NOTIFY errno 0", 1.0),
        restore(Outcome::Failed, "no room for the clone's name", 1.0),
        restore(Outcome::Skipped, "collapse", 1.0),
        op(Phase::Checkpoint, Outcome::Timeout, "", 1.0),
        op(Phase::Verify, Outcome::Failed, "out of memory", 1.0),
    ];
    for row in &others {
        assert_eq!(watch.on_op(row), None, "{row:?}");
    }
    assert_eq!(
        watch.on_sample(&SampleRow::default()),
        None,
        "no cgroup, no kills"
    );
    assert_eq!(watch.into_failure(), None);
}
