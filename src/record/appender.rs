//! A CSV file that is created up front and flushed after every row.

use super::RecordError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fs::File;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Appends rows of `T` to a CSV file, header first, flushing each row.
pub struct CsvAppender<T> {
    path: PathBuf,
    writer: csv::Writer<File>,
    rows: u64,
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
            row_type: PhantomData,
        })
    }

    /// Appends one row and flushes it to the file.
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
        Ok(())
    }

    /// Flushes and syncs the file to disk.
    pub fn sync(&mut self) -> Result<(), RecordError> {
        let io = |source| RecordError::Write {
            path: self.path.clone(),
            source,
        };
        self.writer.flush().map_err(io)?;
        self.writer.get_ref().sync_data().map_err(io)
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }
}

/// Rows read back from a CSV, plus what could not be read.
#[derive(Debug)]
pub struct ReadRows<T> {
    pub rows: Vec<T>,
    /// A last line cut short (the run was killed mid-write): 1-based line number.
    pub truncated_line: Option<u64>,
}

/// Reads every row of `path`. Every row is written with its newline, so a
/// last line without one was cut by a kill or power loss: it is left out and
/// reported in [`ReadRows::truncated_line`]. Damage anywhere else is an error.
pub fn read_rows<T: DeserializeOwned>(path: &Path) -> Result<ReadRows<T>, RecordError> {
    let text = std::fs::read_to_string(path).map_err(|e| RecordError::Read {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    let (complete, truncated_line) = match text.rfind('\n') {
        _ if text.is_empty() || text.ends_with('\n') => (text.as_str(), None),
        Some(last_newline) => (&text[..=last_newline], Some(text.lines().count() as u64)),
        None => ("", Some(1)),
    };
    let mut reader = csv::ReaderBuilder::new().from_reader(complete.as_bytes());
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize::<T>().enumerate() {
        rows.push(row.map_err(|e| RecordError::Read {
            path: path.to_path_buf(),
            detail: format!("line {}: {e}", i + 2),
        })?);
    }
    Ok(ReadRows {
        rows,
        truncated_line,
    })
}
