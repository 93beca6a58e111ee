//! Hostile and impossible scenarios: every one is refused with a short message
//! naming the file and the field, whatever the size of what it holds.

use super::*;
use std::path::Path;

/// The longest error any scenario may produce.
const MAX_ERROR_BYTES: usize = 2048;

fn refused(text: &str, overrides: &[String]) -> String {
    let e = Scenario::parse(Path::new("hostile.toml"), text, overrides)
        .expect_err("must be refused")
        .to_string();
    assert!(e.len() < MAX_ERROR_BYTES, "{} bytes: {:.500}", e.len(), e);
    assert!(e.contains("'hostile.toml'"), "{e}");
    e
}

fn huge() -> String {
    "x".repeat(10 << 20)
}

#[test]
fn a_ten_megabyte_name_gives_a_short_message_with_line_column_and_field() {
    let e = refused(&format!("containers = 1\nname = \"{}\"\n", huge()), &[]);
    assert!(e.contains("line 2, column 8, field name"), "{e}");
    assert!(e.contains("(10485760 characters)"), "{e}");
}

#[test]
fn huge_strings_in_any_field_give_short_messages_naming_the_field() {
    let h = huge();
    let cases = [
        (
            format!("[source]\nendpoint = \"unix:///{h}\""),
            "source.endpoint",
        ),
        (format!("[target]\nendpoint = \"{h}\""), "target.endpoint"),
        (
            format!("[transfer]\ncheckpoint_dir = \"/{h}\""),
            "transfer.checkpoint_dir",
        ),
        (format!("[transfer]\nmode = \"{h}\""), "transfer.mode"),
        (format!("[guard]\npolicy = \"{h}\""), "guard.policy"),
        (format!("warmup_s = \"{h}\""), "warmup_s"),
        (
            format!("[target]\nemulate = {{ memory = \"{h}\" }}"),
            "target.emulate",
        ),
        (format!("{h} = 1"), "unknown field"),
        (format!("[{h}]"), "unknown field"),
        (format!("# {h}\nwarmup_s = -1"), "line 4"),
    ];
    for (snippet, field) in cases {
        let e = refused(&format!("name = \"x\"\ncontainers = 1\n{snippet}\n"), &[]);
        assert!(e.contains(field), "{field}: {e}");
    }
}

#[test]
fn huge_override_values_give_short_messages() {
    let base = "name = \"x\"\ncontainers = 1\n";
    let h = "y".repeat(128 << 10);
    for assignment in [
        format!("name={h}"),
        format!("source.endpoint=unix:///{h}"),
        format!("transfer.checkpoint_dir=/{h}"),
        format!("{h}=1"),
        h.clone(),
        format!("name.{h}=1"),
    ] {
        let e = refused(base, &[assignment]);
        assert!(e.starts_with("invalid override --set '"), "{e}");
    }
}

#[test]
fn impossible_numbers_are_refused() {
    let cases = [
        (
            "[target]\nemulate = { memory = \"1GiB\", cpus = nan }",
            "field target.emulate: cpus: ",
        ),
        (
            "[target]\nemulate = { memory = \"1GiB\", cpus = inf }",
            "field target.emulate: cpus: ",
        ),
        (
            "[target]\nemulate = { memory = \"0\" }",
            "field target.emulate: memory: ",
        ),
        (
            "[target]\nemulate = { memory = \"16EiB\", swap = \"16EiB\" }",
            "field target.emulate: memory + swap: ",
        ),
        (
            "[target]\nemulate = { memory = \"99999999999999999999EiB\" }",
            "target.emulate",
        ),
        ("[collapse]\nknee_factor = nan", "knee_factor"),
        (
            "[collapse]\npsi_memory_full_pct = inf",
            "psi_memory_full_pct",
        ),
        ("warmup_s = 99999999999999999999", "line 3"),
        ("warmup_s = 1e400", "warmup_s"),
    ];
    for (snippet, field) in cases {
        let e = refused(&format!("name = \"x\"\ncontainers = 1\n{snippet}\n"), &[]);
        assert!(e.contains(field), "{snippet}: {e}");
    }
}

#[test]
fn deeply_nested_toml_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let arrays = format!("a = {}{}", "[".repeat(depth), "]".repeat(depth));
    let tables = format!("a = {}{}", "{ b = ".repeat(depth), "}".repeat(depth));
    let dotted = format!("{} = 1", vec!["a"; depth].join("."));
    let headers = format!("[{}]", vec!["a"; depth].join("."));
    for text in [arrays, tables, dotted, headers] {
        refused(&format!("name = \"x\"\ncontainers = 1\n{text}\n"), &[]);
    }
}

#[test]
fn files_that_are_not_scenario_text_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let load = |path: &Path| {
        Scenario::load(path, &[])
            .expect_err("must be refused")
            .to_string()
    };
    assert!(load(dir.path()).contains("is a directory"));
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, b"name = \"x\"\ncontainers = \xff\n").expect("write");
    let e = load(&binary);
    assert!(
        e.contains("not UTF-8") && e.contains("line 2, column 14"),
        "{e}"
    );
    assert!(load(Path::new("/dev/zero")).contains("not a regular file"));
    let long_path = dir.path().join("n".repeat(100_000));
    assert!(load(&long_path).len() < 400);
}

#[test]
fn a_huge_dense_file_is_refused_before_it_is_parsed() {
    let keys: String = (0..1_000_000).map(|i| format!("k{i} = 1\n")).collect();
    let e = refused(&format!("name = \"x\"\ncontainers = 1\n{keys}"), &[]);
    assert!(
        e.contains("more than 20000 keys, values and tables by line 20001"),
        "{e}"
    );
    let list = vec!["1"; 2_000_000].join(",");
    let e = refused(&format!("name = \"x\"\ncontainers = [{list}]\n"), &[]);
    assert!(e.contains("by line 2"), "{e}");
}

#[test]
fn a_huge_fleet_gives_short_messages() {
    let mut text = String::from("name = \"x\"\ncontainers = 1\n");
    for i in 0..3000 {
        text.push_str(&format!("[[targets]]\nname = \"t{i}\"\n"));
    }
    let h = "y".repeat(128 << 10);
    let e = refused(&text, &[format!("targets.{h}.endpoint=unix:///x")]);
    assert!(e.contains("'t9', and 2990 more"), "{e}");
    let e = refused(&format!("rounds = 2\n{text}"), &[]);
    assert!(e.contains("gives 3000 ('t0', "), "{e}");
    text.push_str("[[targets]]\nname = \"t7\"\n");
    let e = refused(&text, &[]);
    assert!(e.contains("entries 8 and 3001 are both named 't7'"), "{e}");
}
