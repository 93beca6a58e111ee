//! `--set` wins over the file at every level, and the recorded scenario holds
//! the effective values: every field with a shorthand or an inherited default.

use super::*;
use std::path::Path;
use std::time::Duration;

fn with(text: &str, overrides: &[&str]) -> Scenario {
    let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
    Scenario::parse(Path::new("t.toml"), text, &overrides).unwrap_or_else(|e| panic!("{e}"))
}

fn grid(text: &str, overrides: &[&str]) -> Result<Vec<Scenario>, ScenarioError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).expect("write");
    let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
    load_grid(&path, &overrides)
}

/// The recorded text read back as a run directory's scenario.toml.
fn recorded(s: &Scenario) -> Scenario {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, &s.source_text).expect("write");
    Scenario::load_recorded(&path).unwrap_or_else(|e| panic!("{e}\n{}", s.source_text))
}

const PHASES_AT_1: &str =
    "name = \"x\"\ncontainers = 3\n[checkpoint]\nconcurrency = 1\n[restore]\nconcurrency = 1\n";

#[test]
fn the_concurrency_shorthand_wins_over_the_phases_own_values() {
    let s = with(PHASES_AT_1, &["concurrency=4"]);
    assert_eq!((s.checkpoint.concurrency, s.restore.concurrency), (4, 4));
    assert!(
        s.source_text
            .contains("[checkpoint]\nconcurrency = 4\npause_ms = 0\n\n[restore]\nconcurrency = 4"),
        "{}",
        s.source_text
    );
    let again = recorded(&s);
    assert_eq!(
        (again.checkpoint.concurrency, again.restore.concurrency),
        (4, 4)
    );
}

#[test]
fn a_phase_override_leaves_the_other_phase_to_the_shorthand() {
    let s = with(
        "name = \"x\"\ncontainers = 3\nconcurrency = 3\n",
        &["restore.concurrency=2"],
    );
    assert_eq!((s.checkpoint.concurrency, s.restore.concurrency), (3, 2));
    // A later override wins over an earlier one.
    let s = with(PHASES_AT_1, &["concurrency=4", "restore.concurrency=2"]);
    assert_eq!((s.checkpoint.concurrency, s.restore.concurrency), (4, 2));
    let s = with(PHASES_AT_1, &["restore.concurrency=2", "concurrency=4"]);
    assert_eq!((s.checkpoint.concurrency, s.restore.concurrency), (4, 4));
}

#[test]
fn the_target_endpoint_defaults_to_the_source_endpoint() {
    let s = with(
        "name = \"x\"\ncontainers = 3\n",
        &["source.endpoint=tcp://10.0.0.2:2375"],
    );
    assert_eq!(s.source_endpoint, "tcp://10.0.0.2:2375");
    assert_eq!(s.targets[0].endpoint(), Some("tcp://10.0.0.2:2375"));
    assert!(
        s.source_text
            .contains("[target]\nendpoint = \"tcp://10.0.0.2:2375\""),
        "{}",
        s.source_text
    );
    assert_eq!(
        recorded(&s).targets[0].endpoint(),
        Some("tcp://10.0.0.2:2375")
    );
    // An explicit target stays.
    let s = with(
        "name = \"x\"\ncontainers = 3\n[target]\nendpoint = \"unix:///t.sock\"\n",
        &["source.endpoint=tcp://10.0.0.2:2375"],
    );
    assert_eq!(s.targets[0].endpoint(), Some("unix:///t.sock"));
}

#[test]
fn one_way_of_giving_the_target_replaces_the_other() {
    let emulated = "name = \"x\"\ncontainers = 3\n[target]\nemulate = { memory = \"1GiB\" }\n";
    let s = with(emulated, &["target.endpoint=unix:///t.sock"]);
    assert_eq!(
        s.targets[0].spec,
        TargetSpec::Endpoint("unix:///t.sock".into())
    );
    let running = "name = \"x\"\ncontainers = 3\n[target]\nendpoint = \"unix:///t.sock\"\n";
    let s = with(
        running,
        &["target.emulate={ memory = \"2GiB\", swap = \"1GiB\" }"],
    );
    assert!(
        matches!(s.targets[0].spec, TargetSpec::Emulated(ref b) if b.memory.as_u64() == 2 << 30)
    );
    let s = with(running, &["target.emulate.memory=2GiB"]);
    assert!(matches!(s.targets[0].spec, TargetSpec::Emulated(_)));
    // One field of an emulated budget: the others stay.
    let s = with(
        "name = \"x\"\ncontainers = 3\n[target]\nemulate = { memory = \"1GiB\", cpus = 4 }\n",
        &["target.emulate.cpus=2"],
    );
    match &s.targets[0].spec {
        TargetSpec::Emulated(b) => assert_eq!((b.memory.as_u64(), b.cpus), (1 << 30, Some(2.0))),
        other => panic!("{other:?}"),
    }
    let again = recorded(&s);
    assert_eq!(again.targets[0].spec, s.targets[0].spec);
}

#[test]
fn an_override_of_a_swept_field_replaces_its_list() {
    let sweep = "name = \"s\"\ncontainers = [10, 100]\n[restore]\nconcurrency = [1, 2, 4]\n";
    let points = grid(sweep, &["containers=5"]).expect("grid");
    assert_eq!(points.len(), 3);
    assert!(points.iter().all(|p| p.containers == 5));
    assert_eq!(points[0].name, "s-rc1");
    let points = grid(sweep, &["concurrency=8"]).expect("grid");
    assert_eq!(
        points.len(),
        2,
        "the restore list is cleared by the shorthand"
    );
    assert!(points.iter().all(|p| p.restore.concurrency == 8));
    // A list given on the command line is a sweep of its own.
    let points = grid("name = \"s\"\ncontainers = 3\n", &["containers=[1, 2]"]).expect("grid");
    assert_eq!(
        points.iter().map(|p| p.containers).collect::<Vec<_>>(),
        [1, 2]
    );
    let e = grid("name = \"s\"\ncontainers = 3\n", &["containers=[1, 0]"])
        .expect_err("0 is out of range")
        .to_string();
    assert!(
        e.contains("--set 'containers=[1, 0]'") && e.contains("got 0"),
        "{e}"
    );
}

#[test]
fn sweep_points_record_their_effective_values() {
    let points = grid(
        PHASES_AT_1
            .replace("containers = 3", "containers = [3, 4]")
            .as_str(),
        &["concurrency=2"],
    )
    .expect("grid");
    assert_eq!(points.len(), 2);
    let text = &points[1].source_text;
    assert!(text.starts_with("# sweep point 2 of 2 from '"), "{text}");
    assert!(text.contains("#   --set 'concurrency=2'\n"), "{text}");
    assert!(text.contains("containers = 4\n"), "{text}");
    let again = recorded(&points[1]);
    assert_eq!((again.containers, again.restore.concurrency), (4, 2));
}

#[test]
fn recorded_overrides_are_comments_that_cannot_break_out() {
    // A multi-line TOML string: valid, and its newline must stay inside the comment.
    let s = with(PHASES_AT_1, &["name=\"\"\"\nlab\"\"\""]);
    assert_eq!(s.name, "lab");
    let header: Vec<&str> = s
        .source_text
        .lines()
        .take_while(|l| !l.starts_with("name"))
        .collect();
    assert!(
        header.iter().all(|l| l.starts_with('#')),
        "{}",
        s.source_text
    );
    assert_eq!(recorded(&s).name, "lab");
}

#[test]
fn run_directories_of_older_versions_still_read_with_their_overrides() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs");
    let s = Scenario::load_recorded(&fixtures.join("complete/scenario.toml")).expect("old format");
    assert_eq!(s.checkpoint.pause, Duration::ZERO);
    assert_eq!(s.warmup, Duration::from_secs(1));
    let s =
        Scenario::load_recorded(&fixtures.join("collapsed/scenario.toml")).expect("no overrides");
    assert_eq!(s.containers, 40);
}

#[test]
fn every_shipped_scenario_reads_back_from_its_record_unchanged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for entry in std::fs::read_dir(&dir).expect("scenarios/") {
        let path = entry.expect("entry").path();
        let points = load_grid(&path, &["source.endpoint=tcp://10.0.0.2:2375".into()])
            .unwrap_or_else(|e| panic!("{e}"));
        for point in points {
            let again = recorded(&point);
            let without_text = |s: &Scenario| {
                let mut s = s.clone();
                s.source_text.clear();
                format!("{s:?}")
            };
            assert_eq!(
                without_text(&again),
                without_text(&point),
                "{}",
                path.display()
            );
        }
    }
}
