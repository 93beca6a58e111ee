//! A fleet's scheduling on the scripted engine: placement in turn, and a
//! target the guard closed takes nothing more while the others go on.

use super::scheduling_harness::{row, run_plan};
use crate::engine::fake::{FakeEngine, Op, Script};
use crate::record::{Outcome, Phase};
use std::sync::Arc;

const FLEET: &str = "[[targets]]\nname = \"a\"\nendpoint = \"unix:///fake/a.sock\"\n\
                     [[targets]]\nname = \"b\"\nendpoint = \"unix:///fake/b.sock\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_alternates_and_a_closed_target_takes_nothing_more() {
    let source = Arc::new(FakeEngine::new("fake://source", Script::default()));
    // a's restore of container 2 (its second) never returns: a timeout, a's collapse.
    let a = Arc::new(FakeEngine::new(
        "fake://a",
        Script::default().hanging(Op::Restore, 2),
    ));
    let b = Arc::new(FakeEngine::new("fake://b", Script::default()));
    let toml = format!("containers = 6\nmode = \"pipeline\"\ntimeout_s = 1\n{FLEET}");
    let (summary, rows) = run_plan(&toml, (source, vec![a.clone(), b.clone()]), false, false).await;
    let placed: Vec<&str> = (0..6)
        .map(|i| row(&rows, Phase::Restore, i).target.as_str())
        .collect();
    // In turn until a's restore of container 2 hangs; from then on, b only.
    assert_eq!(placed, ["a", "b", "a", "b", "b", "b"]);
    assert_eq!(row(&rows, Phase::Restore, 2).outcome, Outcome::Timeout);
    assert_eq!(a.abandoned().len(), 1);
    for i in [3, 4, 5] {
        assert_eq!(row(&rows, Phase::Verify, i).outcome, Outcome::Ok, "{i}");
    }
    let fleet = summary.fleet.expect("a fleet summary");
    assert_eq!(fleet.policy, "round-robin");
    let (on_a, on_b) = (&fleet.targets[0], &fleet.targets[1]);
    assert_eq!((on_a.placed, on_b.placed), (1, 4));
    assert_eq!(
        on_a.collapse.point.as_ref().map(|p| p.rule),
        Some(crate::collapse::Rule::OpTimeout)
    );
    assert!(on_b.collapse.point.is_none());
    // b never closed: the run went to the end of its batch.
    assert_eq!(summary.ending, crate::summary::Ending::Finished);
    assert_eq!(fleet.placed_before_last_collapse, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_stops_when_every_target_is_closed() {
    let source = Arc::new(FakeEngine::new("fake://source", Script::default()));
    let a = Arc::new(FakeEngine::new(
        "fake://a",
        Script::default().hanging(Op::Restore, 0),
    ));
    let b = Arc::new(FakeEngine::new(
        "fake://b",
        Script::default().hanging(Op::Restore, 1),
    ));
    let toml = format!("containers = 6\nmode = \"pipeline\"\ntimeout_s = 1\n{FLEET}");
    let (summary, rows) = run_plan(&toml, (source, vec![a, b]), false, false).await;
    assert_eq!(summary.ending, crate::summary::Ending::Collapse);
    let why = summary.ended_early.unwrap_or_default();
    assert!(why.contains("every target was closed: 'a'"), "{why}");
    // The containers never placed stayed on the source.
    let not_migrated = rows
        .iter()
        .filter(|r| r.outcome == Outcome::NotMigrated)
        .count();
    assert_eq!(not_migrated, 4);
    assert!(rows
        .iter()
        .filter(|r| r.outcome == Outcome::NotMigrated)
        .all(|r| r.target.is_empty()));
}

/// Batch mode places each restore as it begins: checkpoints first (no
/// target yet), then the restores spread over the fleet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_places_its_restores_over_the_fleet() {
    let source = Arc::new(FakeEngine::new("fake://source", Script::default()));
    let a = Arc::new(FakeEngine::new("fake://a", Script::default()));
    let b = Arc::new(FakeEngine::new("fake://b", Script::default()));
    let toml = format!("containers = 4\nmode = \"batch\"\n{FLEET}");
    let (summary, rows) = run_plan(&toml, (source, vec![a, b]), false, false).await;
    for i in 0..4 {
        assert_eq!(
            row(&rows, Phase::Checkpoint, i).target,
            "",
            "not placed yet"
        );
        let restore = row(&rows, Phase::Restore, i);
        assert_eq!(restore.target, ["a", "b"][i % 2], "{i}");
        assert_eq!(restore.target_host, format!("fake-{}", restore.target));
        assert_eq!(row(&rows, Phase::Verify, i).outcome, Outcome::Ok);
    }
    let fleet = summary.fleet.expect("a fleet summary");
    assert_eq!((fleet.targets[0].placed, fleet.targets[1].placed), (2, 2));
}
