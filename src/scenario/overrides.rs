//! `--set key=value` overrides: dotted keys into the scenario's TOML table.
//! Each assignment is checked as soon as it is applied, so an error names it.

use super::{ScenarioError, ScenarioFile};
use serde::Deserialize;
use std::path::Path;

/// Applies `assignments` to the scenario `text` (already known to parse).
pub fn apply(
    path: &Path,
    text: &str,
    assignments: &[String],
) -> Result<ScenarioFile, ScenarioError> {
    let error = |assignment: &str, message: String| ScenarioError::Override {
        path: path.to_path_buf(),
        assignment: assignment.to_string(),
        message,
    };
    let mut table: toml::Table = toml::from_str(text).map_err(|e| ScenarioError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut file = None;
    for assignment in assignments {
        let (key, raw_value) = assignment.split_once('=').ok_or_else(|| {
            error(
                assignment,
                "expected key=value, e.g. restore.pause_ms=0".into(),
            )
        })?;
        set(&mut table, key.trim(), parse_value(raw_value.trim()))
            .map_err(|message| error(assignment, message))?;
        let parsed = ScenarioFile::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| error(assignment, e.message().trim().to_string()))?;
        file = Some(parsed);
    }
    file.ok_or_else(|| error("", "no assignment given".into()))
}

/// A TOML value (`3`, `true`, `"x"`, `{ memory = "1GiB" }`), else a bare string.
fn parse_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("value = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("value"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

fn set(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if key.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "'{key}' is not a key: use dotted names like checkpoint.pause_ms"
        ));
    }
    let (last, parents) = parts.split_last().ok_or("empty key")?;
    let mut current = table;
    for part in parents {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry
            .as_table_mut()
            .ok_or_else(|| format!("'{part}' is not a table, so '{key}' cannot be set"))?;
    }
    current.insert(last.to_string(), value);
    Ok(())
}
