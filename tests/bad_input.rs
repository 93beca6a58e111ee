//! Bad input gets a specific error and a non-zero exit, and leaves nothing
//! behind. Invalid scenario files have their fixtures in
//! `tests/invalid_scenarios.rs`; what is here needs the command line or the
//! machine (a missing file, an override, an engine or CRIU not there).

mod common;

use common::{migbench, scenario};
use predicates::prelude::*;

#[test]
fn missing_scenario_file_is_named() {
    migbench()
        .args(["run", "/nonexistent/scenario.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'/nonexistent/scenario.toml'"));
}

#[test]
fn bad_override_is_named() {
    migbench()
        .args([
            "run",
            "scenarios/smoke.toml",
            "--set",
            "restore.concurrency=0",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--set 'restore.concurrency=0'"))
        .stderr(predicate::str::contains("from 1 to 256"));
}

#[test]
fn unreachable_source_engine_is_an_environment_error() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "nosource",
        "name = \"x\"\ncontainers = 2\n[source]\nendpoint = \"unix:///nonexistent/docker.sock\"\n",
    );
    migbench()
        .arg("run")
        .arg(&file)
        .arg("--results")
        .arg(dir.path().join("results"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unix:///nonexistent/docker.sock"))
        .stderr(predicate::str::contains("not reachable"))
        .stderr(predicate::str::contains("provision.sh"));
    common::assert_nothing_left_behind();
}

#[test]
fn target_engine_that_does_not_answer_is_reported_and_nothing_is_left() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    // A socket file that nothing listens on.
    let socket = dir.path().join("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).expect("bind"));
    let file = scenario(
        dir.path(),
        "deadtarget",
        &format!(
            "name = \"x\"\ncontainers = 2\n[target]\nendpoint = \"unix://{}\"\n",
            socket.display()
        ),
    );
    migbench()
        .arg("run")
        .arg(&file)
        .arg("--results")
        .arg(dir.path().join("results"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("target engine"))
        .stderr(predicate::str::contains(socket.display().to_string()));
    common::assert_nothing_left_behind();
}

/// Moves every `criu` on the harness's search path aside for the life of the
/// guard; puts them back even on a panic.
struct CriuAside(Vec<std::path::PathBuf>);

impl CriuAside {
    fn new() -> CriuAside {
        let mut moved = Vec::new();
        for dir in [
            "/usr/local/sbin",
            "/usr/local/bin",
            "/usr/sbin",
            "/usr/bin",
            "/sbin",
            "/bin",
        ] {
            let criu = std::path::Path::new(dir).join("criu");
            if criu.exists() {
                std::fs::rename(&criu, criu.with_extension("aside")).expect("move criu aside");
                moved.push(criu);
            }
        }
        assert!(!moved.is_empty(), "no criu installed to move aside");
        CriuAside(moved)
    }
}

impl Drop for CriuAside {
    fn drop(&mut self) {
        for criu in &self.0 {
            std::fs::rename(criu.with_extension("aside"), criu).expect("put criu back");
        }
    }
}

#[test]
fn missing_criu_is_an_environment_error_before_anything_starts() {
    // Every test that needs CRIU holds this lock.
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let results = dir.path().join("results");
    let assert = {
        let _aside = CriuAside::new();
        migbench()
            .arg("run")
            .arg("scenarios/smoke.toml")
            .arg("--results")
            .arg(&results)
            .assert()
    };
    assert
        .code(3)
        .stderr(predicate::str::contains("CRIU is not installed"))
        .stderr(predicate::str::contains("scripts/provision.sh"));
    assert!(
        !results.exists(),
        "no run directory for a run that never started"
    );
    common::assert_nothing_left_behind();
}
