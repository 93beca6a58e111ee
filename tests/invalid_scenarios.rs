//! Malformed, hostile and impossible input: exit 2 within a second, a message
//! under 4 KB naming the file and field, and nothing created on disk (no run
//! directory, host state, swap file or checkpoint directory). None of these
//! reaches the engine, so they do not take the engine lock; they look only for
//! what their own migbench process (its pid names its host) would have made.
//!
//! `tests/fixtures/invalid/*.toml`: one file per invalid scenario, its first
//! line `# expect: <text the error must contain>`.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const MAX_STDERR_BYTES: usize = 4096;
const MAX_SECONDS: f64 = 1.0;

/// Runs migbench with `args` (and `--results` for `run`); checks the exit
/// code, time, message size and that nothing was created; returns stderr.
fn refused(args: &[&OsStr], results: Option<&Path>) -> String {
    let started = Instant::now();
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("migbench"));
    command.args(args);
    if let Some(results) = results {
        command.arg("--results").arg(results);
    }
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("migbench starts");
    let pid = child.id();
    let output = child.wait_with_output().expect("migbench exits");
    let elapsed = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let shown: String = format!("{args:?}").chars().take(200).collect();
    assert_eq!(output.status.code(), Some(2), "{shown}: {stderr:.2000}");
    assert!(
        stderr.len() < MAX_STDERR_BYTES,
        "{shown}: {} bytes: {stderr:.2000}",
        stderr.len()
    );
    assert!(elapsed < MAX_SECONDS, "{shown}: took {elapsed:.2} s");
    if let Some(results) = results {
        assert!(
            !results.exists(),
            "{shown}: a results directory was created"
        );
    }
    assert_nothing_of(pid);
    stderr
}

/// Nothing named after the run that process `pid` would have brought up.
fn assert_nothing_of(pid: u32) {
    let host = format!("r{pid:x}");
    for path in [
        PathBuf::from("/var/lib/migbench/hosts").join(&host),
        PathBuf::from("/var/lib/migbench/swap").join(format!("{host}.swap")),
        PathBuf::from("/run/migbench").join(&host),
    ] {
        assert!(!path.exists(), "'{}' was created", path.display());
    }
    let cgroup = format!("migbench-{host}");
    assert!(
        common::cgroups().dirs(&cgroup).is_empty(),
        "cgroup '{cgroup}' was created"
    );
}

fn run(scenario: &Path, sets: &[String], results: &Path) -> String {
    let mut args: Vec<&OsStr> = vec!["run".as_ref(), scenario.as_os_str()];
    for set in sets {
        args.push("--set".as_ref());
        args.push(set.as_ref());
    }
    refused(&args, Some(results))
}

#[test]
fn every_invalid_fixture_is_refused_with_its_message() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut count = 0;
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("fixture");
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: no '# expect: ' line", path.display()));
        let stderr = run(&path, &[], &dir.path().join("results"));
        let name = path.file_name().expect("name").to_string_lossy();
        assert!(stderr.contains(&*name), "{name}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{name}: expected '{expected}' in:\n{stderr}"
        );
        // `check` refuses it the same way, before any engine or host.
        let checked = refused(&["check".as_ref(), path.as_os_str()], None);
        assert!(
            checked.contains(expected),
            "check {name}: expected '{expected}' in:\n{checked}"
        );
        count += 1;
    }
    assert!(count >= 20, "{count} fixtures");
}

#[test]
fn hostile_files_are_refused_quickly_with_short_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let results = dir.path().join("results");
    let huge = "x".repeat(10 << 20);
    let cases = [
        (
            "name",
            format!("containers = 1\nname = \"{huge}\"\n"),
            "line 2, column 8, field name",
        ),
        (
            "endpoint",
            format!("name = \"x\"\ncontainers = 1\n[source]\nendpoint = \"unix:///{huge}\"\n"),
            "field source.endpoint: must be at most 512 characters",
        ),
        (
            "checkpoint_dir",
            format!("name = \"x\"\ncontainers = 1\n[transfer]\ncheckpoint_dir = \"/{huge}\"\n"),
            "field transfer.checkpoint_dir: must be at most 1024 bytes",
        ),
        (
            "key",
            format!("name = \"x\"\ncontainers = 1\n{huge} = 1\n"),
            "line 3, column 1",
        ),
        (
            "dense",
            (0..500_000).map(|i| format!("k{i} = 1\n")).collect(),
            "more than 20000 keys, values and tables",
        ),
        ("long", format!("# {huge}{huge}\n"), "is larger than 16 MiB"),
    ];
    for (name, text, expected) in cases {
        let file = common::scenario(dir.path(), name, &text);
        let stderr = run(&file, &[], &results);
        assert!(stderr.contains(&format!("{name}.toml")), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, b"name = \"x\"\ncontainers = \xff\n").expect("write");
    assert!(run(&binary, &[], &results).contains("is not UTF-8 text: invalid byte at line 2"));
    assert!(run(dir.path(), &[], &results).contains("is a directory"));
    assert!(run(Path::new("/dev/zero"), &[], &results).contains("not a regular file"));
}

#[test]
fn hostile_overrides_are_refused_with_short_messages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let results = dir.path().join("results");
    let file = common::scenario(dir.path(), "s", "name = \"x\"\ncontainers = 1\n");
    let huge = "y".repeat(100_000);
    for (set, expected) in [
        (format!("name={huge}"), "field name: must be 1 to 64"),
        (format!("{huge}=1"), "unknown field `yyy"),
        (
            format!("source.endpoint=unix:///{huge}"),
            "at most 512 characters",
        ),
        (
            "target.emulate.cpus=nan".to_string(),
            "missing field `memory`",
        ),
        ("concurrency=0".to_string(), "from 1 to 256"),
        (
            "containers=[]".to_string(),
            "a sweep list needs at least one value",
        ),
    ] {
        let stderr = run(&file, std::slice::from_ref(&set), &results);
        assert!(stderr.contains("invalid override --set '"), "{stderr}");
        assert!(stderr.contains(expected), "{set:.40}: {stderr}");
    }
}

#[test]
fn budgets_this_machine_cannot_give_are_refused_before_anything_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let results = dir.path().join("results");
    let file = common::scenario(
        dir.path(),
        "budget",
        &format!(
            "name = \"budget\"\ncontainers = 3\n[transfer]\ncheckpoint_dir = \"{}\"\n",
            dir.path().join("checkpoints").display()
        ),
    );
    for (set, expected) in [
        (
            "target.emulate={ memory = \"2GiB\", swap = \"1TiB\", cpus = 1 }",
            "target.emulate.swap = 1.0 TiB: the swap file (1.0 TiB) would go on the filesystem of '/var/lib/migbench/swap', which has ",
        ),
        ("target.emulate={ memory = \"1TiB\" }", "target.emulate.memory = 1.0 TiB: this machine has "),
        ("target.emulate={ memory = \"1GiB\", cpus = 64 }", "target.emulate.cpus = 64: this machine has "),
        ("workload.memory_mib=65536", "their checkpoints (transfer.checkpoint_dir)"),
    ] {
        let stderr = run(&file, &["containers=10000".into(), set.into()], &results);
        assert!(stderr.contains("scenario '"), "{stderr}");
        assert!(stderr.contains(expected), "{set}: {stderr}");
        assert!(!dir.path().join("checkpoints").exists(), "{set}: checkpoints created");
    }
    // A sweep is checked point by point before its first run.
    let sweep = [
        "containers=[1, 10000]".into(),
        "workload.memory_mib=4096".into(),
    ];
    let stderr = run(&file, &sweep, &results);
    assert!(
        stderr.contains("sweep point 2 of 2 ('budget-n10000')"),
        "{stderr}"
    );
}

#[test]
fn host_up_refuses_budgets_this_machine_cannot_give() {
    let name = format!("t{:x}", std::process::id() % 0xfffff);
    let up = |extra: &[&str]| {
        let mut args: Vec<&OsStr> = vec!["host".as_ref(), "up".as_ref(), name.as_ref()];
        args.extend(extra.iter().map(OsStr::new));
        refused(&args, None)
    };
    let e = up(&["--memory", "2GiB", "--swap", "1TiB"]);
    assert!(
        e.contains("--swap = 1.0 TiB: the swap file (1.0 TiB) would go on"),
        "{e}"
    );
    let e = up(&["--memory", "1TiB"]);
    assert!(e.contains("--memory = 1.0 TiB: this machine has"), "{e}");
    let e = up(&["--memory", "1GiB", "--cpus", "64"]);
    assert!(e.contains("--cpus = 64: this machine has"), "{e}");
    let e = up(&["--memory", "1GiB", "--cpus", "nan"]);
    assert!(e.contains("--cpus: must be above 0"), "{e}");
    for path in [
        PathBuf::from("/var/lib/migbench/hosts").join(&name),
        PathBuf::from("/var/lib/migbench/swap").join(format!("{name}.swap")),
    ] {
        assert!(!path.exists(), "'{}' was created", path.display());
    }
    let cgroup = format!("migbench-{name}");
    assert!(
        common::cgroups().dirs(&cgroup).is_empty(),
        "cgroup '{cgroup}' was created"
    );
}
