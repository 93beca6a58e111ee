//! A run's rows read back from its CSVs, with a note for each damaged or
//! missing file.

use crate::record::{self, read_rows, OpRecord, ReadRows, SampleRow};
use std::path::Path;

/// The rows of a run, plus notes on what could not be read.
pub struct Series {
    pub ops: Vec<OpRecord>,
    pub samples: Vec<SampleRow>,
    pub notes: Vec<String>,
}

/// Reads ops.csv and samples.csv (a missing samples.csv reads as empty);
/// rows that could not be read are left out and named in the notes.
pub fn load_series(run_dir: &Path) -> anyhow::Result<Series> {
    let mut notes = Vec::new();
    let ops = read_rows::<OpRecord>(&run_dir.join(record::OPS_CSV))?;
    note_damage(record::OPS_CSV, &ops, &mut notes);
    let samples_path = run_dir.join(record::SAMPLES_CSV);
    let samples = if samples_path.exists() {
        let samples = read_rows::<SampleRow>(&samples_path)?;
        note_damage(record::SAMPLES_CSV, &samples, &mut notes);
        samples.rows
    } else {
        Vec::new()
    };
    Ok(Series {
        ops: ops.rows,
        samples,
        notes,
    })
}

/// One note per row of `file` that was left out.
fn note_damage<T>(file: &str, read: &ReadRows<T>, notes: &mut Vec<String>) {
    for skipped in &read.skipped {
        notes.push(format!(
            "{file}: line {} could not be read and was left out: {}",
            skipped.line, skipped.reason
        ));
    }
    if let Some(line) = read.truncated_line {
        notes.push(format!("{file}: line {line} was cut short and left out"));
    }
}
