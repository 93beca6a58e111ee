//! A CSV file that is created up front, flushed to the kernel after every row
//! and synced to the disk on a bounded cadence; and reading one back, damage
//! and all.
//!
//! What survives what: a row is handed to the kernel (`write(2)`) before the
//! next one is taken, so a `kill -9` or a crash of the harness loses nothing
//! appended. A power loss or a kernel crash loses at most the rows of the last
//! [`SYNC_EVERY`]: the file is synced (`fdatasync(2)`) by an append that
//! finds the last sync that old, and by [`CsvAppender::sync_pending`], which
//! the recorder calls at that cadence while the run is quiet.

use super::run_files::RecordError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fs::File;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The longest a written row waits for its sync to the disk.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

/// Appends rows of `T` to a CSV file, header first, flushing each row to the
/// kernel and syncing the file at most [`SYNC_EVERY`] apart.
pub struct CsvAppender<T> {
    path: PathBuf,
    writer: csv::Writer<File>,
    rows: u64,
    sync_every: Duration,
    last_sync: Instant,
    /// Rows written since the last sync.
    unsynced: bool,
    syncs: u64,
    row_type: PhantomData<T>,
}

impl<T: Serialize> CsvAppender<T> {
    /// Creates (truncates) `path`; fails early, before any measurement.
    pub fn create(path: &Path) -> Result<Self, RecordError> {
        let file = File::create(path).map_err(|source| RecordError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(CsvAppender {
            path: path.to_path_buf(),
            writer: csv::Writer::from_writer(file),
            rows: 0,
            sync_every: SYNC_EVERY,
            last_sync: Instant::now(),
            unsynced: false,
            syncs: 0,
            row_type: PhantomData,
        })
    }

    /// The same, syncing at most `sync_every` apart (zero: after every row).
    pub fn with_sync_every(mut self, sync_every: Duration) -> Self {
        self.sync_every = sync_every;
        self
    }

    /// Appends one row and flushes it to the kernel; syncs the file when the
    /// last sync is [`SYNC_EVERY`] old.
    pub fn append(&mut self, row: &T) -> Result<(), RecordError> {
        let io = |source| RecordError::Write {
            path: self.path.clone(),
            source,
        };
        self.writer
            .serialize(row)
            .map_err(|e| io(std::io::Error::other(e)))?;
        self.writer.flush().map_err(io)?;
        self.rows += 1;
        self.unsynced = true;
        if self.last_sync.elapsed() >= self.sync_every {
            self.sync()?;
        }
        Ok(())
    }

    /// Syncs the rows written since the last sync, if any: called every
    /// [`SYNC_EVERY`], it bounds how long a row of a quiet file stays unsynced.
    pub fn sync_pending(&mut self) -> Result<(), RecordError> {
        if self.unsynced {
            self.sync()?;
        }
        Ok(())
    }

    /// Flushes and syncs the file to disk.
    pub fn sync(&mut self) -> Result<(), RecordError> {
        let io = |source| RecordError::Write {
            path: self.path.clone(),
            source,
        };
        self.writer.flush().map_err(io)?;
        self.writer.get_ref().sync_data().map_err(io)?;
        self.last_sync = Instant::now();
        self.unsynced = false;
        self.syncs += 1;
        Ok(())
    }

    /// Rows appended so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Syncs to the disk so far.
    pub fn syncs(&self) -> u64 {
        self.syncs
    }
}

/// A row that could not be read back and was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// 1-based line number in the file.
    pub line: u64,
    /// What was wrong with it.
    pub reason: String,
}

/// Rows read back from a CSV, plus what could not be read.
#[derive(Debug)]
pub struct ReadRows<T> {
    pub rows: Vec<T>,
    /// A last line cut short (the run was killed mid-write): 1-based line number.
    pub truncated_line: Option<u64>,
    /// Damaged rows before the last line (e.g. a torn append), left out.
    pub skipped: Vec<SkippedRow>,
}

/// Reads every row of `path`. Every row is written with its newline, so a
/// last line without one was cut by a kill or power loss: it is left out and
/// reported in [`ReadRows::truncated_line`]. A damaged row elsewhere (a torn
/// append, bytes a power loss garbled) is left out and reported in
/// [`ReadRows::skipped`]; the rows around it are read. Only a file that
/// cannot be read at all, or whose header is damaged, is an error.
pub fn read_rows<T: DeserializeOwned>(path: &Path) -> Result<ReadRows<T>, RecordError> {
    let read_error = |detail: String| RecordError::Read {
        path: path.to_path_buf(),
        detail,
    };
    let bytes = std::fs::read(path).map_err(|e| read_error(e.to_string()))?;
    let (complete, truncated_line) = match bytes.iter().rposition(|b| *b == b'\n') {
        _ if bytes.is_empty() || bytes.ends_with(b"\n") => (bytes.as_slice(), None),
        Some(last_newline) => {
            let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            (&bytes[..=last_newline], Some(lines))
        }
        None => (&[][..], Some(1)),
    };
    let mut reader = csv::ReaderBuilder::new().from_reader(complete);
    let headers = reader
        .headers()
        .map_err(|e| read_error(format!("line 1 (the header): {e}")))?
        .clone();
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let first_line = reader.position().line();
        let parsed = match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => record.deserialize::<T>(Some(&headers)),
            Err(e) => Err(e),
        };
        match parsed {
            Ok(row) => rows.push(row),
            Err(e) => {
                // The reader now stands at the start of the next record.
                let last_line = reader.position().line().saturating_sub(1).max(first_line);
                let mut reason = without_position(&e);
                if last_line > first_line {
                    reason.push_str(&format!(" (through line {last_line})"));
                }
                skipped.push(SkippedRow {
                    line: first_line,
                    reason,
                });
            }
        }
    }
    Ok(ReadRows {
        rows,
        truncated_line,
        skipped,
    })
}

/// The csv error's text without its own "record N (line: L, byte: B)"
/// prefix: the caller names the line.
fn without_position(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => format!("not UTF-8: {err}"),
        _ => error.to_string(),
    }
}

#[cfg(test)]
#[path = "appender_tests.rs"]
mod tests;
