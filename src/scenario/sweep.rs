//! Sweeps: a scenario may give lists for some fields (e.g.
//! `containers = [10, 100, 300, 400]`, `[restore] concurrency = [1, 2, 4, 8]`);
//! it then stands for the grid of every combination, one run per point.

use super::{Scenario, ScenarioError};
use std::path::Path;

/// Fields that may be lists, and the short tag each adds to a point's name.
pub const SWEEPABLE: &[(&str, &str)] = &[
    ("containers", "n"),
    ("concurrency", "c"),
    ("checkpoint.concurrency", "cc"),
    ("restore.concurrency", "rc"),
    ("checkpoint.pause_ms", "cp"),
    ("restore.pause_ms", "rp"),
    ("workload.memory_mib", "mem"),
];

fn get<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    let mut parts = key.split('.');
    let first = table.get(parts.next()?)?;
    parts.try_fold(first, |value, part| value.as_table()?.get(part))
}

fn set(table: &mut toml::Table, key: &str, value: toml::Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut current = table;
    for part in parts {
        let Some(next) = current.get_mut(part).and_then(toml::Value::as_table_mut) else {
            return;
        };
        current = next;
    }
    current.insert(last.to_string(), value);
}

/// The grid a scenario file stands for: one scenario when it has no lists.
pub fn load_grid(path: &Path, overrides: &[String]) -> Result<Vec<Scenario>, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid = |message: String| ScenarioError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let table: toml::Table = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let axes: Vec<(&str, &str, Vec<toml::Value>)> = SWEEPABLE
        .iter()
        .filter_map(|(key, tag)| match get(&table, key)? {
            toml::Value::Array(values) => Some((*key, *tag, values.clone())),
            _ => None,
        })
        .collect();
    if axes.is_empty() {
        return Ok(vec![Scenario::parse(path, &text, overrides)?]);
    }
    if let Some((key, _, _)) = axes.iter().find(|(_, _, values)| values.is_empty()) {
        return Err(invalid(format!(
            "{key}: a sweep list needs at least one value"
        )));
    }
    let name = table
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or("sweep")
        .to_string();
    let mut points = vec![(table.clone(), name)];
    for (key, tag, values) in &axes {
        points = points
            .into_iter()
            .flat_map(|(point, name)| {
                values.iter().map(move |value| {
                    let mut point = point.clone();
                    set(&mut point, key, value.clone());
                    (point, format!("{name}-{tag}{value}"))
                })
            })
            .collect();
    }
    let total = points.len();
    points
        .into_iter()
        .enumerate()
        .map(|(i, (mut point, name))| {
            point.insert("name".into(), toml::Value::String(name));
            let body = toml::to_string(&point).map_err(|e| invalid(e.to_string()))?;
            let text = format!(
                "# sweep point {} of {total} from '{}'\n{body}",
                i + 1,
                path.display()
            );
            Scenario::parse(path, &text, overrides)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(text: &str) -> Result<Vec<Scenario>, ScenarioError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sweep.toml");
        std::fs::write(&path, text).expect("write");
        load_grid(&path, &[])
    }

    #[test]
    fn lists_expand_into_the_grid() {
        let points =
            grid("name = \"s\"\ncontainers = [10, 100]\n[restore]\nconcurrency = [1, 2, 4]\n")
                .expect("grid");
        assert_eq!(points.len(), 6);
        let names: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names[0], "s-n10-rc1");
        assert_eq!(names[5], "s-n100-rc4");
        assert_eq!(points[5].containers, 100);
        assert_eq!(points[5].restore.concurrency, 4);
        assert!(points[0].source_text.starts_with("# sweep point 1 of 6"));
    }

    #[test]
    fn no_lists_is_one_point_with_the_text_kept() {
        let points = grid("name = \"s\"\ncontainers = 3\n").expect("grid");
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].name, "s");
    }

    #[test]
    fn bad_values_in_a_list_are_rejected() {
        let e = grid("name = \"s\"\ncontainers = [10, 0]\n")
            .expect_err("0 is out of range")
            .to_string();
        assert!(e.contains("from 1 to 10000, got 0"), "{e}");
        let e = grid("name = \"s\"\ncontainers = []\n")
            .expect_err("empty")
            .to_string();
        assert!(e.contains("at least one value"), "{e}");
    }
}
