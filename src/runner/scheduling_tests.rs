//! The runner's scheduling on the scripted engine (`engine::fake`), through
//! the same `execute` a real run goes through: a batch phase's pacing, per-step limits,
//! batch sequencing, the pipeline's stop and `not_migrated`, `--fail-fast`,
//! a hung restore, a clone that lost its state, and the rollback. Fast and
//! deterministic; what a user sees is tested on the real engines in `tests/`.

use super::scheduling_harness::{count, engines, row, run, run_plan};
use crate::engine::fake::{FakeEngine, Op, Script};
use crate::record::{Outcome, Phase};
use crate::summary::RunVerdict;
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_steps_keep_their_phases_concurrency_and_every_migration_verifies() {
    let script = Script::default()
        .latency(Op::Checkpoint, 30 * MS)
        .latency(Op::Restore, 30 * MS);
    let (source, target) = engines(script.clone(), script);
    let toml = "containers = 8\nmode = \"pipeline\"\nconcurrency = 4\n\
                [checkpoint]\nconcurrency = 2\n[restore]\nconcurrency = 1\n";
    let (summary, rows) = run(toml, source.clone(), target.clone(), false).await;
    assert_eq!(
        source.most_at_once(Op::Checkpoint),
        2,
        "checkpoints capped at 2"
    );
    assert_eq!(
        target.most_at_once(Op::Restore),
        1,
        "restores one at a time"
    );
    assert_eq!(count(&rows, Phase::Verify, Outcome::Ok), 8);
    assert_eq!(summary.verification.continued, 8);
    assert_eq!(summary.verdict, RunVerdict::Finished);
    assert_eq!(target.containers() + source.containers(), 0, "cleaned up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_checkpoints_everything_before_the_first_restore() {
    let script = Script::default().latency(Op::Checkpoint, 10 * MS);
    let (source, target) = engines(script, Script::default());
    let toml = "containers = 5\nconcurrency = 2\n";
    let (summary, rows) = run(toml, source.clone(), target.clone(), false).await;
    let last_checkpoint = source
        .calls()
        .iter()
        .filter(|c| c.op == Op::Checkpoint)
        .filter_map(|c| c.ended)
        .max()
        .expect("checkpoints");
    let first_restore = target
        .calls()
        .iter()
        .filter(|c| c.op == Op::Restore)
        .map(|c| c.started)
        .min()
        .expect("restores");
    assert!(
        last_checkpoint <= first_restore,
        "a restore began during the checkpoints"
    );
    for phase in [
        Phase::Launch,
        Phase::Checkpoint,
        Phase::Restore,
        Phase::Verify,
    ] {
        assert_eq!(
            rows.iter().filter(|r| r.phase == phase).count(),
            5,
            "one {phase:?} row per container"
        );
    }
    assert_eq!(summary.verification.continued, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_fast_starts_nothing_after_the_first_failure_and_rolls_it_back() {
    let (source, target) = engines(Script::default(), Script::default().failing(Op::Restore, 1));
    let toml = "containers = 4\n[restore]\nconcurrency = 1\n";
    let (summary, rows) = run(toml, source, target.clone(), true).await;
    assert_eq!(row(&rows, Phase::Restore, 1).outcome, Outcome::Failed);
    let restores_begun = target
        .calls()
        .iter()
        .filter(|c| c.op == Op::Restore)
        .count();
    assert_eq!(restores_begun, 2, "containers 0 and 1 only");
    for index in [2, 3] {
        let skipped = row(&rows, Phase::Restore, index);
        assert_eq!(skipped.outcome, Outcome::Skipped);
        assert!(
            skipped.error.contains("the run was stopped"),
            "{}",
            skipped.error
        );
    }
    // Containers checkpointed but never restored go back to their source.
    for index in [1, 2, 3] {
        assert_eq!(
            row(&rows, Phase::Verify, index).outcome,
            Outcome::RolledBack
        );
    }
    assert_eq!(summary.verification.rolled_back, 3);
    assert_eq!(summary.verification.lost, 0);
    assert_eq!(summary.verdict, RunVerdict::Failures);
    assert!(summary
        .ended_early
        .as_deref()
        .is_some_and(|w| w.contains("--fail-fast")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_pipeline_leaves_the_containers_it_never_reached_on_the_source() {
    let (source, target) = engines(
        Script::default().failing(Op::Checkpoint, 1),
        Script::default(),
    );
    let toml = "containers = 5\nmode = \"pipeline\"\nconcurrency = 1\n";
    let (summary, rows) = run(toml, source, target, true).await;
    assert_eq!(row(&rows, Phase::Verify, 0).outcome, Outcome::Ok);
    assert_eq!(row(&rows, Phase::Checkpoint, 1).outcome, Outcome::Failed);
    for index in 2..5 {
        assert_eq!(
            row(&rows, Phase::Checkpoint, index).outcome,
            Outcome::NotMigrated
        );
        for phase in [Phase::Restore, Phase::Verify] {
            assert_eq!(row(&rows, phase, index).outcome, Outcome::Skipped);
        }
    }
    assert_eq!(summary.verification.not_migrated, 3);
    assert_eq!(
        summary.verification.unchecked, 1,
        "the one whose checkpoint failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_restore_times_out_is_abandoned_and_rolls_back() {
    let (source, target) = engines(Script::default(), Script::default().hanging(Op::Restore, 0));
    // Both restores in flight at once: the other one finishes before the
    // timeout stops the run.
    let toml = "containers = 2\ntimeout_s = 1\n[restore]\nconcurrency = 2\n";
    let (summary, rows) = run(toml, source, target.clone(), false).await;
    let hung = row(&rows, Phase::Restore, 0);
    assert_eq!(hung.outcome, Outcome::Timeout);
    assert_eq!(target.abandoned(), vec![hung.container_id.clone()]);
    assert_eq!(row(&rows, Phase::Rollback, 0).outcome, Outcome::Ok);
    assert_eq!(row(&rows, Phase::Verify, 0).outcome, Outcome::RolledBack);
    assert_eq!(row(&rows, Phase::Verify, 1).outcome, Outcome::Ok);
    assert_eq!(
        summary.collapse.point.map(|p| p.rule),
        Some(crate::collapse::Rule::OpTimeout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clone_that_counts_from_one_again_lost_its_state() {
    let (source, target) = engines(Script::default(), Script::default().restarting(1));
    let (summary, rows) = run("containers = 2\n", source, target, false).await;
    let lost = row(&rows, Phase::Verify, 1);
    assert_eq!(lost.outcome, Outcome::Failed);
    assert!(
        lost.error
            .contains("original stopped at seq 5, clone started at seq 1"),
        "{}",
        lost.error
    );
    assert_eq!(summary.verification.lost, 1);
    assert_eq!(summary.verification.continued, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandon_leaves_a_failed_restore_unrolled() {
    let (source, target) = engines(Script::default(), Script::default().failing(Op::Restore, 0));
    let toml = "containers = 2\non_failure = \"abandon\"\n";
    let (summary, rows) = run(toml, source, target, false).await;
    assert!(rows.iter().all(|r| r.phase != Phase::Rollback));
    assert_eq!(row(&rows, Phase::Verify, 0).outcome, Outcome::Skipped);
    assert_eq!(summary.verification.rolled_back, 0);
    assert_eq!(summary.verdict, RunVerdict::Failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_that_fails_too_is_a_lost_state() {
    let (source, target) = engines(
        Script::default().failing(Op::Restore, 0),
        Script::default().failing(Op::Restore, 0),
    );
    let (summary, rows) = run("containers = 1\n", source, target, false).await;
    assert_eq!(row(&rows, Phase::Rollback, 0).outcome, Outcome::Failed);
    let lost = row(&rows, Phase::Verify, 0);
    assert_eq!(lost.outcome, Outcome::Failed);
    assert!(lost.error.contains("so did its rollback"), "{}", lost.error);
    assert_eq!(summary.verification.lost, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collapse_in_a_pipeline_starts_no_new_migration() {
    let (source, target) = engines(Script::default(), Script::default().hanging(Op::Restore, 1));
    let toml = "containers = 6\nmode = \"pipeline\"\nconcurrency = 1\ntimeout_s = 1\n";
    let (summary, rows) = run(toml, source.clone(), target, false).await;
    let point = summary
        .collapse
        .point
        .clone()
        .expect("the timeout is a collapse");
    assert_eq!(point.rule, crate::collapse::Rule::OpTimeout);
    let checkpoints = source
        .calls()
        .iter()
        .filter(|c| c.op == Op::Checkpoint)
        .count();
    assert_eq!(
        checkpoints, 2,
        "no migration began after the one that collapsed"
    );
    for index in 2..6 {
        assert_eq!(
            row(&rows, Phase::Checkpoint, index).outcome,
            Outcome::NotMigrated
        );
    }
    assert_eq!(row(&rows, Phase::Verify, 1).outcome, Outcome::RolledBack);
    assert_eq!(summary.ending, crate::summary::Ending::Collapse);
    // A restore that never returns is also the target failing outright.
    assert!(summary.hard_failure.is_some());
    assert_eq!(summary.verdict, RunVerdict::HardFailureFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_never_started_skips_its_transfer_row_too() {
    let engines = engines(Script::default(), Script::default().failing(Op::Restore, 0));
    let toml = "containers = 3\n[restore]\nconcurrency = 1\n";
    let (_summary, rows) = run_plan(toml, (engines.0, vec![engines.1]), true, true).await;
    for index in [1, 2] {
        let transfer = row(&rows, Phase::Transfer, index);
        assert_eq!(transfer.outcome, Outcome::Skipped);
        assert!(
            transfer.error.contains("the run was stopped"),
            "{}",
            transfer.error
        );
    }
    assert_eq!(
        rows.iter().filter(|r| r.phase == Phase::Transfer).count(),
        3,
        "one transfer row per container"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_phase_keeps_its_concurrency_and_pauses_each_worker() {
    let script = Script::default().latency(Op::Checkpoint, 10 * MS);
    let (source, target) = engines(script, Script::default());
    let toml = "containers = 6\n[checkpoint]\nconcurrency = 2\npause_ms = 100\n";
    let (summary, _rows) = run(toml, source.clone(), target.clone(), false).await;
    assert_eq!(
        source.most_at_once(Op::Checkpoint),
        2,
        "two checkpoints at once"
    );
    let checkpoints: Vec<_> = source
        .calls()
        .into_iter()
        .filter(|c| c.op == Op::Checkpoint)
        .collect();
    assert_eq!(checkpoints.len(), 6);
    let first_start = checkpoints.iter().map(|c| c.started).min().expect("starts");
    let last_end = checkpoints
        .iter()
        .filter_map(|c| c.ended)
        .max()
        .expect("ends");
    // Two workers, three checkpoints each: each worker pauses at least twice
    // between its checkpoints, so the phase cannot be shorter than that.
    assert!(
        last_end - first_start >= 200 * MS,
        "the workers did not pause: {:?}",
        last_end - first_start
    );
    assert_eq!(summary.verification.continued, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soak_goes_back_and_forth_and_a_container_that_rolled_back_leaves_it() {
    let (source, target) = engines(Script::default(), Script::default().failing(Op::Restore, 1));
    let toml = "containers = 4\nrounds = 3\nmode = \"pipeline\"\nconcurrency = 2\n";
    let (summary, rows) = run(toml, source.clone(), target.clone(), false).await;
    let checkpoints = |engine: &FakeEngine| {
        engine
            .calls()
            .iter()
            .filter(|c| c.op == Op::Checkpoint)
            .count()
    };
    // Rounds 1 and 3 checkpoint on the source, round 2 on the target; the
    // container rolled back in round 1 is in neither of the later rounds.
    assert_eq!(checkpoints(&source), 4 + 3);
    assert_eq!(checkpoints(&target), 3);
    assert_eq!(count(&rows, Phase::Rollback, Outcome::Ok), 1);
    for round in 1..=3 {
        let verified: Vec<usize> = rows
            .iter()
            .filter(|r| r.round == round && r.phase == Phase::Verify && r.outcome.is_ok())
            .map(|r| r.index)
            .collect();
        let mut verified = verified;
        verified.sort_unstable();
        assert_eq!(verified, vec![0, 2, 3], "round {round}");
    }
    let out = rows
        .iter()
        .find(|r| r.round == 2 && r.phase == Phase::Checkpoint && r.index == 1)
        .expect("its round-2 checkpoint row");
    assert_eq!(out.outcome, Outcome::Skipped);
    assert!(out.error.contains("out of the soak"), "{}", out.error);
    let per_round: Vec<usize> = summary.rounds.iter().map(|r| r.verified).collect();
    assert_eq!(per_round, vec![3, 3, 3]);
    assert_eq!(summary.verification.continued, 9);
    assert_eq!(target.containers() + source.containers(), 0, "cleaned up");
}
