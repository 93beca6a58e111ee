//! The collapse detector on the real engine: an emulated host with a tight
//! budget and 16 MiB workloads collapses; the guard stops the restores, the
//! run exits 0 with the collapse recorded, `migbench report` rebuilds the same
//! verdict from the CSVs, and nothing is left behind. In observe mode the run
//! goes on to the hard failure, with a guest-OS reserve charged to the host.

mod common;

use common::{finish, migbench, ops, run_dir, scenario, spawn_run, summary, wait_for_rows};
use migbench::record::{Outcome, Phase};

#[test]
fn tight_host_collapses_and_the_guard_stops_cleanly() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "tight",
        r#"name = "tight"
containers = 40
warmup_s = 1
timeout_s = 60
# About the collapse: the containers it stopped are not rolled back here
# (rollback has tests of its own), which would add half a minute.
on_failure = "abandon"
[workload]
memory_mib = 16
log_interval_ms = 500
[target]
emulate = { memory = "256MiB", swap = "256MiB", cpus = 1 }
"#,
    );
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("collapse at restore"), "{stdout}");

    let run = run_dir(&results);
    let summary = summary(&run);
    let point = &summary["collapse"]["point"];
    let at = point["at_restore"].as_u64().expect("a collapse point") as usize;
    // 256 + 256 MiB cannot hold 40 x 16 MiB containers plus the engine.
    assert!((2..=32).contains(&at), "collapse at restore {at}");
    assert!(!point["rule"].as_str().expect("rule").is_empty());
    assert!(summary["ended_early"]
        .as_str()
        .expect("ended early")
        .contains("guard stopped"));
    let projection = &summary["projection"];
    let thrashing = projection["thrashing_onset"]
        .as_u64()
        .expect("a projection");
    let hard = projection["hard_failure"].as_u64().expect("a projection");
    assert!(
        thrashing > 0 && thrashing <= hard && hard < 40,
        "projection {projection}"
    );

    // Every container has a row in every phase up to the stop; the rest were skipped, not failed.
    let rows = ops(&run);
    for phase in [
        Phase::Launch,
        Phase::Checkpoint,
        Phase::Transfer,
        Phase::Restore,
        Phase::Verify,
    ] {
        assert_eq!(
            rows.iter().filter(|r| r.phase == phase).count(),
            40,
            "{phase:?} rows"
        );
    }
    let restored = rows
        .iter()
        .filter(|r| r.phase == Phase::Restore && r.outcome == Outcome::Ok)
        .count();
    assert!(
        restored >= at.saturating_sub(1) && restored < 40,
        "restored {restored}"
    );
    assert!(rows
        .iter()
        .any(|r| r.phase == Phase::Restore && r.outcome == Outcome::Skipped));
    // samples.csv was written up to the stop, with the target's cgroup in it.
    let samples: Vec<migbench::record::SampleRow> =
        migbench::record::read_rows(&run.join("samples.csv"))
            .expect("samples")
            .rows;
    assert!(samples
        .iter()
        .any(|s| s.phase == "restore" && s.target_memory_bytes.is_some()));
    let sampled = samples.iter().map(|s| s.migrated).max().unwrap_or(0) as usize;
    assert!(
        sampled >= restored.min(at),
        "samples saw {sampled} migrated, restored {restored}, collapse at {at}: {point}"
    );
    assert!(run.join("charts/timeline.png").exists());
    assert!(run.join("target-dockerd.log").exists());
    assert_eq!(summary["verdict"], "collapse_found");
    assert_report_agrees(&run, &summary, 0);
    common::assert_nothing_left_behind();
}

/// `migbench report` on the run's directory replays the rows in the order the
/// live detector saw them: same collapse point, same verdict, notes kept.
fn assert_report_agrees(run: &std::path::Path, live: &serde_json::Value, exit_code: i32) {
    migbench().arg("report").arg(run).assert().code(exit_code);
    let rebuilt = summary(run);
    for key in [
        "verdict",
        "failures_before_collapse",
        "data_notes",
        "hard_failure",
        "projection",
    ] {
        assert_eq!(rebuilt[key], live[key], "{key}");
    }
    assert_eq!(
        rebuilt["collapse"], live["collapse"],
        "collapse point and firings"
    );
}

/// A tick of the harness's own sampler comes late: the run stops, and is
/// inconclusive (the target was not judged), with the state it lost before
/// counted all the same.
#[test]
fn a_sampler_lag_stop_is_inconclusive_and_keeps_what_failed_before_it() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    // Restores 4 s apart on the local engine; a sampler tick 500 ms late is a collapse.
    let file = scenario(
        dir.path(),
        "hidden",
        r#"name = "hidden"
containers = 3
warmup_s = 0
[restore]
pause_ms = 4000
[workload]
log_interval_ms = 200
[collapse]
sampler_lag_ms = 500
# Only the late tick may be the collapse: memory pressure left by an earlier
# test (PSI is machine-wide here) must not come first.
psi_memory_full_pct = 100
swap_share_pct = 100
"#,
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "restore", 1);
    let run_id = run.file_name().expect("name").to_string_lossy().to_string();
    // While the harness is stopped (its next tick will be late: the collapse),
    // container 0's clone, once it has continued, is restarted: it begins
    // counting again at 1.
    common::signal(&child, libc::SIGSTOP);
    let stopped = std::time::Instant::now();
    let clone = format!("mb-{run_id}-0000-r");
    let docker = |args: &[&str]| {
        std::process::Command::new("docker")
            .args(["-H", common::ENGINE])
            .args(args)
            .arg(&clone)
            .output()
            .expect("docker")
    };
    while !String::from_utf8_lossy(&docker(&["logs"]).stdout).contains("seq=") {
        assert!(stopped.elapsed().as_secs() < 3, "the clone printed nothing");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let restarted = docker(&["restart", "-t", "0"]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    common::signal(&child, libc::SIGCONT);
    assert!(
        restarted.status.success(),
        "{}",
        String::from_utf8_lossy(&restarted.stderr)
    );
    let output = finish(child);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(7),
        "a sampler-lag stop is inconclusive: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("verdict: inconclusive"), "{stdout}");
    let summary = summary(&run);
    let point = &summary["collapse"]["point"];
    assert_eq!(point["rule"], "sampler_lag", "{point}");
    let rows = ops(&run);
    let restored = common::op(&rows, Phase::Restore, 0);
    assert!(restored.outcome.is_ok());
    assert!(restored.end_ms < point["t_ms"].as_f64().expect("t_ms"));
    let lost = common::op(&rows, Phase::Verify, 0);
    assert_eq!(lost.outcome, Outcome::Failed);
    assert!(
        lost.error.contains("state not kept") && lost.error.contains("(it restarted)"),
        "{}",
        lost.error
    );
    assert!(
        lost.end_ms > point["t_ms"].as_f64().expect("t_ms"),
        "checked after"
    );
    assert!(summary["verification"]["lost"].as_u64().expect("lost") >= 1);
    assert!(summary["failures_before_collapse"].as_u64().expect("count") >= 1);
    assert_eq!(summary["ending"], "harness_stopped");
    assert_eq!(summary["verdict"], "inconclusive");
    assert_report_agrees(&run, &summary, 7);
    common::assert_nothing_left_behind();
}

/// The pid and resident KiB of the OS reserve process in the host of the
/// run whose migbench pid is `run_pid` (its host is `r<pid in hex>`).
fn find_reserve(run_pid: u32) -> Option<(u32, u64)> {
    let procs = common::cgroups().procs(&format!("migbench-r{run_pid:x}"));
    procs.iter().find_map(|pid| {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        if comm.trim() != "os-reserve" {
            return None;
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let rss_kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        Some((*pid, rss_kib))
    })
}

#[test]
fn observe_goes_on_to_the_hard_failure_with_an_os_reserve_charged_to_the_host() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "observe",
        r#"name = "observe"
containers = 40
warmup_s = 1
timeout_s = 60
# About the collapse: the containers it stopped are not rolled back here
# (rollback has tests of its own), which would add half a minute.
on_failure = "abandon"
[workload]
memory_mib = 16
log_interval_ms = 500
[target]
emulate = { memory = "256MiB", swap = "128MiB", cpus = 1, os_reserve = "64MiB" }
[guard]
policy = "observe"
"#,
    );
    let results = dir.path().join("results");
    let mut child = spawn_run(&file, &results);
    let host_cgroup = format!("migbench-r{:x}", child.id());
    // While the run goes, the reserve lives in the host's cgroup and holds its 64 MiB.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let (reserve_pid, rss_kib) = loop {
        // Seen once it holds its memory (the host is ready only then).
        if let Some(found) = find_reserve(child.id()).filter(|(_, kib)| *kib >= 64 * 1024) {
            break found;
        }
        if let Ok(Some(_)) = child.try_wait() {
            let output = finish(child);
            panic!(
                "the run ended before its reserve was seen: {}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no OS reserve process"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(rss_kib >= 64 * 1024, "the reserve holds {rss_kib} KiB");
    let output = finish(child);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("hard failure at restore"), "{stdout}");
    assert!(
        stderr.contains("projection after ") && stderr.contains(": thrashing at ~"),
        "the projection is shown live: {stderr}"
    );

    let run = run_dir(&results);
    let summary = summary(&run);
    let collapse = &summary["collapse"]["point"];
    let hard = &summary["hard_failure"];
    let collapse_at = collapse["at_restore"].as_u64().expect("a collapse point");
    let hard_at = hard["at_restore"].as_u64().expect("a hard failure");
    assert!(
        hard_at >= collapse_at,
        "hard failure {hard} before the collapse {collapse}"
    );
    assert!(hard["t_ms"].as_f64() >= collapse["t_ms"].as_f64());
    assert!(summary["ended_early"]
        .as_str()
        .expect("ended early")
        .contains("the target failed outright"));
    assert_eq!(
        summary["verdict"], "hard_failure_found",
        "a hard failure is the result"
    );
    let projection = &summary["projection"];
    assert!(
        projection["thrashing_onset"].as_u64().is_some(),
        "{projection}"
    );
    assert!(
        projection["hard_failure"].as_u64().is_some(),
        "{projection}"
    );
    // The footprint was sampled, the reserve within it.
    let samples: Vec<migbench::record::SampleRow> =
        migbench::record::read_rows(&run.join("samples.csv"))
            .expect("samples")
            .rows;
    assert!(samples
        .iter()
        .filter_map(|s| s.target_anon_bytes)
        .any(|anon| anon >= 64 << 20));
    assert_report_agrees(&run, &summary, 0);
    assert!(
        !std::path::Path::new(&format!("/proc/{reserve_pid}")).exists(),
        "the reserve was removed with its host"
    );
    assert!(
        common::cgroups().dirs(&host_cgroup).is_empty(),
        "the host's cgroup is gone"
    );
    common::assert_nothing_left_behind();
}
