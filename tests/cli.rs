//! The conventions users bring from hyperfine and k6, on the real binary:
//! `check` without an engine, completions, the man page, `--help` with its
//! examples and exit codes, JSON output, `--quiet`, `--export-*`, and bad
//! run directories refused as bad input.

mod common;

use common::{migbench, scenario};
use predicates::prelude::*;

#[test]
fn check_shows_the_effective_scenario_and_its_preflight_without_an_engine() {
    // An endpoint nothing listens on: `check` must not need it.
    let output = migbench()
        .args(["check", "scenarios/smoke.toml", "--set"])
        .arg("source.endpoint=unix:///nonexistent/docker.sock")
        .output()
        .expect("check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for filled in [
        "name = \"smoke\"",
        "on_failure = \"rollback\"",
        "[collapse]",
        "endpoint = \"unix:///nonexistent/docker.sock\"",
        "# pre-flight: ok",
    ] {
        assert!(stdout.contains(filled), "{filled} in:\n{stdout}");
    }
}

#[test]
fn check_names_each_sweep_point_and_refuses_what_this_machine_cannot_give() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "sweep",
        "name = \"sweep\"\ncontainers = [2, 3]\n[target]\nemulate = { memory = \"900GiB\" }\n",
    );
    let output = migbench().arg("check").arg(&file).output().expect("check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.contains("sweep point 1 of 2") && stdout.contains("sweep point 2 of 2"));
    assert!(stdout.contains("# pre-flight: refused"), "{stdout}");
    assert!(stderr.contains("target.emulate.memory"), "{stderr}");
    assert!(
        !std::path::Path::new("/var/lib/migbench/hosts/sweep").exists(),
        "check creates nothing"
    );
}

#[test]
fn completions_man_page_and_help_come_from_the_command_line_itself() {
    for shell in ["bash", "zsh", "fish"] {
        migbench()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("migbench"))
            .stdout(predicate::str::contains("check"));
    }
    migbench()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH migbench"));
    migbench()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("6    incomplete"));
}

#[test]
fn a_directory_that_is_not_a_run_is_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    migbench()
        .arg("report")
        .arg(dir.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a migbench run directory"));
    migbench()
        .arg("compare")
        .arg(dir.path())
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn host_ls_and_doctor_speak_json() {
    let listed = migbench()
        .args(["host", "ls", "--json"])
        .output()
        .expect("ls");
    let hosts: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert!(hosts["hosts"].is_array(), "{hosts}");
    let doctor = migbench()
        .args(["doctor", "--json"])
        .output()
        .expect("doctor");
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout).expect("JSON");
    let checks = report["checks"].as_array().expect("checks");
    assert!(checks
        .iter()
        .any(|c| c["name"].is_string() && c["ok"].is_boolean()));
}

#[test]
fn quiet_prints_the_verdict_alone_and_exports_match_the_run_directory() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let results = dir.path().join("results");
    let (json, csv, md) = (
        dir.path().join("out.json"),
        dir.path().join("out.csv"),
        dir.path().join("out.md"),
    );
    let output = migbench()
        .env("NO_COLOR", "1")
        .args([
            "--quiet",
            "run",
            "scenarios/smoke.toml",
            "--set",
            "containers=1",
        ])
        .arg("--results")
        .arg(&results)
        .arg("--export-json")
        .arg(&json)
        .arg("--export-csv")
        .arg(&csv)
        .arg("--export-markdown")
        .arg(&md)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.trim(),
        "verdict: finished: the batch went through, nothing failed (exits 0)"
    );
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "no escape codes"
    );
    let run = common::run_dir(&results);
    for (exported, file) in [
        (&json, "summary.json"),
        (&csv, "ops.csv"),
        (&md, "report.md"),
    ] {
        assert_eq!(
            std::fs::read(exported).expect("exported"),
            std::fs::read(run.join(file)).expect("in the run directory"),
            "{file}"
        );
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parses");
    assert_eq!(summary["verdict"], "finished");
    common::assert_nothing_left_behind();
}

#[test]
fn compare_states_runs_relative_to_a_reference_and_exports_the_table() {
    let (_a, reference) = common::fixture_run("collapsed");
    let (_b, other) = common::fixture_run("reordered");
    let dir = tempfile::tempdir().expect("tempdir");
    let (json, csv) = (dir.path().join("cmp.json"), dir.path().join("cmp.csv"));
    let output = migbench()
        .arg("compare")
        .arg(&other)
        .arg("--reference")
        .arg(&reference)
        .arg("--results")
        .arg(dir.path().join("out"))
        .arg("--export-json")
        .arg(&json)
        .arg("--export-csv")
        .arg(&csv)
        .output()
        .expect("compare");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let reference_id = common::summary(&reference)["run_id"]
        .as_str()
        .expect("id")
        .to_string();
    let other_id = common::summary(&other)["run_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert!(
        stdout.contains(&format!("{other_id} vs {reference_id}: ")) && stdout.contains("x ("),
        "{stdout}"
    );
    let runs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parses");
    let ids: Vec<&str> = runs
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|r| r["run"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![reference_id.as_str(), other_id.as_str()],
        "the reference first"
    );
    let table = std::fs::read_to_string(&csv).expect("csv");
    assert_eq!(table.lines().count(), 3, "a header and two runs:\n{table}");
    assert!(table.starts_with("run,mode,containers"), "{table}");
}
