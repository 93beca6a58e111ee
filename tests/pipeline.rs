//! Pipeline mode (live migration) on the real engine: each container migrated
//! end to end, its downtime measured by the workload; an interrupt leaves the
//! containers not yet migrated on the source; a breached threshold exits 5; a
//! collapse stops new checkpoints.

mod common;

use common::{finish, migbench, ops, run_dir, scenario, signal, spawn_run, summary, wait_for_rows};
use migbench::record::{Outcome, Phase};

/// A pipeline scenario of `containers` 1 MiB containers on the local engine.
fn pipeline(containers: usize, extra: &str) -> String {
    format!(
        "name = \"pipe\"\nmode = \"pipeline\"\ncontainers = {containers}\nwarmup_s = 0\nconcurrency = 2\n\
         [workload]\nmemory_mib = 1\nlog_interval_ms = 200\n{extra}"
    )
}

#[test]
fn every_container_continues_and_its_downtime_is_measured() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(dir.path(), "pipe", &pipeline(4, ""));
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("pipeline mode"), "{stdout}");
    let run = run_dir(&results);
    let rows = ops(&run);
    assert_eq!(common::verified(&rows), 4, "{rows:#?}");
    for verify in rows.iter().filter(|r| r.phase == Phase::Verify) {
        let before = verify.seq_before.expect("seq before");
        assert_eq!(verify.seq_after, Some(before + 1), "counter continued");
        common::assert_downtime_within_its_operations(&rows, verify);
        // Migrated end to end: nothing waits for the rest of a batch.
        let restore = common::op(&rows, Phase::Restore, verify.index);
        let checkpoint = common::op(&rows, Phase::Checkpoint, verify.index);
        assert!(restore.start_ms >= checkpoint.end_ms);
        // Its clone was created before the checkpoint, outside the freeze.
        assert!(
            restore.prepared_ms.is_some_and(|ms| ms > 0.0),
            "{restore:?}"
        );
    }
    // Checkpoints and restores overlapped: a later checkpoint began before an
    // earlier restore ended.
    let first_restore_end = rows
        .iter()
        .filter(|r| r.phase == Phase::Restore)
        .map(|r| r.end_ms)
        .fold(f64::INFINITY, f64::min);
    let last_checkpoint_start = rows
        .iter()
        .filter(|r| r.phase == Phase::Checkpoint)
        .map(|r| r.start_ms)
        .fold(0.0, f64::max);
    assert!(last_checkpoint_start > first_restore_end || rows.len() < 8);
    let summary = summary(&run);
    assert_eq!(summary["mode"], "pipeline");
    assert!(
        summary["downtime"]["downtime"]["p99_ms"]
            .as_f64()
            .expect("p99")
            > 0.0
    );
    assert!(summary["migrations"]["per_s"].as_f64().expect("per s") > 0.0);
    assert!(
        summary["prepared_ahead"]["p50_ms"].as_f64().is_some(),
        "{summary}"
    );
    assert!(stdout.contains("made before the freeze"), "{stdout}");
    assert!(run.join("charts/downtime.png").exists());
    common::assert_nothing_left_behind();
}

#[test]
fn an_interrupt_leaves_the_containers_not_yet_migrated_on_the_source() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let body =
        pipeline(6, "[restore]\npause_ms = 1500\n").replace("concurrency = 2", "concurrency = 1");
    let file = scenario(dir.path(), "pipe", &body);
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "verify", 1);
    signal(&child, libc::SIGINT);
    // The originals not yet migrated still run where they were.
    let running_originals = common::running_container_names()
        .iter()
        .filter(|name| name.contains("-pipe-") && !name.ends_with("-r"))
        .count();
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = ops(&run);
    let not_migrated: Vec<_> = rows
        .iter()
        .filter(|r| r.phase == Phase::Checkpoint && r.outcome == Outcome::NotMigrated)
        .collect();
    assert!(!not_migrated.is_empty(), "{rows:#?}");
    assert!(
        running_originals >= not_migrated.len(),
        "{running_originals} originals running for {} not migrated",
        not_migrated.len()
    );
    // Every migration that began finished and was verified; no row is missing.
    for phase in [Phase::Checkpoint, Phase::Restore, Phase::Verify] {
        assert_eq!(
            rows.iter().filter(|r| r.phase == phase).count(),
            6,
            "{phase:?}"
        );
    }
    let begun = 6 - not_migrated.len();
    assert_eq!(common::verified(&rows), begun, "{rows:#?}");
    common::assert_nothing_left_behind();
}

#[test]
fn a_breached_threshold_exits_5_with_everything_written() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "pipe",
        &pipeline(2, "[thresholds]\ndowntime_p99_ms = 1\nmax_failed = 0\n"),
    );
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(5), "{stdout}");
    assert!(stdout.contains("threshold downtime_p99_ms"), "{stdout}");
    assert!(stdout.contains("BREACHED"), "{stdout}");
    let run = run_dir(&results);
    let summary = summary(&run);
    assert_eq!(summary["verdict"], "thresholds_breached");
    let checks = summary["thresholds"].as_array().expect("thresholds");
    assert_eq!(checks.len(), 2);
    assert!(checks
        .iter()
        .any(|c| c["name"] == "downtime_p99_ms" && c["breached"] == true));
    assert!(checks
        .iter()
        .any(|c| c["name"] == "max_failed" && c["breached"] == false));
    assert!(run.join("report.md").exists() && run.join("charts/downtime.svg").exists());
    // `report` rebuilds the same verdict from the records.
    let rebuilt = migbench().arg("report").arg(&run).output().expect("report");
    assert!(String::from_utf8_lossy(&rebuilt.stdout).contains("thresholds breached"));
    common::assert_nothing_left_behind();
}
