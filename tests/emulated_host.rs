//! Emulated hosts on the real machine: budget files, charging, teardown, and
//! migration from the default engine to an emulated host in both transfer modes.

mod common;

use common::{migbench, ops, run_dir, scenario, summary};
use migbench::record::{Outcome, Phase};
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .trim()
        .to_string()
}

#[test]
fn host_up_holds_the_budget_charges_containers_and_down_leaves_nothing() {
    let _engine = common::engine_lock();
    let name = "it-budget";
    migbench()
        .args([
            "host", "up", name, "--memory", "256MiB", "--swap", "128MiB", "--cpus", "0.5",
        ])
        .assert()
        .success();
    let cg = format!("migbench-{name}");
    assert_eq!(
        common::cgroups().budget(&cg),
        Some(migbench::cgroup::Budget {
            memory_bytes: 256 << 20,
            swap_bytes: 128 << 20,
            cpus: Some(0.5),
        }),
        "the budget as the cgroup enforces it"
    );
    migbench()
        .args(["host", "ls"])
        .assert()
        .success()
        .stdout(predicates::str::contains(name))
        .stdout(predicates::str::contains("cgroup backend: "));

    // The daemon itself is charged to the budget...
    let comms: Vec<String> = common::cgroups()
        .procs(&cg)
        .iter()
        .map(|p| read(&format!("/proc/{p}/comm")))
        .collect();
    assert!(comms.iter().any(|c| c == "dockerd"), "{comms:?}");
    // ...and so is a container started on it.
    let endpoint = format!("unix:///run/migbench/{name}/docker.sock");
    migbench()
        .args(["image", "build", "--endpoint", &endpoint])
        .assert()
        .success();
    let image = String::from_utf8(
        std::process::Command::new("docker")
            .args([
                "-H",
                &endpoint,
                "images",
                "--format",
                "{{.Repository}}:{{.Tag}}",
            ])
            .output()
            .expect("docker images")
            .stdout,
    )
    .expect("utf8");
    let image = image
        .lines()
        .next()
        .expect("the workload image")
        .to_string();
    let run = std::process::Command::new("docker")
        .args([
            "-H",
            &endpoint,
            "run",
            "-d",
            "--network",
            "none",
            &image,
            "/workload",
            "--memory-mib",
            "8",
        ])
        .output()
        .expect("docker run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let id = String::from_utf8_lossy(&run.stdout).trim().to_string();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let usage = common::cgroups()
        .read(&format!("{cg}/{id}"))
        .memory_bytes
        .expect("the container's memory use");
    assert!(
        usage > 8 << 20,
        "the container's 8 MiB are charged under the host: {usage}"
    );

    migbench().args(["host", "down", name]).assert().success();
    assert!(common::cgroups().dirs(&cg).is_empty(), "cgroup removed");
    assert!(
        !Path::new(&format!("/run/migbench/{name}")).exists(),
        "socket dir removed"
    );
    assert!(
        !Path::new(&format!("/sys/class/net/mb-{name}")).exists(),
        "bridge removed"
    );
    assert!(
        std::process::Command::new("pgrep")
            .args(["-f", &format!("migbench/hosts/{name}")])
            .output()
            .map(|o| o.stdout.is_empty())
            .unwrap_or(true),
        "no daemon left"
    );
    common::assert_nothing_left_behind();
}

#[test]
fn host_down_or_restart_of_an_unknown_host_is_an_error() {
    let _engine = common::engine_lock();
    for command in ["down", "restart"] {
        migbench()
            .args(["host", command, "nosuchhost"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("no emulated host 'nosuchhost'"));
    }
}

fn migrate_five(mode: &str) {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        mode,
        &format!(
            r#"name = "five-{mode}"
containers = 5
warmup_s = 1
[checkpoint]
concurrency = 2
[restore]
concurrency = 2
[workload]
memory_mib = 4
log_interval_ms = 200
[target]
emulate = {{ memory = "512MiB", swap = "256MiB", cpus = 1 }}
[transfer]
mode = "{mode}"
"#
        ),
    );
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let run = run_dir(&results);
    let rows = ops(&run);
    let image: Vec<_> = rows.iter().filter(|r| r.phase == Phase::Image).collect();
    assert_eq!(image.len(), 1, "the image phase is recorded once");
    assert!(image[0].outcome.is_ok() && image[0].bytes.expect("image bytes") > 100_000);
    let transfers: Vec<_> = rows.iter().filter(|r| r.phase == Phase::Transfer).collect();
    if mode == "copy" {
        assert_eq!(transfers.len(), 5);
        assert!(transfers
            .iter()
            .all(|t| t.outcome == Outcome::Ok && t.bytes.unwrap_or(0) > 4 << 20));
    } else {
        assert!(transfers.is_empty(), "shared-dir copies nothing");
    }
    let verified = rows
        .iter()
        .filter(|r| r.phase == Phase::Verify && r.outcome.is_ok())
        .filter(|r| r.seq_after == r.seq_before.map(|s| s + 1))
        .count();
    assert_eq!(verified, 5, "every counter continued");
    assert!(rows.iter().all(|r| r.target_host.starts_with("emulated:")));
    let summary = summary(&run);
    assert_eq!(
        summary["environment"]["target_budget"]["memory_bytes"],
        512u64 << 20
    );
    // The backend in use is recorded, and which pressure the PSI rule read:
    // the machine's on v1 and hybrid, the host's own memory.pressure on v2.
    let backend = migbench::cgroup::system().expect("a cgroup backend");
    let env = &summary["environment"];
    assert_eq!(env["cgroup_backend"], backend.mode().to_string());
    let source = env["psi_rule_source"].as_str().expect("psi_rule_source");
    match backend.mode() {
        migbench::cgroup::Mode::V2 => assert!(source.ends_with("/memory.pressure"), "{source}"),
        _ => assert_eq!(source, "/proc/pressure/memory"),
    }
    let samples = std::fs::read_to_string(run.join("samples.csv")).expect("samples");
    let header = samples.lines().next().expect("a header");
    assert!(header.contains("target_memory_bytes"));
    assert!(
        samples
            .lines()
            .skip(1)
            .any(|l| l.split(',').nth(17).is_some_and(|v| !v.is_empty())),
        "the target's cgroup was sampled"
    );
    common::assert_nothing_left_behind();
}

#[test]
fn migrates_five_containers_to_an_emulated_host_with_copy() {
    migrate_five("copy");
}

#[test]
fn migrates_five_containers_to_an_emulated_host_through_a_shared_dir() {
    migrate_five("shared-dir");
}
