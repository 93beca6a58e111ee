//! Emulated hosts with a network of their own, on the real machine: a
//! namespace behind a tbf-shaped veth link, the engine reached only on the
//! host's TCP address, Podman checkpoints crossing the link with their
//! transfer rows, and nothing left behind (namespace, link, qdisc, cgroup,
//! process).

mod common;

use common::{migbench, ops, run_dir, scenario};
use migbench::record::{Outcome, Phase};
use std::path::Path;

/// Namespaces and links of migbench's still on the machine.
fn network_leftovers() -> Vec<String> {
    let named = |dir: &str, prefix: &str| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n.starts_with(prefix))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut left = named("/run/netns", "migbench-");
    left.extend(named("/sys/class/net", "mbv"));
    left
}

/// Processes started for an emulated host still alive.
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
    assert_eq!(network_leftovers(), Vec::<String>::new(), "network left");
    assert_eq!(
        host_processes(),
        Vec::<String>::new(),
        "host processes left"
    );
}

fn command(program: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn podman_checkpoints_cross_a_20mbit_link_with_their_transfer_rows() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "netpod",
        "name = \"netpod\"\ncontainers = 3\nwarmup_s = 1\ntimeout_s = 120\n\
         [source]\nengine = \"podman\"\n\
         [workload]\nmemory_mib = 16\nlog_interval_ms = 200\n\
         [target]\nemulate = { memory = \"1GiB\", network = { bandwidth = \"20mbit\" } }\n",
    );
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    let run = run_dir(&results);
    let rows = ops(&run);
    assert_eq!(common::verified(&rows), 3, "every counter continues");
    // 20 Mbit/s is 2.5 MB/s; tbf lets a 64 KiB burst through above it.
    let link_mb_per_s = 20e6 / 8.0 / 1e6;
    for index in 0..3 {
        let transfer = common::op(&rows, Phase::Transfer, index);
        assert_eq!(transfer.outcome, Outcome::Ok, "{transfer:?}");
        let bytes = transfer.bytes.expect("bytes");
        assert!(bytes > 16 << 20, "the archive holds the 16 MiB: {bytes}");
        let rate = transfer.rate_mb_per_s.expect("rate");
        assert!(
            rate <= link_mb_per_s * 1.1,
            "{rate} MB/s over a {link_mb_per_s} MB/s link: {transfer:?}"
        );
        assert!(rate > link_mb_per_s * 0.5, "the link was used: {rate} MB/s");
        let expected = bytes as f64 / 1e6 / (transfer.latency_ms / 1000.0);
        assert!((rate - expected).abs() < 0.001, "{rate} != {expected}");
        // The upload is a part of its restore request.
        let restore = common::op(&rows, Phase::Restore, index);
        assert!(transfer.start_ms >= restore.start_ms && transfer.end_ms <= restore.end_ms);
        let verify = common::op(&rows, Phase::Verify, index);
        common::assert_downtime_within_its_operations(&rows, verify);
        // The downtime's transfer part is the upload (up to the few ms two
        // clocks disagree by), and its restore part what follows it.
        let part = verify.downtime_transfer_ms.expect("a transfer part");
        assert!(
            (part - transfer.latency_ms).abs() < 50.0,
            "{part} vs {transfer:?}"
        );
    }
    let environment: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(run.join("environment.json")).expect("environment.json"),
    )
    .expect("parses");
    let endpoint = environment["target"]["endpoint"]
        .as_str()
        .expect("endpoint");
    assert!(
        endpoint.starts_with("tcp://10.253.") && endpoint.ends_with(":8888"),
        "the target is reached on its own address only: {endpoint}"
    );
    assert_eq!(
        environment["target_budget"]["bandwidth_bits_per_s"],
        20_000_000
    );
    let summary = common::summary(&run);
    assert_eq!(summary["transfer"]["count"], 3);
    let share = summary["transfer"]["share_of_migration_pct"]
        .as_f64()
        .expect("share");
    assert!(
        share > 50.0,
        "at 20 Mbit/s the link bounds migration: {share} %"
    );
    assert_nothing_left_behind();
}

#[test]
fn host_up_with_a_bandwidth_shapes_both_ends_and_down_removes_it_all() {
    let _engine = common::engine_lock();
    let name = "it-net";
    let docker0_before = Path::new("/sys/class/net/docker0").exists();
    migbench()
        .args([
            "host",
            "up",
            name,
            "--memory",
            "256MiB",
            "--bandwidth",
            "30mbit",
        ])
        .assert()
        .success();
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("/var/lib/migbench/hosts/{name}/state.json"))
            .expect("state"),
    )
    .expect("parses");
    let address = state["network"]["address"]
        .as_str()
        .expect("address")
        .to_string();
    let netns = format!("migbench-{name}");
    assert!(Path::new(&format!("/run/netns/{netns}")).exists());
    let root_end = stdout(&command(
        "tc",
        &["qdisc", "show", "dev", &format!("mbv{name}")],
    ));
    let host_end = stdout(&command(
        "tc",
        &["-n", &netns, "qdisc", "show", "dev", &format!("mbn{name}")],
    ));
    for end in [&root_end, &host_end] {
        assert!(end.contains("tbf") && end.contains("rate 30Mbit"), "{end}");
    }
    let listed = stdout(&command("ip", &["-n", &netns, "-4", "addr", "show"]));
    assert!(listed.contains(&format!("{address}/24")), "{listed}");
    // The engine answers on the host's address, and has no socket.
    let info = command(
        "docker",
        &[
            "-H",
            &format!("tcp://{address}:2375"),
            "info",
            "--format",
            "{{.DockerRootDir}}",
        ],
    );
    assert!(
        info.status.success() && stdout(&info).contains(&format!("/var/lib/migbench/hosts/{name}")),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(!Path::new(&format!("/run/migbench/{name}/docker.sock")).exists());
    migbench()
        .args(["host", "ls"])
        .assert()
        .success()
        .stdout(predicates::str::contains(format!("{address} 30mbit")));
    if docker0_before {
        assert!(
            Path::new("/sys/class/net/docker0").exists(),
            "the machine's docker0 is untouched"
        );
    }

    migbench().args(["host", "down", name]).assert().success();
    assert!(!Path::new(&format!("/run/netns/{netns}")).exists());
    assert!(!Path::new(&format!("/sys/class/net/mbv{name}")).exists());
    let qdiscs = stdout(&command("tc", &["qdisc", "show"]));
    assert!(!qdiscs.contains(&format!("mbv{name}")), "{qdiscs}");
    assert_nothing_left_behind();
}

#[test]
fn clean_removes_a_network_whose_host_state_is_gone() {
    let _engine = common::engine_lock();
    let name = "it-orphan";
    let netns = format!("migbench-{name}");
    let link = format!("mbv{name}");
    // What a host killed between creating its network and saving it leaves.
    assert!(command("ip", &["netns", "add", &netns]).status.success());
    assert!(command(
        "ip",
        &[
            "link",
            "add",
            &link,
            "type",
            "veth",
            "peer",
            "name",
            &format!("mbn{name}"),
            "netns",
            &netns
        ],
    )
    .status
    .success());
    migbench()
        .args(["clean"])
        .assert()
        .success()
        .stdout(predicates::str::contains(format!(
            "network of host '{name}' (its state gone) removed"
        )));
    assert!(!Path::new(&format!("/run/netns/{netns}")).exists());
    assert!(!Path::new(&format!("/sys/class/net/{link}")).exists());
    assert_nothing_left_behind();
}

/// Two hosts brought up at the same moment, whose names make them start
/// their subnet search at the same place: the claim makes the second see the
/// first's subnet taken, and each gets its own.
#[test]
fn two_hosts_brought_up_at_once_get_different_subnets() {
    let _engine = common::engine_lock();
    let names = ["snaa", "snii"];
    let children: Vec<_> = names
        .iter()
        .map(|name| {
            common::migbench_command()
                .args([
                    "host",
                    "up",
                    name,
                    "--memory",
                    "256MiB",
                    "--bandwidth",
                    "10mbit",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("host up")
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("waits"))
        .collect();
    let listed = migbench()
        .args(["host", "ls", "--json"])
        .output()
        .expect("ls");
    for name in names {
        migbench().args(["host", "down", name]).assert().success();
    }
    for output in &outputs {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let hosts: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let addresses: Vec<&str> = hosts["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter(|h| names.contains(&h["state"]["spec"]["name"].as_str().unwrap_or_default()))
        .filter_map(|h| h["state"]["network"]["address"].as_str())
        .collect();
    assert_eq!(addresses.len(), 2, "{hosts}");
    assert_ne!(addresses[0], addresses[1], "one subnet each");
    assert_nothing_left_behind();
}

/// The state of the one emulated host up now (the run's own).
fn the_host_state() -> serde_json::Value {
    let hosts: Vec<_> = std::fs::read_dir("/var/lib/migbench/hosts")
        .expect("hosts")
        .flatten()
        .collect();
    assert_eq!(hosts.len(), 1, "one emulated host up");
    let text = std::fs::read_to_string(hosts[0].path().join("state.json")).expect("state.json");
    serde_json::from_str(&text).expect("state parses")
}

/// Bytes this machine has sent into `link`.
fn tx_bytes(link: &str) -> u64 {
    std::fs::read_to_string(format!("/sys/class/net/{link}/statistics/tx_bytes"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0)
}

/// Waits until a checkpoint is crossing the host's link: `bytes` more
/// than when this was called have gone into it.
fn wait_for_a_transfer_in_flight(link: &str, bytes: u64) {
    let baseline = tx_bytes(link);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while tx_bytes(link) < baseline + bytes {
        assert!(
            std::time::Instant::now() < deadline,
            "no transfer crossed {link}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Waits until ops.csv has a failed transfer row.
fn wait_for_a_failed_transfer(run: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !ops(run)
        .iter()
        .any(|r| r.phase == Phase::Transfer && r.outcome == Outcome::Failed)
    {
        assert!(std::time::Instant::now() < deadline, "no failed transfer");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// What must hold after a transfer fault: exit 4, every failed transfer
/// rolled back to the source where it continued, the migrations after the
/// fault verified, nothing lost, nothing left behind. Returns the failed
/// transfer rows.
fn assert_rolled_back_and_went_on(
    output: &std::process::Output,
    run: &Path,
    containers: usize,
) -> Vec<migbench::record::OpRecord> {
    assert_eq!(
        output.status.code(),
        Some(4),
        "failures present: {}\n{}",
        stdout(output),
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = ops(run);
    let failed: Vec<_> = rows
        .iter()
        .filter(|r| r.phase == Phase::Transfer && r.outcome == Outcome::Failed)
        .cloned()
        .collect();
    assert!(!failed.is_empty());
    for transfer in &failed {
        let verify = common::op(&rows, Phase::Verify, transfer.index);
        assert_eq!(verify.outcome, Outcome::RolledBack, "{verify:?}");
    }
    let last_failure_ms = failed.iter().map(|r| r.end_ms).fold(0.0, f64::max);
    assert!(
        rows.iter().any(|r| r.phase == Phase::Transfer
            && r.outcome == Outcome::Ok
            && r.start_ms > last_failure_ms
            && common::op(&rows, Phase::Verify, r.index).outcome == Outcome::Ok),
        "a migration after the fault went through: {rows:#?}"
    );
    let summary = common::summary(run);
    assert_eq!(summary["verification"]["lost"], 0);
    assert_eq!(
        summary["verification"]["continued"]
            .as_u64()
            .expect("continued")
            + summary["verification"]["rolled_back"]
                .as_u64()
                .expect("rolled back"),
        containers as u64
    );
    assert_nothing_left_behind();
    failed
}

/// Containers of a fault run: the fault meets one migration, the others go on.
const FAULT_CONTAINERS: usize = 4;

/// Starts a pipeline run, one migration at a time, of 16 MiB containers onto
/// a host behind a 20 Mbit/s link (a checkpoint takes ~7 s to cross), with
/// `extra` scenario sections; returns it once its first restore is recorded,
/// with its run directory.
fn start_fault_run(
    dir: &Path,
    name: &str,
    extra: &str,
) -> (std::process::Child, std::path::PathBuf) {
    let file = scenario(
        dir,
        name,
        &format!(
            "name = \"{name}\"\ncontainers = {FAULT_CONTAINERS}\nwarmup_s = 1\ntimeout_s = 120\n\
             mode = \"pipeline\"\nconcurrency = 1\n\
             [workload]\nmemory_mib = 16\nlog_interval_ms = 200\n\
             [target]\nemulate = {{ memory = \"1GiB\", network = {{ bandwidth = \"20mbit\" }} }}\n\
             {extra}"
        ),
    );
    let results = dir.join("results");
    let child = common::spawn_run(&file, &results);
    let run = common::wait_for_rows(&results, "restore", 1);
    (child, run)
}

#[test]
fn a_link_that_goes_down_mid_transfer_fails_that_transfer_naming_the_link() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, run) = start_fault_run(
        dir.path(),
        "linkdown",
        "[source]\nengine = \"podman\"\n[transfer]\nstall_s = 3\n",
    );
    let network = the_host_state()["network"].clone();
    let (netns, host_link, root_link) = (
        network["netns"].as_str().expect("netns").to_string(),
        network["host_link"]
            .as_str()
            .expect("host link")
            .to_string(),
        network["root_link"]
            .as_str()
            .expect("root link")
            .to_string(),
    );
    wait_for_a_transfer_in_flight(&root_link, 2_000_000);
    let link = |state: &str| {
        let out = command(
            "ip",
            &[
                "netns", "exec", &netns, "ip", "link", "set", &host_link, state,
            ],
        );
        assert!(out.status.success(), "link {state}: {out:?}");
    };
    link("down");
    wait_for_a_failed_transfer(&run);
    link("up");
    let output = common::finish(child);
    let failed = assert_rolled_back_and_went_on(&output, &run, FAULT_CONTAINERS);
    for transfer in &failed {
        assert!(
            transfer.error.contains("the upload stalled")
                && transfer
                    .error
                    .contains(&format!("({root_link}, 20mbit) is down")),
            "{}",
            transfer.error
        );
        let restore = common::op(&ops(&run), Phase::Restore, transfer.index).clone();
        assert_eq!(restore.outcome, Outcome::Failed, "{restore:?}");
    }
}

#[test]
fn an_ssh_connection_that_drops_mid_stream_fails_that_transfer_and_it_rolls_back() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let (child, run) = start_fault_run(dir.path(), "sshdrop", "[transfer]\nmode = \"ssh\"\n");
    let state = the_host_state();
    let root_link = state["network"]["root_link"]
        .as_str()
        .expect("root link")
        .to_string();
    let sshd = state["sshd"]["process"]["pid"].as_u64().expect("sshd pid") as i32;
    wait_for_a_transfer_in_flight(&root_link, 2_000_000);
    // The host's side of the connection goes: the sessions its sshd forked.
    let sessions = children_of(sshd);
    assert!(
        !sessions.is_empty(),
        "an ssh session carries the checkpoint"
    );
    for session in sessions {
        // SAFETY: kill(2) on a session of the emulated host's sshd.
        unsafe { libc::kill(session, libc::SIGKILL) };
    }
    wait_for_a_failed_transfer(&run);
    let output = common::finish(child);
    let failed = assert_rolled_back_and_went_on(&output, &run, FAULT_CONTAINERS);
    assert!(failed[0].error.contains("over SSH"), "{}", failed[0].error);
}

/// The processes whose parent is `pid`.
fn children_of(pid: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|stat| {
                    let after = stat.rsplit_once(')')?.1;
                    after.split_whitespace().nth(1)?.parse::<i32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

#[test]
fn a_host_up_waiting_for_the_subnet_claim_says_so_and_who_holds_it() {
    use std::os::fd::AsRawFd;
    let _engine = common::engine_lock();
    std::fs::create_dir_all("/run/migbench").expect("run dir");
    let claim = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/run/migbench/subnet.lock")
        .expect("the claim's file");
    // SAFETY: flock(2) on a file this test holds open.
    assert_eq!(unsafe { libc::flock(claim.as_raw_fd(), libc::LOCK_EX) }, 0);
    claim.set_len(0).expect("truncate");
    std::io::Write::write_all(&mut &claim, b"424242").expect("holder");
    let child = common::migbench_command()
        .args([
            "host",
            "up",
            "snwait",
            "--memory",
            "256MiB",
            "--bandwidth",
            "10mbit",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("host up");
    std::thread::sleep(std::time::Duration::from_secs(2));
    drop(claim);
    let output = child.wait_with_output().expect("waits");
    migbench()
        .args(["host", "down", "snwait"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("waiting for the subnet claim")
            && stderr.contains("migbench pid 424242 is bringing a host up"),
        "{stderr}"
    );
    assert!(
        stderr.contains("took the subnet claim after waiting"),
        "{stderr}"
    );
    assert_nothing_left_behind();
}
