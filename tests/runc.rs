//! runc as the engine, real runc and real CRIU, no daemon: a smoke run
//! locally with CRIU's statistics in every checkpoint and restore row, a
//! lazy run onto an emulated runc host behind a link, its checkpoints
//! streamed over SSH (the degraded period recorded), a
//! checkpoint CRIU refuses as a recorded failure with CRIU's log,
//! post-copy refused before anything is created, and nothing left behind
//! (bundles, runc state, output readers, lazy-pages daemons, cgroups).

mod common;

use common::{finish, migbench, ops, run_dir, scenario, spawn_run, summary, wait_for_rows};
use migbench::record::{OpRecord, Outcome, Phase};
use std::path::Path;

const DATA: &str = "/var/lib/migbench/runc";

/// Containers (bundles) and runc state the machine's runc engine still holds.
fn runc_leftovers() -> Vec<String> {
    let bundles = std::fs::read_dir(Path::new(DATA).join("containers"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_else(|_| Vec::new());
    let state = std::fs::read_dir(Path::new(DATA).join("state"))
        .map(|d| {
            d.flatten()
                .map(|e| format!("state: {}", e.file_name().to_string_lossy()))
                .collect()
        })
        .unwrap_or_else(|_| Vec::new());
    [bundles, state].concat()
}

/// Processes writing into a runc engine's bundles (output readers) or
/// serving its pages (lazy-pages daemons), here or on an emulated host.
fn runc_processes() -> Vec<String> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let out = std::fs::read_link(e.path().join("fd/1")).ok();
                    let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
                    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                    let ours = out.is_some_and(|o| {
                        let o = o.to_string_lossy();
                        o.starts_with(DATA) || o.starts_with("/var/lib/migbench/hosts/")
                    }) || cmdline.starts_with("criu lazy-pages");
                    ours.then_some(cmdline)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn assert_nothing_left_behind() {
    common::assert_nothing_left_behind();
    assert_eq!(
        runc_leftovers(),
        Vec::<String>::new(),
        "runc containers left"
    );
    assert_eq!(
        runc_processes(),
        Vec::<String>::new(),
        "readers or daemons left"
    );
}

/// Every successful checkpoint and restore row carries CRIU's statistics.
fn assert_criu_columns_filled(rows: &[OpRecord]) {
    for row in rows.iter().filter(|r| r.outcome.is_ok()) {
        match row.phase {
            Phase::Checkpoint => {
                assert!(row.criu_ms.is_some_and(|ms| ms > 0.0), "{row:?}");
                assert!(row.criu_pages_written.is_some_and(|p| p > 0), "{row:?}");
                assert!(row
                    .runtime_ms
                    .is_some_and(|ms| ms >= row.criu_ms.unwrap_or(0.0)));
            }
            Phase::Restore => {
                assert!(row.criu_ms.is_some_and(|ms| ms > 0.0), "{row:?}");
                assert!(row
                    .runtime_ms
                    .is_some_and(|ms| ms >= row.criu_ms.unwrap_or(0.0)));
            }
            _ => assert_eq!(row.criu_ms, None),
        }
    }
}

/// Runs 3 containers on runc with `extra` scenario lines; returns the run's rows
/// and summary after checking the counters continued and nothing was left.
fn smoke(name: &str, extra: &str) -> (Vec<OpRecord>, serde_json::Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        name,
        &format!(
            "name = \"{name}\"\ncontainers = 3\nwarmup_s = 1\nmode = \"pipeline\"\n{extra}\n\
             [source]\nengine = \"runc\"\n[workload]\nmemory_mib = 16\nlog_interval_ms = 200\n"
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
    assert_eq!(common::verified(&rows), 3, "counters continue");
    assert_criu_columns_filled(&rows);
    let summary = summary(&run);
    assert_nothing_left_behind();
    (rows, summary)
}

#[test]
fn smoke_on_runc_locally_keeps_counters_and_criu_s_timings() {
    let _engine = common::engine_lock();
    let (rows, summary) = smoke("runclocal", "");
    assert!(rows.iter().all(|r| r.lazy_last_page_ms.is_none()));
    // Each clone's bundle was written before its checkpoint.
    for restore in rows.iter().filter(|r| r.phase == Phase::Restore) {
        assert!(restore.prepared_ms.is_some(), "{restore:?}");
    }
    let split = summary["criu_split"].as_array().expect("criu_split");
    assert_eq!(split.len(), 2, "checkpoint and restore: {split:?}");
    assert_eq!(
        summary["environment"]["source"]["kind"], "runc",
        "{}",
        summary["environment"]
    );
}

#[test]
fn smoke_to_an_emulated_runc_host_stages_each_checkpoint_in_its_data_root() {
    let _engine = common::engine_lock();
    let (rows, summary) = smoke(
        "runcemu",
        "[target]\nemulate = { memory = \"256MiB\", swap = \"0\" }",
    );
    // The transfer phase copied each image directory into the host's data
    // root, before its restore.
    for transfer in rows.iter().filter(|r| r.phase == Phase::Transfer) {
        let restore = common::op(&rows, Phase::Restore, transfer.index);
        assert_eq!(transfer.outcome, Outcome::Ok, "{transfer:?}");
        assert!(transfer.bytes.is_some_and(|b| b > 16 << 20), "{transfer:?}");
        assert!(transfer.end_ms <= restore.start_ms);
    }
    // The clones ran inside the host's budget: its cgroup grew by about
    // their 16 MiB each.
    let per_container = summary["projection"]["footprint"]["bytes_per_container"]
        .as_f64()
        .unwrap_or(0.0);
    assert!(per_container > 12e6, "{}", summary["projection"]);
    assert!(
        summary["peaks"]["target_memory_bytes"]
            .as_u64()
            .is_some_and(|b| b > 3 * (12 << 20)),
        "{}",
        summary["peaks"]
    );
}

#[test]
fn a_lazy_restore_onto_a_runc_host_behind_a_link_records_its_degraded_period() {
    let _engine = common::engine_lock();
    let (rows, summary) = smoke(
        "runclazy",
        "strategy = \"lazy\"\n[transfer]\nmode = \"ssh\"\n[target]\n\
         emulate = { memory = \"256MiB\", swap = \"0\", network = { bandwidth = \"1gbit\" } }",
    );
    // Each checkpoint crossed the host's link over SSH inside its restore:
    // a transfer row within each restore row.
    for transfer in rows.iter().filter(|r| r.phase == Phase::Transfer) {
        let restore = common::op(&rows, Phase::Restore, transfer.index);
        assert_eq!(transfer.outcome, Outcome::Ok, "{transfer:?}");
        assert!(
            transfer.bytes.is_some_and(|b| b > 16 << 20),
            "the pages crossed: {transfer:?}"
        );
        assert!(transfer.start_ms >= restore.start_ms && transfer.end_ms <= restore.end_ms);
    }
    for restore in rows.iter().filter(|r| r.phase == Phase::Restore) {
        let running = restore.runtime_ms.expect("running again");
        let last_page = restore.lazy_last_page_ms.expect("last page in");
        assert!(last_page >= running, "{restore:?}");
        // 16 MiB is 4096 pages, nearly all of them served lazily.
        assert!(restore.lazy_pages.is_some_and(|p| p > 3000), "{restore:?}");
    }
    let lazy = &summary["lazy_restores"];
    assert_eq!(lazy["count"], 3, "{lazy}");
    assert!(lazy["degraded"]["p50_ms"].as_f64().is_some(), "{lazy}");
}

#[test]
fn a_checkpoint_criu_refuses_on_runc_is_recorded_with_criu_s_log() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "runcbad",
        "name = \"runcbad\"\ncontainers = 2\nwarmup_s = 4\n[source]\nengine = \"runc\"\n\
         [workload]\nlog_interval_ms = 200\n",
    );
    let results = dir.path().join("results");
    let child = spawn_run(&file, &results);
    let run = wait_for_rows(&results, "launch", 2);
    let victim = format!(
        "mb-{}-0001",
        run.file_name().expect("name").to_string_lossy()
    );
    // The workload answers SIGUSR1 by holding an established TCP connection,
    // which CRIU refuses to dump without --tcp-established.
    let killed = std::process::Command::new("runc")
        .args(["--root", &format!("{DATA}/state"), "kill", &victim, "USR1"])
        .status()
        .expect("runc kill");
    assert!(killed.success());
    let output = finish(child);
    assert_eq!(
        output.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let rows = ops(&run);
    let failed = common::op(&rows, Phase::Checkpoint, 1);
    assert_eq!(failed.outcome, Outcome::Failed);
    assert!(
        failed.error.contains("[CRIU: inet: Connected TCP socket"),
        "{}",
        failed.error
    );
    let log_name = format!("criu/{}-checkpoint.log", failed.container);
    let log = std::fs::read_to_string(run.join(&log_name)).expect("CRIU's dump log kept");
    assert!(log.contains("Connected TCP socket"), "{log}");
    assert_eq!(common::verified(&rows), 1, "the other migrated");
    assert_nothing_left_behind();
}

#[test]
fn post_copy_is_refused_before_anything_is_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(
        dir.path(),
        "runcpc",
        "name = \"runcpc\"\ncontainers = 1\nstrategy = \"post-copy\"\n[source]\nengine = \"runc\"\n",
    );
    let results = dir.path().join("results");
    let output = migbench()
        .arg("run")
        .arg(&file)
        .arg("--results")
        .arg(&results)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    // The reason is what CRIU did in the probe on this machine.
    assert!(
        stderr.contains("post-copy") && stderr.contains("probe:"),
        "{stderr}"
    );
    assert!(!results.exists(), "no run directory for a refused run");
}
