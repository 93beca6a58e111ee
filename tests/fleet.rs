//! Evacuating onto a fleet, on real runc and CRIU with emulated runc hosts:
//! every placement policy places on every target, with per-target records,
//! charts and verdicts that `report` rebuilds; a target that collapses takes
//! nothing more while another keeps receiving; SIGINT mid-evacuation tears
//! down every target; and a fleet beyond this machine is refused up front.

mod common;

use common::{ops, run_dir, scenario, summary};
use migbench::record::{read_rows, OpRecord, Outcome, Phase, SampleRow, SAMPLES_CSV};
use std::path::{Path, PathBuf};

/// A pipeline run of `containers` x 16 MiB on runc, onto `targets` (TOML).
fn fleet_scenario(dir: &Path, name: &str, containers: usize, extra: &str) -> PathBuf {
    scenario(
        dir,
        name,
        &format!(
            "name = \"{name}\"\ncontainers = {containers}\nwarmup_s = 1\nmode = \"pipeline\"\n\
             concurrency = 1\n{extra}\n[source]\nengine = \"runc\"\n\
             [workload]\nmemory_mib = 16\nlog_interval_ms = 200\n"
        ),
    )
}

fn run_dirs(results: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(results)
        .expect("results")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("ops.csv").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn samples(run: &Path) -> Vec<SampleRow> {
    read_rows::<SampleRow>(&run.join(SAMPLES_CSV))
        .expect("samples.csv")
        .rows
}

fn restores_on<'a>(rows: &'a [OpRecord], target: &str) -> Vec<&'a OpRecord> {
    rows.iter()
        .filter(|r| r.phase == Phase::Restore && r.outcome == Outcome::Ok && r.target == target)
        .collect()
}

fn assert_nothing_left_behind() {
    common::assert_nothing_left_behind();
    let bundles: Vec<_> = std::fs::read_dir("/var/lib/migbench/runc/containers")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(bundles.is_empty(), "runc bundles left: {bundles:?}");
}

#[test]
fn every_policy_places_on_every_target_and_report_rebuilds_each_verdict() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = fleet_scenario(
        dir.path(),
        "fleetpol",
        4,
        "[placement]\npolicy = [\"round-robin\", \"most-free\", \"projection\"]\n\
         [[targets]]\nname = \"a\"\nemulate = { memory = \"256MiB\", swap = \"0\" }\n\
         [[targets]]\nname = \"b\"\nemulate = { memory = \"256MiB\", swap = \"0\" }\n",
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
    let runs = run_dirs(&results);
    assert_eq!(runs.len(), 3, "one run per policy: {runs:?}");
    for run in &runs {
        let rows = ops(run);
        assert_eq!(common::verified(&rows), 4, "{}", run.display());
        for target in ["a", "b"] {
            assert!(
                !restores_on(&rows, target).is_empty(),
                "{}: nothing placed on {target}",
                run.display()
            );
        }
        // One sample row per target per tick, each with its own count.
        let samples = samples(run);
        let last = |target: &str| {
            samples
                .iter()
                .rev()
                .find(|s| s.target == target)
                .map(|s| s.migrated)
        };
        assert_eq!(
            last("a").unwrap_or(0) + last("b").unwrap_or(0),
            4,
            "{}",
            run.display()
        );
        let live = summary(run);
        let fleet = &live["fleet"];
        assert_eq!(
            fleet["targets"].as_array().map(Vec::len),
            Some(2),
            "{fleet}"
        );
        assert_eq!(fleet["placed"], 4, "{fleet}");
        let policy = fleet["policy"].as_str().unwrap_or_default().to_string();
        assert!(
            ["round-robin", "most-free", "projection"].contains(&policy.as_str()),
            "{fleet}"
        );
        for chart in [
            "fleet_timeline.png",
            "fleet_placed.png",
            "fleet_timeline.svg",
        ] {
            let path = run.join("charts").join(chart);
            assert!(
                std::fs::metadata(&path).is_ok_and(|m| m.len() > 0),
                "{} not drawn",
                path.display()
            );
        }
        let report = std::fs::read_to_string(run.join("report.md")).expect("report.md");
        assert!(report.contains("## Fleet"), "{report}");
        std::fs::remove_file(run.join("summary.json")).expect("summary.json");
        let report = common::migbench()
            .arg("report")
            .arg(run)
            .output()
            .expect("report runs");
        assert!(report.status.code().is_some(), "{report:?}");
        let rebuilt = summary(run);
        for (live, rebuilt) in fleet["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .zip(rebuilt["fleet"]["targets"].as_array().into_iter().flatten())
        {
            assert_eq!(live["name"], rebuilt["name"]);
            assert_eq!(live["placed"], rebuilt["placed"]);
            assert_eq!(live["collapse"], rebuilt["collapse"], "same verdict");
        }
    }
    assert_nothing_left_behind();
}

/// Target a's swap budget fills fast (swap share 25 %); under `stop` the
/// guard closes it, and b takes every later container.
#[test]
fn a_collapsed_target_takes_nothing_more_while_another_keeps_receiving() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = fleet_scenario(
        dir.path(),
        "fleetclose",
        14,
        "[collapse]\nswap_share_pct = 25\n\
         [[targets]]\nname = \"a\"\nemulate = { memory = \"64MiB\", swap = \"128MiB\" }\n\
         [[targets]]\nname = \"b\"\nemulate = { memory = \"512MiB\", swap = \"0\" }\n",
    );
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    let run = run_dir(&results);
    let live = summary(&run);
    let fleet = &live["fleet"];
    let a = &fleet["targets"][0];
    let closed_ms = a["collapse"]["point"]["t_ms"]
        .as_f64()
        .or_else(|| a["hard_failure"]["t_ms"].as_f64())
        .unwrap_or_else(|| {
            panic!(
                "a never collapsed: {fleet}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let rows = ops(&run);
    // With one migration in flight, at most the restore under way when the
    // guard closed a may still start on it... none after.
    let late_on_a = rows
        .iter()
        .filter(|r| r.phase == Phase::Restore && r.target == "a" && r.start_ms > closed_ms)
        .count();
    assert_eq!(late_on_a, 0, "a took a restore after it collapsed");
    let later_on_b = restores_on(&rows, "b")
        .iter()
        .filter(|r| r.start_ms > closed_ms)
        .count();
    assert!(later_on_b > 0, "b kept receiving: {fleet}");
    assert!(
        fleet["targets"][1]["collapse"]["point"].is_null(),
        "{fleet}"
    );
    assert_eq!(live["ending"], "finished", "{live}");
    // a's containers stayed there and were checked.
    let on_a = restores_on(&rows, "a").len();
    assert_eq!(a["placed"].as_u64(), Some(on_a as u64), "{a}");
    assert_nothing_left_behind();
}

#[test]
fn sigint_mid_evacuation_tears_down_every_target() {
    let _engine = common::engine_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = fleet_scenario(
        dir.path(),
        "fleetint",
        30,
        "[[targets]]\nname = \"a\"\nemulate = { memory = \"512MiB\", swap = \"64MiB\" }\n\
         [[targets]]\nname = \"b\"\nemulate = { memory = \"512MiB\", swap = \"64MiB\" }\n\
         [[targets]]\nname = \"c\"\nemulate = { memory = \"512MiB\", swap = \"64MiB\" }\n",
    );
    let results = dir.path().join("results");
    let child = common::spawn_run(&file, &results);
    let run = common::wait_for_rows(&results, "restore", 3);
    common::signal(&child, libc::SIGINT);
    let output = common::finish(child);
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = ops(&run);
    assert!(rows
        .iter()
        .any(|r| r.phase == Phase::Restore && r.outcome.is_ok()));
    assert_eq!(summary(&run)["ending"], "interrupted");
    assert_nothing_left_behind();
}

#[test]
fn a_fleet_beyond_this_machine_is_refused_before_anything_is_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    // Each alone fits in RAM; the three together do not.
    let each_mib = system.total_memory() / 2 / (1 << 20);
    let targets: String = ["a", "b", "c"]
        .iter()
        .map(|name| {
            format!(
                "[[targets]]\nname = \"{name}\"\nemulate = {{ memory = \"{each_mib}MiB\", swap = \"0\" }}\n"
            )
        })
        .collect();
    let file = fleet_scenario(dir.path(), "fleetbig", 3, &targets);
    let results = dir.path().join("results");
    let output = common::run_scenario(&file, &results);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for name in ["'a'", "'b'", "'c'"] {
        assert!(stderr.contains(name), "names every target: {stderr}");
    }
    assert!(
        !results.exists() || run_dirs(&results).is_empty(),
        "nothing created"
    );
}
