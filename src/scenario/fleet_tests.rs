//! Fleets: `[[targets]]` parsed, resolved and refused entry by entry;
//! `[target]` as a fleet of one; `[placement]`; `--set targets.NAME...`.

use super::*;
use crate::scenario::TARGET_NAME;
use std::path::Path;

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(Path::new("fleet.toml"), text, &[])
}

fn with(text: &str, overrides: &[&str]) -> Result<Scenario, ScenarioError> {
    let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
    Scenario::parse(Path::new("fleet.toml"), text, &overrides)
}

fn error_of(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = "name = \"f\"\ncontainers = 30\n[source]\nengine = \"runc\"\n";

/// `[[targets]]` entries, each `name = "N"` and then its own lines.
fn fleet(entries: &[(&str, &str)]) -> String {
    let mut text = HEAD.to_string();
    for (name, body) in entries {
        text.push_str(&format!("[[targets]]\nname = \"{name}\"\n{body}\n"));
    }
    text
}

const SMALL: &str = "emulate = { memory = \"512MiB\", swap = \"256MiB\", cpus = 1 }";

fn three() -> String {
    fleet(&[("a", SMALL), ("b", SMALL), ("c", SMALL)])
}

fn memory_of(target: &FleetTarget) -> Option<u64> {
    match &target.spec {
        TargetSpec::Emulated(budget) => Some(budget.memory.as_u64()),
        TargetSpec::Endpoint(_) => None,
    }
}

#[test]
fn three_targets_parse_in_order_with_their_names() {
    let text = format!("{}[placement]\npolicy = \"projection\"\n", three());
    let s = parse(&text).expect("valid");
    assert!(s.is_fleet());
    let names: Vec<&str> = s.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(s.targets.iter().all(|t| memory_of(t) == Some(512 << 20)));
    assert_eq!(s.placement, PlacementPolicy::Projection);
    assert_eq!(s.targets[1].key(), "targets.b");
    // An entry with neither endpoint nor emulate gets the source's endpoint.
    let s = parse(&fleet(&[("a", SMALL), ("local", "")])).expect("valid");
    assert_eq!(s.targets[1].endpoint(), Some(s.source_endpoint.as_str()));
    assert_eq!(s.placement, PlacementPolicy::RoundRobin, "the default");
}

#[test]
fn the_one_target_of_target_is_a_fleet_of_one_named_target() {
    let one = parse(&format!("{HEAD}[target]\n{SMALL}\n")).expect("valid");
    assert!(!one.is_fleet());
    assert_eq!(one.targets.len(), 1);
    assert_eq!(one.targets[0].name, TARGET_NAME);
    assert_eq!(one.targets[0].key(), "target");
    // The same target as one [[targets]] entry: the same but for its name.
    let entry = parse(&fleet(&[("a", SMALL)])).expect("valid");
    assert!(!entry.is_fleet());
    let mut renamed = entry.targets[0].clone();
    renamed.name = TARGET_NAME.to_string();
    assert_eq!(renamed, one.targets[0]);
    assert_eq!(entry.targets[0].key(), "targets.a");
}

#[test]
fn the_effective_fleet_reads_back_the_same() {
    let text = fleet(&[
        ("a", SMALL),
        ("b", "endpoint = \"runc:///var/lib/b\""),
        ("c", ""),
    ]);
    let s = parse(&format!("{text}[placement]\npolicy = \"most-free\"\n")).expect("valid");
    assert!(!s.source_text.contains("[target]"), "{}", s.source_text);
    let again = parse(&s.source_text).unwrap_or_else(|e| panic!("{e}\n{}", s.source_text));
    assert_eq!(again.targets, s.targets);
    assert_eq!(again.placement, PlacementPolicy::MostFree);
    assert_eq!(again.source_text, s.source_text);
}

#[test]
fn entry_names_are_short_unique_and_required() {
    let e = error_of(&fleet(&[("a", SMALL), ("b", SMALL), ("a", SMALL)]));
    assert!(
        e.contains(
            "[[targets]] entries 1 and 3 are both named 'a': each target needs a name of its own"
        ),
        "{e}"
    );
    for bad in ["B", "a_b", "", &"x".repeat(21)] {
        let e = error_of(&fleet(&[("a", SMALL), (bad, SMALL)]));
        assert!(
            e.contains("must be 1 to 20 lowercase letters, digits or '-'") && e.contains("line 9"),
            "{bad}: {e}"
        );
    }
    let e = error_of(&fleet(&[(TARGET_NAME, SMALL)]));
    assert!(e.contains("must not be 'target'"), "{e}");
    let e = error_of(&format!("{HEAD}[[targets]]\n{SMALL}\n"));
    assert!(e.contains("[[targets]] entry 1 has no 'name'"), "{e}");
    let e = error_of(&format!("{HEAD}[target]\nname = \"a\"\n"));
    assert!(e.contains("[target] name: the one target"), "{e}");
}

#[test]
fn target_and_targets_together_are_refused() {
    let e = error_of(&format!("{}[target]\n{SMALL}\n", three()));
    assert!(
        e.contains("[target] and [[targets]] both give targets: use [target] for one target, or [[targets]]"),
        "{e}"
    );
}

#[test]
fn each_entry_is_checked_by_the_rules_of_target_naming_it() {
    let both = "endpoint = \"runc:///var/lib/b\"\nemulate = { memory = \"1GiB\" }";
    let e = error_of(&fleet(&[("a", SMALL), ("b", both)]));
    assert!(
        e.contains("[[targets]] 'b': give either 'endpoint' or 'emulate', not both"),
        "{e}"
    );
    let e = error_of(&fleet(&[("a", SMALL), ("b", "engine = \"docker\"")]));
    assert!(
        e.contains("[source] engine 'runc' and [[targets]] 'b' engine 'docker'"),
        "{e}"
    );
    let metrics = format!("{SMALL}\nmetrics = \"http://h:9100/metrics\"");
    let e = error_of(&fleet(&[("a", &metrics)]));
    assert!(
        e.contains("[[targets]] 'a': 'metrics' is for a target on another machine"),
        "{e}"
    );
    let e = error_of(&fleet(&[("a", SMALL), ("b", "ssh = \"root@h\"")]));
    assert!(
        e.contains("[[targets]] 'b' ssh is used only with [transfer] mode = \"ssh\""),
        "{e}"
    );
}

#[test]
fn a_fleet_refuses_a_soak() {
    let e = error_of(&format!("rounds = 3\n{}", three()));
    assert!(
        e.contains("rounds = 3: a soak goes back and forth between the source and one target, and [[targets]] gives 3 ('a', 'b', 'c'): use rounds = 1"),
        "{e}"
    );
    // A fleet of one may soak.
    let one = format!("rounds = 3\n{}", fleet(&[("a", SMALL)]));
    assert_eq!(parse(&one).expect("valid").rounds, 3);
}

#[test]
fn placement_is_a_policy_and_nothing_else() {
    let e = error_of(&format!("{HEAD}[placement]\npolicy = \"random\"\n"));
    assert!(e.contains("unknown variant `random`"), "{e}");
    let e = error_of(&format!("{HEAD}[placement]\nweights = 1\n"));
    assert!(e.contains("unknown field `weights`"), "{e}");
}

#[test]
fn set_addresses_one_entry_by_its_name() {
    let s = with(&three(), &["targets.b.emulate.memory=1GiB"]).expect("valid");
    let memory: Vec<Option<u64>> = s.targets.iter().map(memory_of).collect();
    assert_eq!(memory, [Some(512 << 20), Some(1 << 30), Some(512 << 20)]);
    assert!(
        s.source_text
            .contains("#   --set 'targets.b.emulate.memory=1GiB'"),
        "{}",
        s.source_text
    );
    let again = parse(&s.source_text).expect("the effective scenario parses");
    assert_eq!(again.targets, s.targets);
    // One way of giving an entry replaces the other, in that entry only.
    let s = with(&three(), &["targets.c.endpoint=runc:///var/lib/c"]).expect("valid");
    assert_eq!(s.targets[2].endpoint(), Some("runc:///var/lib/c"));
    assert!(s.targets[..2].iter().all(|t| memory_of(t).is_some()));
    let local = fleet(&[("a", SMALL), ("b", "endpoint = \"runc:///var/lib/b\"")]);
    let s = with(&local, &["targets.b.emulate.memory=1GiB"]).expect("valid");
    assert_eq!(memory_of(&s.targets[1]), Some(1 << 30));
}

#[test]
fn set_refuses_an_entry_that_is_not_there() {
    let e = with(&three(), &["targets.x.emulate.memory=1GiB"])
        .expect_err("no entry x")
        .to_string();
    assert!(
        e.contains("--set 'targets.x.emulate.memory=1GiB'")
            && e.contains("[[targets]] has no entry named 'x'; its entries are 'a', 'b', 'c'"),
        "{e}"
    );
    let e = with(HEAD, &["targets.a.endpoint=runc:///var/lib/a"])
        .expect_err("no [[targets]]")
        .to_string();
    assert!(
        e.contains("the scenario has no [[targets]]: its one target is [target]"),
        "{e}"
    );
    let e = with(&three(), &["targets.a={ endpoint = \"runc:///x\" }"])
        .expect_err("a whole entry")
        .to_string();
    assert!(e.contains("set one of its fields"), "{e}");
    // A [target] given besides [[targets]] from the command line is refused too.
    let e = with(&three(), &["target.emulate.memory=1GiB"])
        .expect_err("both")
        .to_string();
    assert!(
        e.contains("[target] and [[targets]] both give targets"),
        "{e}"
    );
}

#[test]
fn set_and_sweep_the_placement_policy() {
    let s = with(&three(), &["placement.policy=most-free"]).expect("valid");
    assert_eq!(s.placement, PlacementPolicy::MostFree);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fleet.toml");
    let text = format!(
        "{}[placement]\npolicy = [\"round-robin\", \"most-free\", \"projection\"]\n",
        three()
    );
    std::fs::write(&path, text).expect("write");
    let points = load_grid(&path, &[]).expect("a grid");
    let policies: Vec<PlacementPolicy> = points.iter().map(|p| p.placement).collect();
    assert_eq!(
        policies,
        [
            PlacementPolicy::RoundRobin,
            PlacementPolicy::MostFree,
            PlacementPolicy::Projection
        ]
    );
    let names: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["f-round-robin", "f-most-free", "f-projection"]);
    assert!(points.iter().all(|p| p.targets.len() == 3));
}

#[test]
fn each_target_has_its_own_ssh() {
    let remote = |host: &str| {
        format!(
            "endpoint = \"ssh://root@{host}/var/run/docker.sock\"\nssh = \"root@{host}\"\n\
             ssh_identity = \"/keys/{host}\""
        )
    };
    let text = format!(
        "name = \"f\"\ncontainers = 4\n[transfer]\nmode = \"ssh\"\n{}",
        fleet(&[("a", &remote("h1")), ("b", &remote("h2"))]).replace(HEAD, "")
    );
    let s = parse(&text).expect("valid");
    let ssh: Vec<(String, Option<&Path>)> = s
        .targets
        .iter()
        .map(|t| {
            let destination = t.ssh.as_ref().map(ToString::to_string);
            (destination.unwrap_or_default(), t.ssh_identity.as_deref())
        })
        .collect();
    assert_eq!(
        ssh,
        [
            ("root@h1".to_string(), Some(Path::new("/keys/h1"))),
            ("root@h2".to_string(), Some(Path::new("/keys/h2")))
        ]
    );
    assert_eq!(s.ssh, SshSettings::default(), "the source's own");
    let e = error_of(&text.replace("ssh = \"root@h2\"\n", ""));
    assert!(
        e.contains("[[targets]] 'b' ssh is required with [transfer] mode = \"ssh\""),
        "{e}"
    );
}
