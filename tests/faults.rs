//! Faults during a run on the real engine, each recorded as a failed
//! operation with its error while the batch goes on.

mod common;

use common::{finish, ops, run_dir, scenario, spawn_run, summary, wait_for_rows};
use migbench::record::{OpRecord, Outcome, Phase};
use std::path::{Path, PathBuf};

fn docker(args: &[&str]) -> String {
    let out = std::process::Command::new("docker")
        .args(args)
        .output()
        .expect("docker");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs 3 containers, does `harm` to container 1 between its launch and its
/// checkpoint, and checks what must hold whatever the harm: exit 4, that
/// container's restore and verification skipped, the other two verified,
/// nothing left behind. Returns the directory holding the results, the run
/// directory and container 1's checkpoint row.
fn harm_one_before_its_checkpoint(
    name: &str,
    harm: impl FnOnce(&str),
) -> (tempfile::TempDir, PathBuf, OpRecord) {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        name,
        &format!(
            "name = \"{name}\"\ncontainers = 3\nwarmup_s = 5\n[workload]\nlog_interval_ms = 200\n"
        ),
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "launch", 3);
    let victim = format!(
        "mb-{}-0001",
        run.file_name().expect("name").to_string_lossy()
    );
    harm(&victim);
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(4),
        "failures present: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows = ops(&run);
    for phase in [Phase::Restore, Phase::Verify] {
        assert_eq!(
            common::op(&rows, phase, 1).outcome,
            Outcome::Skipped,
            "{phase:?}"
        );
    }
    let verified = common::verified(&rows);
    assert_eq!(verified, 2, "the others migrated");
    common::assert_nothing_left_behind();
    let failed = common::op(&rows, Phase::Checkpoint, 1).clone();
    assert_eq!(failed.outcome, Outcome::Failed);
    (dir, run, failed)
}

#[test]
fn a_container_that_dies_before_its_checkpoint_is_a_recorded_failure() {
    let (_dir, _, failed) = harm_one_before_its_checkpoint("dies", |victim| {
        docker(&["kill", victim]);
    });
    assert!(failed.error.contains("not running"), "{}", failed.error);
}

#[test]
fn a_checkpoint_criu_refuses_is_recorded_with_criu_s_log() {
    // The workload answers SIGUSR1 by holding an established TCP connection,
    // which CRIU refuses to dump without --tcp-established.
    let (_dir, run, failed) = harm_one_before_its_checkpoint("badckpt", |victim| {
        docker(&["kill", "--signal", "USR1", victim]);
    });
    let log_name = format!("criu/{}-checkpoint.log", failed.container);
    assert!(
        failed.error.contains("criu failed")
            && failed.error.contains("[CRIU: inet: Connected TCP socket")
            && failed.error.contains(&log_name),
        "{}",
        failed.error
    );
    let log = std::fs::read_to_string(run.join(&log_name)).expect("CRIU's dump log kept");
    assert!(log.contains("Connected TCP socket"), "{log}");
}

struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).expect("mkdir");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount");
        assert!(status.success(), "tmpfs mounted");
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Bytes still free on the filesystem of `path`.
fn free_bytes(path: &Path) -> u64 {
    let out = std::process::Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(path)
        .output()
        .expect("df");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .expect("df's free bytes")
}

/// A run whose checkpoint disk fills up during its warm-up: the disk had room
/// when the run checked it (a smaller one is refused up front), then something
/// else took all but 3 MiB of it.
fn full_disk_run(extra: &[&str]) -> (std::process::Output, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fs = dir.path().join("small");
    let _tmpfs = Tmpfs::mount(&fs, "1200m");
    let file = scenario(
        dir.path(),
        "full",
        &format!(
            "name = \"full\"\ncontainers = 4\nwarmup_s = 3\n[workload]\nmemory_mib = 1\nlog_interval_ms = 200\n[transfer]\ncheckpoint_dir = \"{}\"\n",
            fs.display()
        ),
    );
    let results = dir.path().join("results");
    let mut run = common::migbench_command();
    run.arg("run")
        .arg(&file)
        .arg("--results")
        .arg(&results)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = run.spawn().expect("migbench starts");
    wait_for_rows(&results, "launch", 4);
    let filler = fs.join("filler");
    let fill = free_bytes(&fs).saturating_sub(3 << 20);
    let filled = std::process::Command::new("fallocate")
        .args(["-l", &fill.to_string()])
        .arg(&filler)
        .status()
        .expect("fallocate");
    assert!(filled.success(), "the disk filled up");
    let output = finish(child);
    std::fs::remove_file(&filler).expect("remove filler");
    let run = run_dir(&results);
    let leftover: Vec<_> = std::fs::read_dir(&fs).expect("tmpfs").flatten().collect();
    assert!(
        leftover.is_empty(),
        "the run's checkpoints were removed from the small disk"
    );
    (output, run, dir)
}

#[test]
fn a_full_checkpoint_disk_fails_those_checkpoints_and_the_batch_goes_on() {
    let _engine = common::engine_lock();
    let (output, run, _dir) = full_disk_run(&[]);
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows = ops(&run);
    let checkpoints: Vec<_> = rows
        .iter()
        .filter(|r| r.phase == Phase::Checkpoint)
        .collect();
    assert_eq!(checkpoints.len(), 4);
    let full: Vec<_> = checkpoints
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect();
    assert!(!full.is_empty(), "3 MiB cannot hold four 1 MiB checkpoints");
    assert!(
        full.iter()
            .all(|r| r.error.contains("no space left on device")),
        "{full:#?}"
    );
    let ok = checkpoints.iter().filter(|r| r.outcome.is_ok()).count();
    assert!(ok >= 1);
    let verified = common::verified(&rows);
    assert_eq!(
        verified, ok,
        "every checkpoint that fit was restored and verified"
    );
    assert!(
        summary(&run)["failures_before_collapse"]
            .as_u64()
            .expect("count")
            >= 1
    );
    common::assert_nothing_left_behind();
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let _engine = common::engine_lock();
    let (output, run, _dir) = full_disk_run(&["--fail-fast"]);
    assert_eq!(output.status.code(), Some(4));
    let rows = ops(&run);
    let failed = rows.iter().filter(|r| r.outcome == Outcome::Failed).count();
    assert_eq!(failed, 1, "nothing started after the first failure");
    assert!(rows
        .iter()
        .filter(|r| r.phase == Phase::Restore)
        .all(|r| r.outcome != Outcome::Ok || r.index == 0));
    let ended = summary(&run)["ended_early"]
        .as_str()
        .expect("ended early")
        .to_string();
    assert!(ended.contains("--fail-fast"), "{ended}");
    common::assert_nothing_left_behind();
}

#[test]
fn a_target_engine_that_dies_mid_restore_is_a_collapse_not_a_crash() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, results) = common::spawn_emulated_run(
        dir.path(),
        "enginedeath",
        8,
        500,
        "[collapse]\nengine_grace_s = 3\n",
    );
    let run = wait_for_rows(&results, "restore", 2);
    let state_file = Path::new("/var/lib/migbench/hosts")
        .join(the_emulated_host())
        .join("state.json");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state_file).expect("state")).expect("json");
    let pid = state["pid"].as_i64().expect("dockerd pid") as i32;
    // SAFETY: kill(2) on the emulated host's daemon.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a dead target is a collapse, not a harness failure: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = summary(&run);
    let rules: Vec<&str> = summary["collapse"]["firings"]
        .as_array()
        .expect("firings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"engine_down"), "{rules:?}");
    let down = ops(&run)
        .into_iter()
        .find(|r| r.phase == Phase::Restore && r.outcome == Outcome::EngineDown)
        .expect("a restore that met the dead engine");
    assert!(
        down.error.contains("not reachable") && down.error.contains("no answer for 3 s"),
        "{}",
        down.error
    );
    // The clones restored before the death could not be checked: unchecked, not lost.
    let rows = ops(&run);
    let restored: Vec<usize> = rows
        .iter()
        .filter(|r| r.phase == Phase::Restore && r.outcome == Outcome::Ok)
        .map(|r| r.index)
        .collect();
    assert!(!restored.is_empty(), "restores before the kill");
    for index in restored {
        let check = common::op(&rows, Phase::Verify, index);
        assert_eq!(check.outcome, Outcome::Unchecked, "{check:?}");
        assert!(check.error.starts_with("not verified"), "{}", check.error);
    }
    assert_eq!(summary["verification"]["lost"], 0);
    // The restore that met the dead engine, and those the run never began,
    // went back to the source, where each continued.
    let not_restored: Vec<usize> = rows
        .iter()
        .filter(|r| r.phase == Phase::Restore && !r.outcome.is_ok())
        .map(|r| r.index)
        .collect();
    assert!(not_restored.contains(&down.index));
    for index in &not_restored {
        let back = common::op(&rows, Phase::Verify, *index);
        assert_eq!(back.outcome, Outcome::RolledBack, "{back:?}");
    }
    assert_eq!(summary["verification"]["rolled_back"], not_restored.len());
    assert!(rows_complete(&run, 8));
    common::assert_nothing_left_behind();
}

/// The name of the one emulated host up now (the run's own).
fn the_emulated_host() -> String {
    let hosts: Vec<_> = std::fs::read_dir("/var/lib/migbench/hosts")
        .expect("hosts")
        .flatten()
        .collect();
    assert_eq!(hosts.len(), 1);
    hosts[0].file_name().to_string_lossy().to_string()
}

#[test]
fn a_target_engine_that_restarts_mid_run_fails_those_restores_and_the_batch_goes_on() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, results) = common::spawn_emulated_run(dir.path(), "restart", 8, 1000, "");
    let run = wait_for_rows(&results, "restore", 2);
    common::migbench()
        .args(["host", "restart", &the_emulated_host()])
        .assert()
        .success();
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(4),
        "failures present, no collapse: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows = ops(&run);
    let restores: Vec<_> = rows.iter().filter(|r| r.phase == Phase::Restore).collect();
    let failed = restores
        .iter()
        .find(|r| r.outcome == Outcome::Failed)
        .expect("a restore that met the restarting engine");
    assert!(
        failed.error.contains("answered again") && failed.error.contains("the batch goes on"),
        "{}",
        failed.error
    );
    let verified_after: Vec<_> = restores
        .iter()
        .filter(|r| r.outcome == Outcome::Ok && r.start_ms > failed.end_ms)
        .filter(|r| {
            rows.iter()
                .any(|v| v.phase == Phase::Verify && v.index == r.index && v.outcome == Outcome::Ok)
        })
        .collect();
    assert!(
        !verified_after.is_empty(),
        "restores after the restart migrate and verify"
    );
    let summary = summary(&run);
    assert!(
        summary["collapse"]["firings"]
            .as_array()
            .expect("firings")
            .iter()
            .all(|f| f["rule"] != "engine_down"),
        "a restart is not an engine death: {}",
        summary["collapse"]
    );
    assert!(rows_complete(&run, 8));
    common::assert_nothing_left_behind();
}

fn rows_complete(run: &Path, containers: usize) -> bool {
    let rows = ops(run);
    [
        Phase::Launch,
        Phase::Checkpoint,
        Phase::Restore,
        Phase::Verify,
    ]
    .iter()
    .all(|p| rows.iter().filter(|r| r.phase == *p).count() == containers)
}

#[test]
fn two_runs_at_once_never_touch_each_other() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let spawn = |results: &Path| spawn_run(Path::new("scenarios/smoke.toml"), results);
    let (first, second) = (spawn(&a), spawn(&b));
    let (first, second) = (finish(first), finish(second));
    for output in [&first, &second] {
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let (run_a, run_b) = (run_dir(&a), run_dir(&b));
    for run in [&run_a, &run_b] {
        let rows = ops(run);
        let id = rows[0].run_id.clone();
        assert!(rows
            .iter()
            .all(|r| r.run_id == id && r.container.contains(&id)));
        assert_eq!(
            rows.iter()
                .filter(|r| r.phase == Phase::Verify && r.outcome.is_ok())
                .count(),
            3
        );
    }
    assert_ne!(ops(&run_a)[0].run_id, ops(&run_b)[0].run_id);
    common::assert_nothing_left_behind();
}

/// Runs 3 containers with `toml` added to the scenario and, once the first
/// restore is done, truncates `image` of the last one's checkpoint to `len`
/// bytes. Returns the directory holding the results, the run directory, its
/// id and the run's output.
fn damage_last_checkpoint(
    name: &str,
    toml: &str,
    image: &str,
    len: u64,
) -> (tempfile::TempDir, PathBuf, String, std::process::Output) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        name,
        &format!("name = \"{name}\"\ncontainers = 3\nwarmup_s = 0\n{toml}\n[restore]\npause_ms = 1500\n[workload]\nmemory_mib = 4\nlog_interval_ms = 200\n"),
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "restore", 1);
    let run_id = run.file_name().expect("name").to_string_lossy().to_string();
    let path = Path::new("/var/lib/migbench/checkpoints")
        .join(&run_id)
        .join(format!("mb-{run_id}-0002"))
        .join(image);
    let damaged = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("checkpoint image")
        .set_len(len);
    assert!(damaged.is_ok(), "truncate {path:?}");
    let output = finish(child);
    (dir, run, run_id, output)
}

#[test]
fn a_restore_that_fails_is_recorded_with_criu_s_error() {
    let _engine = common::engine_lock();
    let (_dir, run, run_id, output) = damage_last_checkpoint("badrestore", "", "core-1.img", 5);
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows = ops(&run);
    let failed = common::op(&rows, Phase::Restore, 2);
    assert_eq!(failed.outcome, Outcome::Failed);
    let log_name = format!("criu/mb-{run_id}-0002-restore.log");
    assert!(
        failed.error.contains("criu failed")
            && failed.error.contains("[CRIU: Img trimmed")
            && failed.error.contains(&log_name),
        "{}",
        failed.error
    );
    // containerd deletes this log with the failed task: it was read while CRIU wrote it.
    let log = std::fs::read_to_string(run.join(&log_name)).expect("CRIU's restore log kept");
    assert!(log.contains("Restoring FAILED"), "{log}");
    // Its own checkpoint is the damaged one: the rollback to the source
    // fails the same way, and only then is its state lost.
    assert_eq!(
        common::op(&rows, Phase::Rollback, 2).outcome,
        Outcome::Failed
    );
    let lost = common::op(&rows, Phase::Verify, 2);
    assert_eq!(lost.outcome, Outcome::Failed);
    assert!(
        lost.error
            .contains("its restore failed, and so did its rollback"),
        "{}",
        lost.error
    );
    let verified = common::verified(&rows);
    assert_eq!(verified, 2);
    common::assert_nothing_left_behind();
}

#[test]
fn a_restore_that_hangs_is_ended_at_the_timeout_with_criu_s_log() {
    let _engine = common::engine_lock();
    // With its pages image cut short, CRIU 4.1.1 retries its read forever and
    // logs every try: the harness must end it, not just stop waiting.
    let (_dir, run, run_id, output) =
        damage_last_checkpoint("hang", "timeout_s = 5", "pages-1.img", 4096);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a restore timeout is a collapse signal: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows = ops(&run);
    let hung = common::op(&rows, Phase::Restore, 2);
    assert_eq!(hung.outcome, Outcome::Timeout);
    let log_name = format!("criu/mb-{run_id}-0002-restore.log");
    assert!(
        hung.error.contains("restore abandoned") && hung.error.contains(&log_name),
        "{}",
        hung.error
    );
    let log = std::fs::read_to_string(run.join(&log_name)).expect("CRIU's restore log kept");
    assert!(log.contains("Preadv"), "the log shows where CRIU hung");
    assert!(
        log.len() <= 600 * 1024,
        "only its ends are kept: {} bytes",
        log.len()
    );
    let summary = summary(&run);
    assert_eq!(summary["collapse"]["point"]["rule"], "op_timeout");
    let stuck = std::process::Command::new("pgrep")
        .args(["-f", &format!("runc.*restore.*{}", hung.container_id)])
        .output()
        .expect("pgrep");
    assert!(stuck.stdout.is_empty(), "the hung restore was ended");
    common::assert_nothing_left_behind();
}

/// A target too small for one container: its restores fail (and its engine
/// may be OOM-killed with them). Each container is restored on its source
/// from its own checkpoint and continues there: failures, no state lost.
#[test]
fn a_restore_the_target_cannot_take_rolls_back_to_the_source() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "rollback",
        r#"name = "rollback"
containers = 2
warmup_s = 2
timeout_s = 30
[workload]
memory_mib = 160
log_interval_ms = 200
[target]
emulate = { memory = "128MiB", swap = "0MiB" }
"#,
    );
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let run = run_dir(&results);
    let rows = ops(&run);
    for index in 0..2 {
        assert!(
            !common::op(&rows, Phase::Restore, index).outcome.is_ok(),
            "container {index} did not fit"
        );
        assert_eq!(
            common::op(&rows, Phase::Rollback, index).outcome,
            Outcome::Ok
        );
        let back = common::op(&rows, Phase::Verify, index);
        assert_eq!(back.outcome, Outcome::RolledBack, "{}", back.error);
        let before = back.seq_before.expect("the original's last counter");
        assert_eq!(
            back.seq_after,
            Some(before + 1),
            "it continued on the source"
        );
    }
    let summary = summary(&run);
    assert_eq!(summary["verification"]["rolled_back"], 2);
    assert_eq!(summary["verification"]["lost"], 0);
    // The first restore is the one the OOM killer ends: when a sample sees
    // the kill before that restore's row ends, the kill (the hard failure)
    // comes first and the failed restore is its result; otherwise the
    // restore failed before it. Under load either can happen: the verdict
    // and the exit code must follow what was recorded.
    let (verdict, code) = match summary["failures_before_collapse"].as_u64() {
        Some(0) => ("hard_failure_found", 0),
        _ => ("failures", 4),
    };
    assert_eq!(summary["verdict"], verdict, "{stdout}");
    assert_eq!(output.status.code(), Some(code), "{stdout}");
    assert!(
        summary["hard_failure"].is_object(),
        "{}",
        summary["hard_failure"]
    );
    assert!(stdout.contains("2 rolled back"), "{stdout}");
    common::assert_nothing_left_behind();
}
