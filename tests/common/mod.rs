//! Helpers for the integration tests, which drive the real `migbench` binary
//! against the real Docker engine and CRIU (provisioned by scripts/provision.sh).
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub const ENGINE: &str = "unix:///var/run/docker.sock";

/// The migbench binary, with CRIU 4.x first on PATH.
pub fn migbench() -> Command {
    let mut cmd = Command::cargo_bin("migbench").expect("the migbench binary is built");
    cmd.env(
        "PATH",
        format!(
            "/usr/local/sbin:{}",
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    cmd.timeout(std::time::Duration::from_secs(900));
    cmd
}

/// Writes a scenario file into `dir`.
pub fn scenario(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, body).expect("write scenario");
    path
}

/// The single run directory created under `results`.
pub fn run_dir(results: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(results)
        .expect("results dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(
        dirs.len(),
        1,
        "expected one run directory in {results:?}: {dirs:?}"
    );
    dirs.into_iter().next().expect("one run dir")
}

/// Names of containers on the default engine carrying migbench's run label.
pub fn leftover_containers() -> Vec<String> {
    labelled_containers(&["-a"])
}

/// How many of those are running.
pub fn running_containers() -> usize {
    labelled_containers(&[]).len()
}

/// Names of the running ones.
pub fn running_container_names() -> Vec<String> {
    labelled_containers(&[])
}

fn labelled_containers(extra: &[&str]) -> Vec<String> {
    let out = std::process::Command::new("docker")
        .args(["-H", ENGINE, "ps"])
        .args(extra)
        .args([
            "--filter",
            "label=io.migbench.run",
            "--format",
            "{{.Names}}",
        ])
        .output()
        .expect("docker ps");
    assert!(
        out.status.success(),
        "docker ps failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Asserts that no container, emulated host, cgroup, swap file or mount of
/// migbench is left on the machine.
pub fn assert_nothing_left_behind() {
    assert_eq!(
        leftover_containers(),
        Vec::<String>::new(),
        "containers left behind"
    );
    let hosts: Vec<_> = std::fs::read_dir("/var/lib/migbench/hosts")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(hosts.is_empty(), "host state left behind: {hosts:?}");
    // v1: one hierarchy per directory; v2: the root is the one hierarchy.
    let root = cgroups().root().to_path_buf();
    let hierarchies = std::fs::read_dir(&root)
        .expect("cgroup fs")
        .flatten()
        .map(|e| e.path());
    for hierarchy in std::iter::once(root.clone()).chain(hierarchies) {
        let leftovers: Vec<_> = std::fs::read_dir(&hierarchy)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("migbench-"))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default();
        assert!(leftovers.is_empty(), "cgroups left behind: {leftovers:?}");
    }
    let swaps = std::fs::read_to_string("/proc/swaps").expect("/proc/swaps");
    assert!(
        !swaps.contains("/var/lib/migbench/"),
        "swap left on: {swaps}"
    );
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    assert!(
        !mounts.contains("/run/migbench/") && !mounts.contains("/var/lib/migbench/"),
        "mounts left"
    );
    let checkpoints: Vec<_> = std::fs::read_dir("/var/lib/migbench/checkpoints")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        checkpoints.is_empty(),
        "checkpoints left behind: {checkpoints:?}"
    );
}

/// Rows of a run's ops.csv.
pub fn ops(run_dir: &Path) -> Vec<migbench::record::OpRecord> {
    migbench::record::read_rows(&run_dir.join("ops.csv"))
        .expect("ops.csv reads")
        .rows
}

pub fn summary(run_dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(run_dir.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary.json parses")
}

/// The row of container `index` in `phase`.
pub fn op(
    rows: &[migbench::record::OpRecord],
    phase: migbench::record::Phase,
    index: usize,
) -> &migbench::record::OpRecord {
    rows.iter()
        .find(|r| r.phase == phase && r.index == index)
        .unwrap_or_else(|| panic!("no {phase:?} row for container {index}"))
}

/// How many containers were verified.
pub fn verified(rows: &[migbench::record::OpRecord]) -> usize {
    rows.iter()
        .filter(|r| r.phase == migbench::record::Phase::Verify && r.outcome.is_ok())
        .count()
}

/// One phase's entry of summary.json's `phases`.
pub fn phase_summary(summary: &serde_json::Value, phase: &str) -> serde_json::Value {
    summary["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .find(|p| p["phase"] == phase)
        .cloned()
        .unwrap_or_else(|| panic!("no {phase} phase in {summary}"))
}

/// Held by a real-engine test: the threads of one test binary and every other
/// test process on the machine (another binary, another checkout) wait for it.
pub struct EngineLock {
    _thread: std::sync::MutexGuard<'static, ()>,
    _machine: std::fs::File,
}

/// Serializes the real-engine tests: they share the machine's engine, cgroups
/// and swap, and check that nothing is left behind, so two at once (in one
/// binary or in two checkouts) would see each other's containers.
pub fn engine_lock() -> EngineLock {
    use std::os::fd::AsRawFd;
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let thread = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let machine = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/tmp/migbench-engine-tests.lock")
        .expect("open the machine-wide test lock");
    // SAFETY: flock(2) on a descriptor we own; it is released when the file closes.
    let rc = unsafe { libc::flock(machine.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(rc, 0, "flock of the machine-wide test lock");
    EngineLock {
        _thread: thread,
        _machine: machine,
    }
}

/// Starts, in the background, a run of `containers` tiny containers migrated
/// one at a time, `restore_pause_ms` apart, from the default engine to an
/// emulated 512 MiB + 128 MiB host; `extra` adds TOML tables. Returns the run
/// and the directory the run directory appears in.
pub fn spawn_emulated_run(
    dir: &Path,
    name: &str,
    containers: usize,
    restore_pause_ms: u64,
    extra: &str,
) -> (std::process::Child, PathBuf) {
    let file = scenario(
        dir,
        name,
        &format!(
            r#"name = "{name}"
containers = {containers}
warmup_s = 0
[restore]
pause_ms = {restore_pause_ms}
[workload]
log_interval_ms = 200
[target]
emulate = {{ memory = "512MiB", swap = "128MiB" }}
{extra}"#
        ),
    );
    let results = dir.join("results");
    (spawn_run(&file, &results), results)
}

/// Runs `migbench run SCENARIO --results RESULTS` to its end.
pub fn run_scenario(scenario: &Path, results: &Path) -> std::process::Output {
    migbench()
        .arg("run")
        .arg(scenario)
        .arg("--results")
        .arg(results)
        .output()
        .expect("migbench runs")
}

/// The migbench binary as a plain command (for runs in the background), with
/// CRIU 4.x first on PATH.
pub fn migbench_command() -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("migbench"));
    command.env(
        "PATH",
        format!(
            "/usr/local/sbin:{}",
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    command
}

/// Starts `migbench run SCENARIO --results RESULTS` in the background (for
/// signal and fault tests).
pub fn spawn_run(scenario: &Path, results: &Path) -> std::process::Child {
    migbench_command()
        .arg("run")
        .arg(scenario)
        .arg("--results")
        .arg(results)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("migbench starts")
}

/// Waits until the run under `results` has at least `count` rows of `phase`
/// in ops.csv; returns the run directory.
pub fn wait_for_rows(results: &Path, phase: &str, count: usize) -> PathBuf {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no {count} {phase} rows in time"
        );
        if let Some(dir) = std::fs::read_dir(results)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
        {
            let ops = std::fs::read_to_string(dir.path().join("ops.csv")).unwrap_or_default();
            if ops
                .lines()
                .filter(|l| l.contains(&format!(",{phase},")))
                .count()
                >= count
            {
                return dir.path();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Sends `signal` to a child process.
pub fn signal(child: &std::process::Child, signal: i32) {
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(child.id() as i32, signal) };
    assert_eq!(rc, 0, "signal delivered");
}

/// Waits for a child with a deadline; returns its output.
pub fn finish(child: std::process::Child) -> std::process::Output {
    child.wait_with_output().expect("migbench exits")
}

/// containerd's checkpoint copies in /tmp (`ctrd-checkpoint<N>`), left by restores.
pub fn restore_litter() -> Vec<PathBuf> {
    std::fs::read_dir("/tmp")
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("ctrd-checkpoint"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The workload's measured downtime lies within the container's own
/// operations: at least the time between its checkpoint's end and its
/// restore's start (it is surely down then), at most from its checkpoint's
/// start to its restore's end (plus a tick and scheduling slack); its parts
/// add up to it.
pub fn assert_downtime_within_its_operations(
    rows: &[migbench::record::OpRecord],
    verify: &migbench::record::OpRecord,
) {
    let checkpoint = op(rows, migbench::record::Phase::Checkpoint, verify.index);
    let restore = op(rows, migbench::record::Phase::Restore, verify.index);
    let downtime = verify.downtime_ms.expect("downtime measured");
    assert!(
        downtime >= restore.start_ms - checkpoint.end_ms,
        "{downtime} ms < the gap between checkpoint and restore: {verify:?}"
    );
    assert!(
        downtime <= restore.end_ms - checkpoint.start_ms + 300.0,
        "{downtime} ms > the span of its operations: {checkpoint:?} {restore:?}"
    );
    let parts: f64 = [
        verify.downtime_checkpoint_ms,
        verify.downtime_transfer_ms,
        verify.downtime_waiting_ms,
        verify.downtime_restore_ms,
        verify.downtime_resume_ms,
    ]
    .iter()
    .flatten()
    .sum();
    assert!(
        (parts - downtime).abs() < 1.0,
        "parts {parts} != {downtime}"
    );
}

/// The machine's cgroup backend (v1, hybrid or v2): tests find a host's
/// cgroups through it, never by a version's paths.
pub fn cgroups() -> &'static migbench::cgroup::Backend {
    migbench::cgroup::system().expect("a cgroup memory controller")
}

/// A copy of the recorded run `tests/fixtures/runs/<name>` in a temporary
/// directory (a report rewrites what it rebuilds).
pub fn fixture_run(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runs")
        .join(name);
    let dst = tmp.path().join(name);
    std::fs::create_dir_all(&dst).expect("mkdir");
    for entry in std::fs::read_dir(&src).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dst.join(entry.file_name())).expect("copy");
    }
    (tmp, dst)
}
