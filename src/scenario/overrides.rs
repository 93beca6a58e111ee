//! `--set key=value` overrides: dotted keys into the scenario's TOML table.
//!
//! An override wins over anything the file says, at any level: setting a
//! shorthand clears the fields it stands for (`concurrency` clears
//! `checkpoint.concurrency` and `restore.concurrency`), setting one way of
//! giving the target clears the other (`target.endpoint` drops
//! `target.emulate`, and `target.emulate...` drops `target.endpoint` and
//! `target.metrics`; the same for a `[[targets]]` entry, `targets.b.endpoint`),
//! and a table value (`checkpoint={ pause_ms = 0 }`) replaces the whole table.
//! Overrides apply in order, so a later one wins over an earlier one.
//! Each assignment is checked as soon as it is applied, so an error names it.

use super::excerpt;
use super::file::ScenarioFile;
use super::scenario_error::ScenarioError;
use super::table_keys::{first_point, is_sweepable, remove, set};
use serde::Deserialize;
use std::path::Path;

/// Fields cleared when a key is set: the shorthand's long forms, the other
/// way of giving the same target (`target`'s, or a `[[targets]]` entry's).
fn shadowed(key: &str) -> Vec<String> {
    if key == "concurrency" {
        return vec![
            "checkpoint.concurrency".into(),
            "restore.concurrency".into(),
        ];
    }
    let (target, field) = match key.split_once('.') {
        Some(("target", field)) => ("target".to_string(), field),
        Some(("targets", rest)) => match rest.split_once('.') {
            Some((name, field)) => (format!("targets.{name}"), field),
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let cleared: &[&str] = match field {
        "endpoint" => &["emulate"],
        // An emulated host is read through its cgroup, not a remote exporter.
        _ if field == "emulate" || field.starts_with("emulate.") => {
            &["endpoint", "metrics", "metrics_interval_ms"]
        }
        _ => &[],
    };
    cleared.iter().map(|f| format!("{target}.{f}")).collect()
}

/// Applies `assignments` to `table` (the file, already checked), in order.
pub fn apply(
    path: &Path,
    mut table: toml::Table,
    assignments: &[String],
) -> Result<toml::Table, ScenarioError> {
    for assignment in assignments {
        let error = |message: String| ScenarioError::Override {
            path: path.to_path_buf(),
            assignment: assignment.clone(),
            message,
        };
        let (key, raw_value) = assignment
            .split_once('=')
            .ok_or_else(|| error("expected key=value, e.g. restore.pause_ms=0".into()))?;
        let key = key.trim();
        let value = parse_value(raw_value.trim());
        set(&mut table, key, value.clone()).map_err(error)?;
        for long_form in shadowed(key) {
            remove(&mut table, &long_form);
        }
        check(&table, key, &value).map_err(error)?;
    }
    Ok(table)
}

/// Checks the table with this assignment: every value of a sweep list it
/// sets, against the first point of any other list.
fn check(table: &toml::Table, key: &str, value: &toml::Value) -> Result<(), String> {
    let values = match value {
        toml::Value::Array(values) if is_sweepable(key) => {
            if values.is_empty() {
                return Err(format!("{key}: a sweep list needs at least one value"));
            }
            values.clone()
        }
        other => vec![other.clone()],
    };
    for value in values {
        let mut point = first_point(table);
        // The key exists: `set` just put it there.
        let _ = set(&mut point, key, value);
        ScenarioFile::deserialize(toml::Value::Table(point))
            .map_err(|e| excerpt::toml_error("", &e))?;
    }
    Ok(())
}

/// A TOML value (`3`, `true`, `"x"`, `{ memory = "1GiB" }`), else a bare string.
fn parse_value(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("value = {raw}")) {
        // More than one key: the "value" held a newline and more TOML; take it as text.
        Ok(mut table) if table.len() == 1 => table
            .remove("value")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        _ => toml::Value::String(raw.to_string()),
    }
}
