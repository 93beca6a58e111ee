//! Scenario parsing, defaults and every validation error.

use super::*;
use crate::engine::{EngineKind, Strategy};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(Path::new("test.toml"), text, &[])
}

fn error_of(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn minimal_scenario_gets_documented_defaults() {
    let s = parse("name = \"x\"\ncontainers = 5\n").expect("valid");
    assert_eq!(s.containers, 5);
    assert_eq!(s.warmup, Duration::from_secs(2));
    assert_eq!(s.op_timeout, Duration::from_secs(120));
    assert_eq!(s.checkpoint.concurrency, 1);
    assert_eq!(s.checkpoint.pause, Duration::ZERO);
    assert_eq!(s.restore.concurrency, 1);
    assert_eq!(s.workload_memory_mib, 0);
    assert_eq!(s.log_interval, Duration::from_millis(1000));
    assert_eq!(s.source_endpoint, EngineKind::Docker.default_endpoint());
    assert_eq!(
        s.targets[0].spec,
        TargetSpec::Endpoint(EngineKind::Docker.default_endpoint().into())
    );
    assert_eq!(s.transfer_mode, TransferMode::Copy);
    assert_eq!(
        s.checkpoint_dir,
        PathBuf::from("/var/lib/migbench/checkpoints")
    );
    assert_eq!(s.sample_interval, Duration::from_millis(200));
    assert_eq!(s.guard_policy, GuardPolicy::Stop);
    assert_eq!(s.host_min_available_mib, 512);
    assert_eq!(s.collapse, CollapseRules::default());
}

#[test]
fn full_scenario_parses() {
    let s = parse(
        r#"
name = "lab-400"
containers = 400
warmup_s = 5
timeout_s = 30
[checkpoint]
concurrency = 2
pause_ms = 2000
[restore]
concurrency = 4
pause_ms = 1000
[workload]
memory_mib = 16
log_interval_ms = 500
[source]
endpoint = "unix:///var/run/docker.sock"
[target]
emulate = { memory = "2GiB", swap = "1536MiB", cpus = 4 }
[transfer]
mode = "shared-dir"
checkpoint_dir = "/srv/nfs"
[sampler]
interval_ms = 100
[collapse]
knee_factor = 3.5
knee_baseline = 20
knee_consecutive = 5
psi_memory_full_pct = 15.0
swap_share_pct = 80.0
sampler_lag_ms = 1000
[guard]
policy = "observe"
host_min_available_mib = 256
"#,
    )
    .expect("valid");
    assert_eq!(s.restore.concurrency, 4);
    assert_eq!(s.checkpoint.pause, Duration::from_secs(2));
    assert_eq!(s.transfer_mode, TransferMode::SharedDir);
    assert_eq!(s.guard_policy, GuardPolicy::Observe);
    match s.targets[0].spec.clone() {
        TargetSpec::Emulated(b) => {
            assert_eq!(b.memory.as_u64(), 2 << 30);
            assert_eq!(b.swap.as_u64(), 1536 << 20);
            assert_eq!(b.cpus, Some(4.0));
        }
        other => panic!("expected an emulated target, got {other:?}"),
    }
    assert_eq!(s.collapse.knee_baseline.get(), 20);
}

#[test]
fn top_level_concurrency_applies_to_both_phases_unless_a_phase_sets_its_own() {
    let s = parse("name = \"x\"\ncontainers = 1\nconcurrency = 4\n[restore]\nconcurrency = 2\n")
        .expect("valid");
    assert_eq!(s.checkpoint.concurrency, 4);
    assert_eq!(s.restore.concurrency, 2);
}

#[test]
fn malformed_toml_names_file_line_and_column() {
    let e = error_of("name = \"x\"\ncontainers = = 3\n");
    assert!(e.contains("test.toml"), "{e}");
    assert!(e.contains("line 2"), "{e}");
    assert!(e.contains("column"), "{e}");
}

#[test]
fn unknown_key_is_rejected_with_the_known_ones() {
    let e = error_of("name = \"x\"\ncontainers = 3\ncontainer_count = 4\n");
    assert!(e.contains("unknown field `container_count`"), "{e}");
    assert!(e.contains("line 3"), "{e}");
    assert!(e.contains("`containers`"), "{e}");
}

#[test]
fn unknown_key_in_a_section_is_rejected() {
    let e = error_of("name = \"x\"\ncontainers = 3\n[restore]\nparallel = 2\n");
    assert!(e.contains("unknown field `parallel`"), "{e}");
    assert!(e.contains("line 4"), "{e}");
}

#[test]
fn zero_containers_gives_the_allowed_range() {
    let e = error_of("name = \"x\"\ncontainers = 0\n");
    assert!(e.contains("line 2"), "{e}");
    assert!(e.contains("containers"), "{e}");
    assert!(e.contains("from 1 to 10000, got 0"), "{e}");
}

#[test]
fn every_range_is_checked() {
    let cases = [
        ("containers = 10001", "from 1 to 10000"),
        ("containers = -1", "got -1"),
        ("warmup_s = 3601", "from 0 to 3600"),
        ("timeout_s = 0", "from 1 to 3600"),
        ("[checkpoint]\nconcurrency = 0", "from 1 to 256"),
        ("[restore]\nconcurrency = 257", "from 1 to 256"),
        ("[restore]\npause_ms = 600001", "from 0 to 600000"),
        ("[workload]\nmemory_mib = 65537", "from 0 to 65536"),
        ("[workload]\nlog_interval_ms = 5", "from 10 to 60000"),
        ("[sampler]\ninterval_ms = 1", "from 20 to 60000"),
        ("[collapse]\nknee_factor = 1.0", "above 1"),
        ("[collapse]\nknee_baseline = 2", "from 3 to 1000"),
        ("[collapse]\npsi_memory_full_pct = 101.0", "from 0 to 100"),
        ("[collapse]\nswap_share_pct = -5.0", "from 0 to 100"),
        ("[guard]\npolicy = \"panic\"", "unknown variant `panic`"),
        ("[transfer]\nmode = \"nfs\"", "unknown variant `nfs`"),
    ];
    for (snippet, expected) in cases {
        let text = if snippet.starts_with('[') {
            format!("name = \"x\"\ncontainers = 3\n{snippet}\n")
        } else {
            format!(
                "name = \"x\"\n{}\n{snippet}\n",
                if snippet.starts_with("containers") {
                    ""
                } else {
                    "containers = 3"
                }
            )
        };
        let e = error_of(&text);
        assert!(e.contains(expected), "{snippet}: {e}");
        assert!(e.contains("line"), "{snippet}: {e}");
    }
}

#[test]
fn bad_names_are_rejected() {
    for name in ["", "a b", "../x", "x/y", &"n".repeat(65)] {
        let e = error_of(&format!("name = \"{name}\"\ncontainers = 1\n"));
        assert!(e.contains("letters, digits"), "{name}: {e}");
    }
}

#[test]
fn missing_required_fields_are_named() {
    assert!(error_of("containers = 3\n").contains("missing field `name`"));
    assert!(error_of("name = \"x\"\n").contains("missing field `containers`"));
}

#[test]
fn cross_field_errors_name_the_field() {
    let e = error_of(
        "name = \"x\"\ncontainers = 1\n[target]\nendpoint = \"unix:///a\"\nemulate = { memory = \"1GiB\" }\n",
    );
    assert!(e.contains("either 'endpoint' or 'emulate'"), "{e}");
    let e = error_of("name = \"x\"\ncontainers = 1\n[source]\nendpoint = \"docker.sock\"\n");
    assert!(
        e.contains("source.endpoint") && e.contains("'docker.sock'"),
        "{e}"
    );
    let e = error_of("name = \"x\"\ncontainers = 1\n[transfer]\ncheckpoint_dir = \"rel/dir\"\n");
    assert!(
        e.contains("transfer.checkpoint_dir") && e.contains("absolute"),
        "{e}"
    );
    let e = error_of("name = \"x\"\ncontainers = 1\n[target]\nemulate = { memory = \"1MiB\" }\n");
    assert!(e.contains("field target.emulate: memory: "), "{e}");
    let e = error_of(
        "name = \"x\"\ncontainers = 1\n[target]\nemulate = { memory = \"1GiB\", cpus = 0 }\n",
    );
    assert!(e.contains("field target.emulate: cpus: "), "{e}");
}

#[test]
fn overrides_apply_and_are_recorded() {
    let base = "name = \"x\"\ncontainers = 3\n[checkpoint]\npause_ms = 2000\n";
    let overrides = vec![
        "checkpoint.pause_ms=0".to_string(),
        "restore.concurrency=4".to_string(),
        "containers=7".to_string(),
        "target.emulate={ memory = \"1GiB\", swap = \"1GiB\" }".to_string(),
    ];
    let s = Scenario::parse(Path::new("t.toml"), base, &overrides).expect("valid");
    assert_eq!(s.checkpoint.pause, Duration::ZERO);
    assert_eq!(s.restore.concurrency, 4);
    assert_eq!(s.containers, 7);
    assert!(matches!(s.targets[0].spec, TargetSpec::Emulated(_)));
    assert!(
        s.source_text.contains("#   --set 'restore.concurrency=4'"),
        "{}",
        s.source_text
    );
}

#[test]
fn bad_overrides_name_the_assignment() {
    let base = "name = \"x\"\ncontainers = 3\n";
    let bad = |o: &str| {
        Scenario::parse(Path::new("t.toml"), base, &[o.to_string()])
            .expect_err("invalid override")
            .to_string()
    };
    assert!(bad("containers").contains("expected key=value"));
    assert!(bad("containers=0").contains("'containers=0'"));
    assert!(bad("containers=0").contains("from 1 to 10000"));
    assert!(bad("restore.paralel=2").contains("unknown field `paralel`"));
    assert!(bad("name.x=1").contains("'name' is not a table"));
}

#[test]
fn recorded_scenarios_round_trip_with_their_overrides() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = "name = \"x\"\ncontainers = 3\n";
    let s = Scenario::parse(Path::new("t.toml"), base, &["containers=9".into()]).expect("valid");
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, &s.source_text).expect("write");
    let again = Scenario::load_recorded(&path).expect("recorded scenario parses");
    assert_eq!(again.containers, 9);
}

#[test]
fn shipped_scenarios_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let points = load_grid(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
            assert!(!points.is_empty());
            count += 1;
        }
    }
    assert!(count >= 5, "expected smoke, 10, 100, 300, 400");
}

#[test]
fn a_podman_source_gets_podman_s_endpoint_and_the_target_its_engine() {
    let s = parse("name = \"x\"\ncontainers = 1\n[source]\nengine = \"podman\"\n").expect("valid");
    assert_eq!(
        (s.source_engine, s.target_engine),
        (EngineKind::Podman, EngineKind::Podman)
    );
    assert_eq!(s.source_endpoint, EngineKind::Podman.default_endpoint());
    assert_eq!(
        s.targets[0].endpoint(),
        Some(EngineKind::Podman.default_endpoint())
    );
    let overridden = Scenario::parse(
        Path::new("test.toml"),
        "name = \"x\"\ncontainers = 1\n",
        &["source.engine=podman".into()],
    )
    .expect("valid");
    assert_eq!(overridden.target_engine, EngineKind::Podman);
}

#[test]
fn engines_of_different_kinds_are_refused() {
    let e = error_of("name = \"x\"\ncontainers = 1\n[source]\nengine = \"docker\"\n[target]\nengine = \"podman\"\n");
    assert!(e.contains("engines of different kinds"), "{e}");
    let e = error_of("name = \"x\"\ncontainers = 1\n[source]\nengine = \"lxd\"\n");
    assert!(e.contains("engine"), "{e}");
}

#[test]
fn target_metrics_default_to_the_sampler_cadence_and_are_written_out() {
    let remote = "name = \"x\"\ncontainers = 1\n[target]\nendpoint = \"tcp://10.0.0.2:2375\"\n\
                  metrics = \"http://10.0.0.2:9100/metrics\"\n";
    let s = parse(remote).expect("valid");
    let metrics = s.targets[0].metrics.as_ref().expect("metrics");
    assert_eq!(metrics.url, "http://10.0.0.2:9100/metrics");
    assert_eq!(
        metrics.interval,
        Duration::from_secs(1),
        "200 ms sampler, 1 s floor"
    );
    assert!(
        s.source_text.contains("metrics_interval_ms = 1000"),
        "{}",
        s.source_text
    );
    let again = parse(&s.source_text).expect("the effective scenario parses");
    assert_eq!(again.targets[0].metrics, s.targets[0].metrics);
    let slow = parse(&format!("{remote}metrics_interval_ms = 250\n")).expect("valid");
    let interval = slow.targets[0].metrics.as_ref().map(|m| m.interval);
    assert_eq!(interval, Some(Duration::from_millis(250)));
    assert_eq!(
        parse("name = \"x\"\ncontainers = 1\n")
            .expect("valid")
            .targets[0]
            .metrics,
        None
    );
}

#[test]
fn target_metrics_are_refused_where_they_cannot_apply() {
    let e = error_of("name = \"x\"\ncontainers = 1\n[target]\nmetrics_interval_ms = 500\n");
    assert!(e.contains("'metrics_interval_ms' needs 'metrics'"), "{e}");
    let e = error_of(
        "name = \"x\"\ncontainers = 1\n[target]\nmetrics = \"http://h:9100/metrics\"\n\
         emulate = { memory = \"1GiB\" }\n",
    );
    assert!(e.contains("drop 'metrics' or 'emulate'"), "{e}");
    let e = error_of("name = \"x\"\ncontainers = 1\n[target]\nmetrics = \"h:9100\"\n");
    assert!(
        e.contains("field target.metrics") && e.contains("'h:9100'"),
        "{e}"
    );
    // Emulating the target from the command line drops the remote target's metrics.
    let base = "name = \"x\"\ncontainers = 1\n[target]\nendpoint = \"tcp://h:2375\"\n\
                metrics = \"http://h:9100/metrics\"\nmetrics_interval_ms = 500\n";
    let set = ["target.emulate={ memory = \"1GiB\" }".to_string()];
    let s = Scenario::parse(Path::new("t.toml"), base, &set).expect("valid");
    assert!(matches!(s.targets[0].spec, TargetSpec::Emulated(_)));
    assert_eq!(s.targets[0].metrics, None);
}

#[test]
fn lazy_strategies_are_runc_s_and_a_runc_target_is_on_this_machine() {
    let runc =
        parse("name = \"x\"\ncontainers = 1\nstrategy = \"lazy\"\n[source]\nengine = \"runc\"\n")
            .expect("valid");
    assert_eq!(runc.strategy, Strategy::Lazy);
    assert_eq!(runc.source_endpoint, "runc:///var/lib/migbench/runc");
    let docker = error_of("name = \"x\"\ncontainers = 1\nstrategy = \"lazy\"\n");
    assert!(
        docker.contains("needs engine \"runc\"") && docker.contains("docker"),
        "{docker}"
    );
    let unknown = error_of("name = \"x\"\ncontainers = 1\nstrategy = \"pre-copy\"\n");
    assert!(
        unknown.contains("post-copy"),
        "names the known strategies: {unknown}"
    );
    let remote = error_of(
        "name = \"x\"\ncontainers = 1\n[source]\nengine = \"runc\"\n[transfer]\nmode = \"ssh\"\n\
         [target]\nendpoint = \"runc:///var/lib/x\"\nssh = \"root@lab2\"\n",
    );
    assert!(
        remote.contains("runc target runs on this machine"),
        "{remote}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sweep.toml");
    let text = "name = \"x\"\ncontainers = 1\nstrategy = [\"stop-and-copy\", \"lazy\"]\n\
                [source]\nengine = \"runc\"\n";
    std::fs::write(&path, text).expect("write");
    let points = load_grid(&path, &[]).expect("a grid");
    let strategies: Vec<Strategy> = points.iter().map(|p| p.strategy).collect();
    assert_eq!(
        strategies,
        [Strategy::StopAndCopy, Strategy::Lazy],
        "a sweep axis"
    );
}
