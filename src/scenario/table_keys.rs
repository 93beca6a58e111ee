//! Dotted keys into a scenario's TOML table (`checkpoint.pause_ms`): get,
//! set and remove, shared by `--set` overrides and sweeps; and which keys a
//! sweep may give as lists.

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
];

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

/// Sets `key` (dotted) to `value`, creating the tables on the way.
pub fn set(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "{} is not a key: use dotted names like checkpoint.pause_ms",
            quote(key)
        ));
    }
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
    let mut parts: Vec<&str> = key.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut current = table;
    for part in parts {
        let Some(next) = current.get_mut(part).and_then(toml::Value::as_table_mut) else {
            return;
        };
        current = next;
    }
    current.remove(last);
}
