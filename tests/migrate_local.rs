//! Migration on the real local engine with real CRIU: the smoke scenario.

mod common;

use common::{migbench, ops, run_dir, summary};
use migbench::record::{Outcome, Phase};

#[test]
fn smoke_scenario_migrates_and_verifies_every_container() {
    let _engine = common::engine_lock();
    let copies_before = common::restore_litter();
    let results = tempfile::tempdir().expect("tempdir");
    let output = migbench()
        .args(["run", "scenarios/smoke.toml", "--results"])
        .arg(results.path())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("verification: 3 continued, 0 lost"),
        "{stdout}"
    );
    // containerd copies every restored checkpoint into /tmp; the run removed its own.
    let new_copies: Vec<_> = common::restore_litter()
        .into_iter()
        .filter(|c| !copies_before.contains(c))
        .collect();
    assert_eq!(
        new_copies,
        Vec::<std::path::PathBuf>::new(),
        "restore litter left"
    );

    let dir = run_dir(results.path());
    let rows = ops(&dir);
    // One row per container per phase (same engine: no image or transfer phase).
    for phase in [
        Phase::Launch,
        Phase::Checkpoint,
        Phase::Restore,
        Phase::Verify,
    ] {
        let mut indexes: Vec<usize> = rows
            .iter()
            .filter(|r| r.phase == phase)
            .map(|r| r.index)
            .collect();
        indexes.sort_unstable();
        assert_eq!(indexes, vec![0, 1, 2], "{phase:?}");
    }
    assert!(rows.iter().all(|r| r.outcome == Outcome::Ok), "{rows:#?}");
    for verify in rows.iter().filter(|r| r.phase == Phase::Verify) {
        let before = verify.seq_before.expect("seq before");
        assert_eq!(verify.seq_after, Some(before + 1), "counter continued");
        common::assert_downtime_within_its_operations(&rows, verify);
    }
    for checkpoint in rows.iter().filter(|r| r.phase == Phase::Checkpoint) {
        // 1 MiB of dirty memory must be in the image.
        assert!(checkpoint.bytes.expect("bytes") > 1 << 20, "{checkpoint:?}");
    }

    // summary.json percentiles agree with ops.csv.
    let summary = summary(&dir);
    for phase in ["checkpoint", "restore"] {
        let entry = summary["phases"]
            .as_array()
            .expect("phases")
            .iter()
            .find(|p| p["phase"] == phase)
            .expect("phase in summary");
        let mut latencies: Vec<f64> = rows
            .iter()
            .filter(|r| r.phase.as_str() == phase)
            .map(|r| r.latency_ms)
            .collect();
        latencies.sort_by(f64::total_cmp);
        let max = latencies[latencies.len() - 1];
        let p50 = latencies[(latencies.len() - 1) / 2];
        let close = |a: f64, b: f64| (a - b).abs() <= b * 0.002 + 0.01;
        assert!(
            close(entry["latency"]["max_ms"].as_f64().expect("max"), max),
            "{phase} max"
        );
        assert!(
            close(entry["latency"]["p50_ms"].as_f64().expect("p50"), p50),
            "{phase} p50"
        );
        assert_eq!(entry["ok"], 3);
    }
    assert_eq!(summary["verification"]["continued"], 3);
    assert!(summary["environment"]["criu_version"]
        .as_str()
        .expect("criu")
        .starts_with('4'));
    for file in [
        "samples.csv",
        "scenario.toml",
        "environment.json",
        "report.md",
    ] {
        assert!(dir.join(file).exists(), "{file} written");
    }
    common::assert_nothing_left_behind();
}

#[test]
fn image_build_is_idempotent() {
    let _engine = common::engine_lock();
    migbench().args(["image", "build"]).assert().success();
    migbench()
        .args(["image", "build"])
        .assert()
        .success()
        .stdout(predicates::str::contains("already present"));
}

#[test]
fn doctor_reports_a_ready_machine() {
    let _engine = common::engine_lock();
    migbench()
        .arg("doctor")
        .assert()
        .success()
        .stdout(predicates::str::contains("[ok  ] criu check"))
        .stdout(predicates::str::contains("ready"));
}

#[test]
fn doctor_names_an_unreachable_engine_and_what_to_do() {
    let _engine = common::engine_lock();
    migbench()
        .args(["doctor", "--endpoint", "unix:///nonexistent.sock"])
        .assert()
        .code(3)
        .stdout(predicates::str::contains("[FAIL] engine reachable"))
        .stdout(predicates::str::contains("provision.sh"));
}
