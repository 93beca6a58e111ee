//! Interruption and crash safety on the real engine: SIGINT mid-restore,
//! and kill -9 followed by `report` and `clean`.

mod common;

use common::{finish, ops, scenario, signal, spawn_run, summary, wait_for_rows};
use migbench::record::{Outcome, Phase};

#[test]
fn sigint_mid_restore_stops_cleans_up_and_records() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "sigint",
        "name = \"sigint\"\ncontainers = 8\nwarmup_s = 0\n[restore]\npause_ms = 1000\n[workload]\nlog_interval_ms = 200\n",
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "restore", 2);
    signal(&child, libc::SIGINT);
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));

    let summary = summary(&run);
    assert!(summary["ended_early"]
        .as_str()
        .expect("ended early")
        .contains("interrupted"));
    let rows = ops(&run);
    let restores: Vec<_> = rows.iter().filter(|r| r.phase == Phase::Restore).collect();
    assert_eq!(
        restores.len(),
        8,
        "one restore row per container, done or not"
    );
    assert!(restores.iter().filter(|r| r.outcome == Outcome::Ok).count() >= 2);
    assert!(
        restores.iter().any(|r| r.outcome == Outcome::Interrupted),
        "{restores:#?}"
    );
    // What was restored before the signal is still verified.
    let verified = common::verified(&rows);
    assert_eq!(
        verified,
        restores.iter().filter(|r| r.outcome == Outcome::Ok).count()
    );
    common::assert_nothing_left_behind();
}

#[test]
fn a_second_sigint_exits_at_once_with_the_summary_written() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    // 256 MiB containers: a checkpoint takes seconds, so the first signal
    // leaves one in flight and the second one lands while it runs.
    let file = scenario(
        dir.path(),
        "sigint2",
        "name = \"sigint2\"\ncontainers = 2\nwarmup_s = 1\n[workload]\nmemory_mib = 256\nlog_interval_ms = 200\n",
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "checkpoint", 1);
    signal(&child, libc::SIGINT);
    std::thread::sleep(std::time::Duration::from_millis(200));
    signal(&child, libc::SIGINT);
    let output = finish(child);
    assert_eq!(output.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("interrupted again") && stderr.contains("migbench clean"),
        "{stderr}"
    );
    let summary = summary(&run);
    assert!(
        summary["ended_early"]
            .as_str()
            .expect("ended early")
            .contains("interrupted twice"),
        "{summary}"
    );
    let checkpoint = common::phase_summary(&summary, "checkpoint");
    assert_eq!(checkpoint["ok"], 1, "{checkpoint}");
    assert_eq!(common::phase_summary(&summary, "launch")["ok"], 2);
    assert!(
        !common::leftover_containers().is_empty(),
        "exited without cleaning up"
    );
    // The engine finishes the checkpoint it was asked for; then clean up.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while common::running_containers() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    common::migbench().arg("clean").assert().success();
    common::assert_nothing_left_behind();
}

#[test]
fn kill_9_keeps_every_row_and_clean_removes_the_leftovers() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "kill9",
        r#"name = "kill9"
containers = 6
warmup_s = 0
[checkpoint]
pause_ms = 500
[workload]
memory_mib = 2
log_interval_ms = 200
[target]
emulate = { memory = "512MiB", swap = "128MiB" }
"#,
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "checkpoint", 2);
    signal(&child, libc::SIGKILL);
    let output = finish(child);
    assert_eq!(output.status.code(), None, "killed by a signal");

    // Every row written before the kill is intact and parseable.
    let rows = ops(&run);
    assert!(rows.iter().filter(|r| r.phase == Phase::Launch).count() == 6);
    assert!(rows.iter().filter(|r| r.phase == Phase::Checkpoint).count() >= 2);
    assert!(
        !common::leftover_containers().is_empty(),
        "the kill left containers to clean"
    );

    // A killed run is incomplete, never a success: its own verdict and exit code.
    common::migbench()
        .arg("report")
        .arg(&run)
        .assert()
        .code(6)
        .stdout(predicates::str::contains("the run did not finish"))
        .stdout(predicates::str::contains("verdict: incomplete"));
    assert_eq!(common::summary(&run)["verdict"], "incomplete");
    assert!(run.join("report.md").exists() && run.join("charts/timeline.png").exists());

    common::migbench()
        .arg("clean")
        .assert()
        .success()
        .stdout(predicates::str::contains("torn down"));
    common::assert_nothing_left_behind();
}

#[test]
fn clean_leaves_a_run_still_going_alone() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, results) = common::spawn_emulated_run(dir.path(), "alive", 4, 1500, "");
    let run = wait_for_rows(&results, "restore", 1);
    let cleaned = common::migbench().arg("clean").assert().success();
    let said = String::from_utf8_lossy(&cleaned.get_output().stdout).to_string();
    assert!(
        said.contains("belongs to a run still going") && said.contains("left alone"),
        "{said}"
    );
    assert!(said.contains("0 container(s) removed"), "{said}");
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the run was not disturbed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let verified = common::verified(&ops(&run));
    assert_eq!(verified, 4);
    common::assert_nothing_left_behind();
}
