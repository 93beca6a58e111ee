//! Sweeps: a scenario may give lists for some fields (e.g.
//! `containers = [10, 100, 300, 400]`, `[restore] concurrency = [1, 2, 4, 8]`);
//! it then stands for the grid of every combination, one run per point.

use super::scenario_error::ScenarioError;
use super::table_keys::{axes, first_point, set};
use super::validated::Scenario;
use super::{overrides, read};
use crate::quote::quote;
use std::path::Path;

/// The most points a grid may have (each is a whole run).
pub const MAX_POINTS: usize = 1000;

/// How many points the lists stand for, refused past [`MAX_POINTS`] or empty.
fn grid_size(axes: &[(&str, &str, &[toml::Value])]) -> Result<usize, String> {
    if let Some((key, _, _)) = axes.iter().find(|(_, _, values)| values.is_empty()) {
        return Err(format!("{key}: a sweep list needs at least one value"));
    }
    axes.iter()
        .try_fold(1usize, |n, (_, _, values)| n.checked_mul(values.len()))
        .filter(|n| *n <= MAX_POINTS)
        .ok_or_else(|| {
            let sizes: Vec<String> = axes
                .iter()
                .map(|(key, _, values)| format!("{key}: {}", values.len()))
                .collect();
            format!(
                "the sweep has more than {MAX_POINTS} points ({}): each point is a whole run",
                sizes.join(", ")
            )
        })
}

/// The grid a scenario file stands for, with `overrides` applied to every
/// point: one scenario when it has no lists. An override of a swept field
/// replaces its list (a single value, or a list of its own).
pub fn load_grid(path: &Path, overrides: &[String]) -> Result<Vec<Scenario>, ScenarioError> {
    let invalid = |message: String| ScenarioError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let text = read::text(path)?;
    let table = read::table(path, &text)?;
    // The file itself is checked first, so errors point into it (or, for a
    // sweep, into its first point), and the overrides' checks find it valid.
    let file_axes = axes(&table);
    if file_axes.is_empty() {
        read::check_text(path, &text, None)?;
    } else {
        let file_total = grid_size(&file_axes).map_err(invalid)?;
        check_point_text(path, first_point(&table), 1, file_total)?;
    }
    let table = overrides::apply(path, table, overrides)?;
    let axes = axes(&table);
    if axes.is_empty() {
        let header = read::header(path, None, overrides);
        return Ok(vec![read::point(path, table, &header)?]);
    }
    let total = grid_size(&axes).map_err(invalid)?;
    let name = table
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or("sweep")
        .to_string();
    let mut points = vec![(table.clone(), name)];
    for (key, tag, values) in axes {
        points = points
            .into_iter()
            .flat_map(|(point, name)| {
                values.iter().map(move |value| {
                    let mut point = point.clone();
                    // Every key set here was read from the table: its parents are tables.
                    let _ = set(&mut point, key, value.clone());
                    // A string value (a mode) names the point as it is, unquoted.
                    let shown = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string);
                    (point, format!("{name}-{tag}{shown}"))
                })
            })
            .collect();
    }
    points
        .into_iter()
        .enumerate()
        .map(|(i, (mut point, name))| {
            point.insert("name".into(), toml::Value::String(name));
            let point = check_point_text(path, point, i + 1, total)?;
            read::point(
                path,
                point,
                &read::header(path, Some((i + 1, total)), overrides),
            )
        })
        .collect()
}

/// Writes a point out and parses it, so an error in one value of a list is
/// shown located in that point.
fn check_point_text(
    path: &Path,
    point: toml::Table,
    i: usize,
    total: usize,
) -> Result<toml::Table, ScenarioError> {
    let text = toml::to_string(&point).map_err(|e| ScenarioError::Invalid {
        path: path.to_path_buf(),
        message: format!(
            "sweep point {i} cannot be written out: {}",
            quote(&e.to_string())
        ),
    })?;
    read::check_text(path, &text, Some((i, total)))?;
    Ok(point)
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
    fn a_bandwidth_list_is_one_point_per_rate() {
        let points = grid(
            "name = \"b\"\ncontainers = 2\n[target]\nemulate = { memory = \"1GiB\", network = { bandwidth = [\"10mbit\", \"1gbit\"] } }\n",
        )
        .expect("grid");
        let names: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["b-bw10mbit", "b-bw1gbit"]);
        let rate = |p: &Scenario| match &p.targets[0].spec {
            super::super::TargetSpec::Emulated(e) => e.network.map(|n| n.bandwidth.bits_per_s()),
            super::super::TargetSpec::Endpoint(_) => None,
        };
        assert_eq!(rate(&points[1]), Some(1_000_000_000));
        let e = grid(
            "name = \"b\"\ncontainers = 2\n[target]\nemulate = { memory = \"1GiB\", network = { bandwidth = [\"10mbit\", \"10mbps\"] } }\n",
        )
        .expect_err("a bad rate in the list")
        .to_string();
        assert!(e.contains("bytes per second"), "{e}");
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
