//! `--set` on the real engine: a shorthand override wins over the phases' own
//! values in the run itself, and the run directory records the effective values.

mod common;

use common::{migbench, ops, run_dir};
use migbench::record::Phase;

#[test]
fn the_concurrency_shorthand_wins_over_the_phases_and_is_recorded() {
    let _engine = common::engine_lock();
    let results = tempfile::tempdir().expect("tempdir");
    // smoke.toml sets concurrency = 1 in [checkpoint] and [restore].
    let output = migbench()
        .args(["run", "scenarios/smoke.toml", "--set", "concurrency=3"])
        .args(["--set", "warmup_s=0", "--results"])
        .arg(results.path())
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = run_dir(results.path());
    let recorded = std::fs::read_to_string(dir.join("scenario.toml")).expect("scenario.toml");
    for phase in ["checkpoint", "restore"] {
        assert!(
            recorded.contains(&format!("[{phase}]\nconcurrency = 3\n")),
            "{recorded}"
        );
    }
    assert!(
        recorded.contains("#   --set 'concurrency=3'\n"),
        "{recorded}"
    );
    assert!(recorded.contains("\nwarmup_s = 0\n"), "{recorded}");

    // The three checkpoints ran at once: each started before any ended.
    let rows = ops(&dir);
    let checkpoints: Vec<_> = rows
        .iter()
        .filter(|r| r.phase == Phase::Checkpoint)
        .collect();
    assert_eq!(checkpoints.len(), 3);
    let last_start = checkpoints.iter().map(|r| r.start_ms).fold(0.0, f64::max);
    let first_end = checkpoints
        .iter()
        .map(|r| r.end_ms)
        .fold(f64::MAX, f64::min);
    assert!(last_start < first_end, "{checkpoints:#?}");

    // The recorded scenario reads back (report rebuilds from it).
    migbench().arg("report").arg(&dir).assert().code(0);
    common::assert_nothing_left_behind();
}
