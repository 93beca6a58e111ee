//! Podman as the engine, real Podman and real CRIU (scripts/provision.sh
//! installs them and starts the service): a smoke run locally and to an
//! emulated Podman host with CRIU's statistics in every checkpoint and
//! restore row, a checkpoint CRIU refuses and a damaged archive on import as
//! recorded failures with the engine's reason, and nothing left behind.

mod common;

use common::{finish, migbench, ops, run_dir, scenario, spawn_run, summary, wait_for_rows};
use migbench::record::{OpRecord, Outcome, Phase};
use std::path::Path;

/// Names of Podman containers carrying migbench's run label (any store:
/// the local service's; emulated hosts' stores are gone with their host).
fn podman_leftovers() -> Vec<String> {
    let out = std::process::Command::new("podman")
        .args([
            "ps",
            "-a",
            "--filter",
            "label=io.migbench.run",
            "--format",
            "{{.Names}}",
        ])
        .output()
        .expect("podman ps");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Processes started for an emulated host (its service, conmon, runc) still alive.
fn host_processes() -> Vec<String> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .filter(|c| c.contains("/var/lib/migbench/hosts/") || c.contains("/run/migbench/"))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_nothing_left_behind() {
    common::assert_nothing_left_behind();
    assert_eq!(
        podman_leftovers(),
        Vec::<String>::new(),
        "Podman containers left"
    );
    assert_eq!(host_processes(), Vec::<String>::new(), "host services left");
}

fn podman(args: &[&str]) {
    let out = std::process::Command::new("podman")
        .args(args)
        .output()
        .expect("podman");
    assert!(
        out.status.success(),
        "podman {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every successful checkpoint and restore row carries CRIU's statistics.
fn assert_criu_columns_filled(rows: &[OpRecord]) {
    for row in rows.iter().filter(|r| r.outcome.is_ok()) {
        match row.phase {
            Phase::Checkpoint => {
                assert!(row.criu_ms.is_some_and(|ms| ms > 0.0), "{row:?}");
                assert!(row.criu_frozen_ms.is_some() && row.criu_freezing_ms.is_some());
                assert!(row.criu_memdump_ms.is_some() && row.criu_memwrite_ms.is_some());
                assert!(row.criu_pages_scanned.is_some_and(|p| p > 0));
                assert!(row.criu_pages_written.is_some_and(|p| p > 0));
                assert!(row.bytes.is_some_and(|b| b > 0));
            }
            Phase::Restore => {
                assert!(row.criu_ms.is_some_and(|ms| ms > 0.0), "{row:?}");
                assert!(row
                    .runtime_ms
                    .is_some_and(|ms| ms >= row.criu_ms.unwrap_or(0.0)));
                assert!(row.criu_pages_restored.is_some_and(|p| p > 0));
            }
            _ => assert_eq!(row.criu_ms, None),
        }
    }
}

fn smoke(name: &str, target: &str) -> std::path::PathBuf {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        name,
        &format!(
            "name = \"{name}\"\ncontainers = 3\nwarmup_s = 1\n[source]\nengine = \"podman\"\n{target}\n[workload]\nmemory_mib = 4\nlog_interval_ms = 200\n"
        ),
    );
    let results = dir.path().join("results");
    let assert = migbench()
        .arg("run")
        .arg(&file)
        .arg("--results")
        .arg(&results)
        .assert();
    let output = assert.get_output();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let run = run_dir(&results);
    let rows = ops(&run);
    assert_eq!(common::verified(&rows), 3, "counters continue");
    assert_criu_columns_filled(&rows);
    let summary = summary(&run);
    let split = summary["criu_split"].as_array().expect("criu_split");
    assert_eq!(split.len(), 2, "{split:?}");
    for phase in split {
        assert_eq!(phase["count"], 3);
        assert!(phase["criu"]["p50_ms"].as_f64().is_some_and(|ms| ms > 0.0));
        assert!(phase["overhead"]["p50_ms"]
            .as_f64()
            .is_some_and(|ms| ms > 0.0));
    }
    // The archives went through migbench twice (export down, import up):
    // that is migration work with its bytes, not the harness's own cost.
    let harness = &summary["harness"];
    let archives: u64 = rows
        .iter()
        .filter(|r| r.phase == migbench::record::Phase::Checkpoint)
        .filter_map(|r| r.bytes)
        .sum();
    let moved = harness["migration_work_bytes"]
        .as_u64()
        .expect("bytes moved");
    // (An emulated host's import is the archive re-written with its cgroup: a
    // little smaller.)
    assert!(
        moved as f64 >= 1.95 * archives as f64,
        "{moved} < 2 x {archives}: {harness}"
    );
    assert!(
        harness["migration_work_cpu_s"]
            .as_f64()
            .is_some_and(|s| s > 0.0),
        "{harness}"
    );
    assert!(
        harness["migration_work_cpu_s_per_gb"]
            .as_f64()
            .is_some_and(|s| s > 0.0),
        "{harness}"
    );
    let report = std::fs::read_to_string(run.join("report.md")).expect("report.md");
    assert!(report.contains("CRIU"), "report names the split");
    assert_nothing_left_behind();
    // Keep the results for the caller's checks.
    let kept = std::env::temp_dir().join(format!("migbench-podman-test-{name}"));
    let _ = std::fs::remove_dir_all(&kept);
    std::fs::create_dir_all(&kept).expect("keep");
    std::fs::copy(run.join("ops.csv"), kept.join("ops.csv")).expect("copy");
    kept
}

#[test]
fn smoke_on_podman_locally_keeps_counters_and_criu_s_timings() {
    let _engine = common::engine_lock();
    let kept = smoke("podlocal", "");
    let _ = std::fs::remove_dir_all(kept);
}

#[test]
fn smoke_to_an_emulated_podman_host_through_its_api() {
    let _engine = common::engine_lock();
    let kept = smoke(
        "podemu",
        "[target]\nemulate = { memory = \"512MiB\", swap = \"128MiB\" }",
    );
    let rows: Vec<OpRecord> = migbench::record::read_rows(&kept.join("ops.csv"))
        .expect("ops")
        .rows;
    // The archive went through the target's API, as the restore's body: one
    // transfer row per restore, measured inside it.
    for transfer in rows.iter().filter(|r| r.phase == Phase::Transfer) {
        let restore = common::op(&rows, Phase::Restore, transfer.index);
        assert_eq!(transfer.outcome, Outcome::Ok, "{transfer:?}");
        assert!(transfer.bytes.is_some_and(|b| b > 0) && transfer.rate_mb_per_s.is_some());
        assert!(transfer.start_ms >= restore.start_ms && transfer.end_ms <= restore.end_ms);
    }
    assert_eq!(
        rows.iter().filter(|r| r.phase == Phase::Transfer).count(),
        3
    );
    assert!(rows
        .iter()
        .filter(|r| r.phase == Phase::Restore)
        .all(|r| r.target_host.starts_with("emulated:")));
    let _ = std::fs::remove_dir_all(kept);
}

#[test]
fn a_checkpoint_criu_refuses_is_recorded_with_the_engine_s_reason() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "podbadckpt",
        "name = \"podbadckpt\"\ncontainers = 3\nwarmup_s = 5\n[source]\nengine = \"podman\"\n[workload]\nlog_interval_ms = 200\n",
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "launch", 3);
    let victim = format!(
        "mb-{}-0001",
        run.file_name().expect("name").to_string_lossy()
    );
    // The workload answers SIGUSR1 by holding an established TCP connection,
    // which CRIU refuses to dump without --tcp-established.
    podman(&["kill", "--signal", "USR1", &victim]);
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows = ops(&run);
    let failed = common::op(&rows, Phase::Checkpoint, 1);
    assert_eq!(failed.outcome, Outcome::Failed);
    assert!(
        failed.error.contains("checkpoint container") && failed.error.contains("/checkpoint"),
        "the engine's reason and what was attempted: {}",
        failed.error
    );
    assert!(
        failed.error.to_lowercase().contains("criu"),
        "{}",
        failed.error
    );
    assert_eq!(
        common::op(&rows, Phase::Restore, 1).outcome,
        Outcome::Skipped
    );
    assert_eq!(common::verified(&rows), 2, "the others migrated");
    assert_nothing_left_behind();
}

#[test]
fn a_damaged_archive_on_import_is_a_recorded_failure() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "podbadimport",
        "name = \"podbadimport\"\ncontainers = 3\nwarmup_s = 0\n[source]\nengine = \"podman\"\n[restore]\npause_ms = 1500\n[workload]\nmemory_mib = 4\nlog_interval_ms = 200\n",
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "restore", 1);
    let run_id = run.file_name().expect("name").to_string_lossy().to_string();
    let archive = Path::new("/var/lib/migbench/checkpoints")
        .join(&run_id)
        .join(format!("mb-{run_id}-0002.tar"));
    let len = std::fs::metadata(&archive).expect("archive").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&archive)
        .and_then(|f| f.set_len(len / 2))
        .expect("truncate the archive");
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows = ops(&run);
    let failed = common::op(&rows, Phase::Restore, 2);
    assert_eq!(failed.outcome, Outcome::Failed);
    assert!(
        failed.error.contains("restore container")
            && failed.error.contains("unpacking of checkpoint archive"),
        "{}",
        failed.error
    );
    // The damaged archive is its only checkpoint: the rollback to the source
    // (a Podman import there) fails the same way, and only then is it lost.
    assert_eq!(
        common::op(&rows, Phase::Rollback, 2).outcome,
        Outcome::Failed
    );
    let lost = common::op(&rows, Phase::Verify, 2);
    assert_eq!(lost.outcome, Outcome::Failed);
    assert!(lost.error.contains("so did its rollback"), "{}", lost.error);
    assert_eq!(common::verified(&rows), 2);
    assert_nothing_left_behind();
}

#[test]
fn a_scenario_across_engine_kinds_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "cross",
        "name = \"cross\"\ncontainers = 1\n[source]\nengine = \"docker\"\n[target]\nengine = \"podman\"\n",
    );
    migbench()
        .arg("run")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("engines of different kinds"));
}
