//! Dotted keys into a scenario's TOML table (`checkpoint.pause_ms`): get,
//! set and remove, shared by `--set` overrides and sweeps; and which keys a
//! sweep may give as lists. A `[[targets]]` entry is addressed by its name
//! (`targets.b.emulate.memory`).

use super::fleet::listed;
use crate::quote::quote;

/// Fields that may be lists, and the short tag each adds to a point's name.
pub const SWEEPABLE: &[(&str, &str)] = &[
    ("mode", ""),
    ("strategy", ""),
    ("containers", "n"),
    ("concurrency", "c"),
    ("checkpoint.concurrency", "cc"),
    ("restore.concurrency", "rc"),
    ("checkpoint.pause_ms", "cp"),
    ("restore.pause_ms", "rp"),
    ("workload.memory_mib", "mem"),
    ("target.emulate.network.bandwidth", "bw"),
    ("placement.policy", ""),
];

/// The array of tables whose entries keys address by name.
const FLEET: &str = "targets";

/// Whether `key` may be a list.
pub fn is_sweepable(key: &str) -> bool {
    SWEEPABLE.iter().any(|(k, _)| *k == key)
}

pub fn get<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let first = table.get(parts.next()?)?;
    parts.try_fold(first, |value, part| value.as_table()?.get(part))
}

/// The lists of a table: (key, tag, values).
pub fn axes(table: &toml::Table) -> Vec<(&'static str, &'static str, &[toml::Value])> {
    SWEEPABLE
        .iter()
        .filter_map(|(key, tag)| match get(table, key)? {
            toml::Value::Array(values) => Some((*key, *tag, values.as_slice())),
            _ => None,
        })
        .collect()
}

/// The table with each list replaced by its first value.
pub fn first_point(table: &toml::Table) -> toml::Table {
    let mut point = table.clone();
    for (key, _, values) in axes(table) {
        if let Some(first) = values.first() {
            // Every key set here was read from the table: its parents are tables.
            let _ = set(&mut point, key, first.clone());
        }
    }
    point
}

/// The table `key`'s fields are in, and those fields: `targets.NAME...`
/// addresses the `[[targets]]` entry named NAME, any other key `table` itself.
fn entry_mut<'t, 'k>(
    table: &'t mut toml::Table,
    key: &'k str,
) -> Result<(&'t mut toml::Table, Vec<&'k str>), String> {
    let parts: Vec<&str> = key.split('.').collect();
    let [FLEET, name, fields @ ..] = parts.as_slice() else {
        return Ok((table, parts));
    };
    let Some(entries) = table.get_mut(FLEET).and_then(toml::Value::as_array_mut) else {
        return Err(format!(
            "{} addresses a [[targets]] entry, and the scenario has no [[targets]]: \
             its one target is [target] (target.FIELD=...)",
            quote(key)
        ));
    };
    let Some(index) = entries.iter().position(|e| name_of(e) == Some(name)) else {
        let names: Vec<&str> = entries.iter().filter_map(name_of).collect();
        return Err(format!(
            "{}: [[targets]] has no entry named {}; its entries are {}",
            quote(key),
            quote(name),
            listed(&names)
        ));
    };
    if fields.is_empty() {
        return Err(format!(
            "{} is a whole [[targets]] entry: set one of its fields, e.g. {}",
            quote(key),
            quote(&format!("{key}.endpoint=..."))
        ));
    }
    let entry = entries[index]
        .as_table_mut()
        .ok_or_else(|| format!("{} is not a table", quote(&format!("{FLEET}.{name}"))))?;
    Ok((entry, fields.to_vec()))
}

/// A `[[targets]]` entry's name.
fn name_of(entry: &toml::Value) -> Option<&str> {
    entry.get("name").and_then(toml::Value::as_str)
}

/// Sets `key` (dotted) to `value`, creating the tables on the way.
pub fn set(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    if key.split('.').any(str::is_empty) {
        return Err(format!(
            "{} is not a key: use dotted names like checkpoint.pause_ms",
            quote(key)
        ));
    }
    let (table, parts) = entry_mut(table, key)?;
    let (last, parents) = parts.split_last().ok_or("empty key")?;
    let mut current = table;
    for part in parents {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry.as_table_mut().ok_or_else(|| {
            format!(
                "{} is not a table, so {} cannot be set",
                quote(part),
                quote(key)
            )
        })?;
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// Removes `key` (dotted) if it is there.
pub fn remove(table: &mut toml::Table, key: &str) {
    let Ok((mut current, mut parts)) = entry_mut(table, key) else {
        return;
    };
    let Some(last) = parts.pop() else { return };
    for part in parts {
        let Some(next) = current.get_mut(part).and_then(toml::Value::as_table_mut) else {
            return;
        };
        current = next;
    }
    current.remove(last);
}
