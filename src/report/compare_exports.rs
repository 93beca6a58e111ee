//! `compare --export-json` / `--export-csv`: the comparison table as data,
//! one object (or row) per run, the columns named as on the console.

use anyhow::Context;
use std::path::Path;

/// Where the table goes as data.
pub struct Exports<'a> {
    pub json: Option<&'a Path>,
    pub csv: Option<&'a Path>,
}

/// Writes the table to the exports asked for.
pub fn write(exports: Exports<'_>, header: &[String], rows: &[Vec<String>]) -> anyhow::Result<()> {
    if let Some(path) = exports.csv {
        let mut writer = csv::Writer::from_path(path)
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(row)?;
        }
        writer
            .flush()
            .with_context(|| format!("cannot write '{}'", path.display()))?;
    }
    if let Some(path) = exports.json {
        let runs: Vec<serde_json::Map<String, serde_json::Value>> = rows
            .iter()
            .map(|row| {
                header
                    .iter()
                    .zip(row)
                    .map(|(key, value)| (key.clone(), serde_json::Value::String(value.clone())))
                    .collect()
            })
            .collect();
        let text = serde_json::to_string_pretty(&runs)?;
        std::fs::write(path, text).with_context(|| format!("cannot write '{}'", path.display()))?;
    }
    Ok(())
}
