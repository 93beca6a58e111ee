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

/// The machine's fields once per sampler tick, from a fleet's samples.csv
/// (one row per target per tick, the machine's fields repeated in each):
/// each tick's first row, its `migrated` the sum over the tick's targets,
/// its target fields left empty, since no single target's stand for the
/// fleet. A tick's rows are written together and share their `t_ms`.
pub fn machine_ticks(samples: &[SampleRow]) -> Vec<SampleRow> {
    samples
        .chunk_by(|a, b| a.t_ms == b.t_ms)
        .filter_map(|tick| {
            let first = tick.first()?;
            Some(SampleRow {
                t_ms: first.t_ms,
                phase: first.phase.clone(),
                mem_used_bytes: first.mem_used_bytes,
                mem_available_bytes: first.mem_available_bytes,
                swap_used_bytes: first.swap_used_bytes,
                swap_total_bytes: first.swap_total_bytes,
                swap_in_pages_per_s: first.swap_in_pages_per_s,
                swap_out_pages_per_s: first.swap_out_pages_per_s,
                cpu_pct: first.cpu_pct,
                cpu_per_core_pct: first.cpu_per_core_pct.clone(),
                load1: first.load1,
                psi_cpu_some_avg10: first.psi_cpu_some_avg10,
                psi_memory_some_avg10: first.psi_memory_some_avg10,
                psi_memory_full_avg10: first.psi_memory_full_avg10,
                psi_io_some_avg10: first.psi_io_some_avg10,
                psi_io_full_avg10: first.psi_io_full_avg10,
                psi_memory_full_total_us: first.psi_memory_full_total_us,
                migrated: tick.iter().map(|s| s.migrated).sum(),
                lag_ms: first.lag_ms,
                checkpointing: first.checkpointing,
                transferring: first.transferring,
                restoring: first.restoring,
                seq: first.seq,
                ..SampleRow::default()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t_ms: f64, target: &str, migrated: u64, target_memory_bytes: u64) -> SampleRow {
        SampleRow {
            t_ms,
            target: target.into(),
            mem_used_bytes: t_ms as u64,
            migrated,
            target_memory_bytes: Some(target_memory_bytes),
            ..SampleRow::default()
        }
    }

    #[test]
    fn a_fleet_reads_as_one_machine_row_per_tick_with_every_target_restored() {
        let samples = [
            row(100.0, "a", 1, 10),
            row(100.0, "b", 2, 20),
            row(200.0, "a", 3, 30),
            row(200.0, "b", 4, 40),
        ];
        let ticks = machine_ticks(&samples);
        let seen: Vec<(f64, u64, u64)> = ticks
            .iter()
            .map(|s| (s.t_ms, s.mem_used_bytes, s.migrated))
            .collect();
        assert_eq!(seen, [(100.0, 100, 3), (200.0, 200, 7)]);
        assert!(ticks.iter().all(|s| s.target_memory_bytes.is_none()));
    }
}
