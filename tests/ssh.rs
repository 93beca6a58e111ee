//! SSH on the real machine: an emulated Docker host with its own sshd takes
//! its checkpoints over SSH (`transfer.mode = "ssh"`), and its engine answers
//! at an `ssh://` endpoint through a tunnel; nothing is left behind (sshd,
//! keys, config, tunnel, containers).

mod common;

use common::{migbench, ops, run_dir, scenario};
use migbench::record::{Outcome, Phase};
use std::path::Path;

/// Processes whose command line holds `needle`.
fn processes_with(needle: &str) -> Vec<String> {
    let out = std::process::Command::new("pgrep")
        .args(["-a", "-f", needle])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The private tunnel directories left in the temporary directory.
fn tunnel_dirs() -> Vec<String> {
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("migbench-ssh-"))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_no_ssh_left() {
    assert_eq!(
        processes_with("/usr/sbin/sshd -D -f /var/lib/migbench"),
        Vec::<String>::new(),
        "sshd left"
    );
    assert_eq!(
        processes_with("ExitOnForwardFailure"),
        Vec::<String>::new(),
        "tunnel left"
    );
    assert_eq!(
        tunnel_dirs(),
        Vec::<String>::new(),
        "tunnel directories left"
    );
}

#[test]
fn checkpoints_reach_an_emulated_host_through_its_sshd() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "ssh",
        r#"name = "ssh-three"
containers = 3
warmup_s = 1
[workload]
memory_mib = 4
log_interval_ms = 200
[target]
emulate = { memory = "512MiB", swap = "256MiB" }
[transfer]
mode = "ssh"
# A machine this loaded (other tests, a benchmark) can be late to sample:
# not what this test is about.
[collapse]
sampler_lag_ms = 600000
"#,
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
    assert_eq!(
        common::verified(&rows),
        3,
        "every counter continued: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let transfers: Vec<_> = rows.iter().filter(|r| r.phase == Phase::Transfer).collect();
    assert_eq!(transfers.len(), 3, "one transfer row per migration");
    for t in &transfers {
        assert_eq!(t.outcome, Outcome::Ok, "{t:?}");
        assert!(
            t.bytes.unwrap_or(0) > 4 << 20,
            "the 4 MiB workload went over: {t:?}"
        );
        assert!(t.latency_ms > 0.0 && t.end_ms >= t.start_ms, "{t:?}");
        let restore = rows
            .iter()
            .find(|r| r.phase == Phase::Restore && r.index == t.index)
            .expect("its restore");
        // The stream happened inside its restore, as its first part: the
        // restore row times the whole restore, the transfer row that part.
        assert!(t.start_ms >= restore.start_ms && t.end_ms <= restore.end_ms + 0.001);
        assert!(t.latency_ms < restore.latency_ms, "{t:?} {restore:?}");
    }
    for verify in rows.iter().filter(|r| r.phase == Phase::Verify) {
        assert!(verify.downtime_transfer_ms.is_some(), "{verify:?}");
    }
    // Every checkpoint came in through the host's sshd, with its key.
    let log = std::fs::read_to_string(run.join("target-sshd.log")).expect("the sshd log kept");
    let logins = log.matches("Accepted publickey for root").count();
    assert!(logins >= 3, "{logins} logins:\n{log}");
    assert_no_ssh_left();
    common::assert_nothing_left_behind();
}

#[test]
fn an_engine_answers_at_its_ssh_endpoint_and_a_run_crosses_ssh() {
    let _engine = common::engine_lock();
    let name = "it-ssh";
    let up = migbench()
        .args(["host", "up", name, "--memory", "512MiB", "--ssh"])
        .output()
        .expect("host up");
    let stdout = String::from_utf8_lossy(&up.stdout).into_owned();
    assert!(
        up.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let endpoint = stdout
        .split_whitespace()
        .find(|w| w.starts_with("ssh://"))
        .expect("host up prints the ssh:// endpoint")
        .to_string();
    assert!(
        endpoint.ends_with(&format!("/run/migbench/{name}/docker.sock")),
        "{endpoint}"
    );
    let destination = endpoint
        .trim_start_matches("ssh://")
        .split('/')
        .next()
        .expect("destination")
        .to_string();

    let doctor = migbench()
        .args(["doctor", "--endpoint", &endpoint])
        .output()
        .expect("doctor");
    let said = String::from_utf8_lossy(&doctor.stdout).into_owned();
    assert!(
        said.contains("Docker 20.10") && said.contains(&endpoint),
        "{said}"
    );
    assert!(
        !said.contains("/tmp/migbench-ssh-"),
        "the tunnel's socket is never shown: {said}"
    );
    let wrong = endpoint.replace("docker.sock", "nothing.sock");
    let refused = migbench()
        .args(["doctor", "--endpoint", &wrong])
        .output()
        .expect("doctor");
    assert_eq!(refused.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("does not answer through the SSH tunnel"),
        "{}",
        String::from_utf8_lossy(&refused.stdout)
    );
    assert_eq!(
        processes_with("ExitOnForwardFailure"),
        Vec::<String>::new(),
        "tunnels end with doctor"
    );

    // A run to that engine as to another machine: endpoint and transfer over SSH.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "remote",
        &format!(
            r#"name = "ssh-remote"
containers = 2
warmup_s = 1
[workload]
log_interval_ms = 200
[target]
endpoint = "{endpoint}"
ssh = "{destination}"
[transfer]
mode = "ssh"
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
    let rows = ops(&run_dir(&results));
    assert_eq!(common::verified(&rows), 2);
    assert!(rows
        .iter()
        .any(|r| r.phase == Phase::Restore && r.target_host == endpoint));
    assert_eq!(
        rows.iter()
            .filter(|r| r.phase == Phase::Transfer && r.outcome.is_ok())
            .count(),
        2
    );

    migbench().args(["host", "down", name]).assert().success();
    assert!(
        !Path::new(&format!("/var/lib/migbench/hosts/{name}")).exists(),
        "keys and config removed"
    );
    assert_no_ssh_left();
    common::assert_nothing_left_behind();
}
