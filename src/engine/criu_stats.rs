//! CRIU's own timings of one operation: read from CRIU's `stats-dump` /
//! `stats-restore` files (a magic header, then a protobuf `stats_entry`, see
//! CRIU's images/stats.proto) or from an engine's report of them. Engines
//! that throw these files away (Docker's containerd shim) leave them empty.

use serde::{Deserialize, Serialize};

/// CRIU's and the runtime's timings of one checkpoint or restore; every
/// field is `None` where the engine does not give it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CriuStats {
    /// Checkpoint: time CRIU took to freeze the tasks, ms.
    pub freezing_ms: Option<f64>,
    /// Checkpoint: time the tasks stayed frozen (the dump), ms.
    pub frozen_ms: Option<f64>,
    /// Checkpoint: time spent collecting memory pages, ms.
    pub memdump_ms: Option<f64>,
    /// Checkpoint: time spent writing memory pages, ms.
    pub memwrite_ms: Option<f64>,
    pub pages_scanned: Option<u64>,
    pub pages_written: Option<u64>,
    /// Restore: CRIU's restore time (forking included), ms.
    pub restore_ms: Option<f64>,
    pub pages_restored: Option<u64>,
    /// The OCI runtime's own time for the operation (runc + CRIU), ms; for
    /// a lazy restore, until the process runs again.
    pub runtime_ms: Option<f64>,
    /// Lazy restore: pages served after the process ran.
    pub lazy_pages: Option<u64>,
    /// Lazy restore: from its start to the last page in, ms (the degraded
    /// period is this minus `runtime_ms`).
    pub lazy_last_page_ms: Option<f64>,
}

impl CriuStats {
    /// CRIU's own time for the operation: freezing plus frozen for a
    /// checkpoint, the restore time for a restore.
    pub fn criu_ms(&self) -> Option<f64> {
        match (self.freezing_ms, self.frozen_ms, self.restore_ms) {
            (Some(freezing), Some(frozen), _) => Some(freezing + frozen),
            (_, _, Some(restore)) => Some(restore),
            _ => None,
        }
    }
}

/// The two magic numbers that open a CRIU stats image.
const MAGIC: [u32; 2] = [0x5510_5940, 0x5709_3306];

/// Why a stats image could not be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatsError {
    #[error("not a CRIU stats image (bad magic)")]
    Magic,
    #[error("truncated CRIU stats image")]
    Truncated,
}

fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Decodes a `stats-dump` or `stats-restore` image.
pub fn decode(image: &[u8]) -> Result<CriuStats, StatsError> {
    let word = |at: usize| -> Result<u32, StatsError> {
        let bytes = image.get(at..at + 4).ok_or(StatsError::Truncated)?;
        let mut word = [0u8; 4];
        word.copy_from_slice(bytes);
        Ok(u32::from_le_bytes(word))
    };
    if word(0)? != MAGIC[0] || word(4)? != MAGIC[1] {
        return Err(StatsError::Magic);
    }
    let length = word(8)? as usize;
    let entry = image.get(12..12 + length).ok_or(StatsError::Truncated)?;
    let mut stats = CriuStats::default();
    for (field, value) in fields(entry)? {
        match (field, value) {
            (1, Value::Bytes(dump)) => read_dump(dump, &mut stats)?,
            (2, Value::Bytes(restore)) => read_restore(restore, &mut stats)?,
            _ => {}
        }
    }
    Ok(stats)
}

fn read_dump(entry: &[u8], stats: &mut CriuStats) -> Result<(), StatsError> {
    for (field, value) in fields(entry)? {
        let Value::Varint(v) = value else { continue };
        match field {
            1 => stats.freezing_ms = Some(us_to_ms(v)),
            2 => stats.frozen_ms = Some(us_to_ms(v)),
            3 => stats.memdump_ms = Some(us_to_ms(v)),
            4 => stats.memwrite_ms = Some(us_to_ms(v)),
            5 => stats.pages_scanned = Some(v),
            7 => stats.pages_written = Some(v),
            _ => {}
        }
    }
    Ok(())
}

fn read_restore(entry: &[u8], stats: &mut CriuStats) -> Result<(), StatsError> {
    let mut forking_us = 0;
    for (field, value) in fields(entry)? {
        let Value::Varint(v) = value else { continue };
        match field {
            3 => forking_us = v,
            4 => stats.restore_ms = Some(us_to_ms(v)),
            5 => stats.pages_restored = Some(v),
            _ => {}
        }
    }
    stats.restore_ms = stats.restore_ms.map(|ms| ms + us_to_ms(forking_us));
    Ok(())
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Other,
}

/// The fields of one protobuf message (the wire types CRIU's stats use).
fn fields(mut message: &[u8]) -> Result<Vec<(u64, Value<'_>)>, StatsError> {
    let mut out = Vec::new();
    while !message.is_empty() {
        let key = varint(&mut message)?;
        let value = match key & 7 {
            0 => Value::Varint(varint(&mut message)?),
            2 => {
                let length = varint(&mut message)? as usize;
                let bytes = message.get(..length).ok_or(StatsError::Truncated)?;
                message = &message[length..];
                Value::Bytes(bytes)
            }
            1 => {
                message = message.get(8..).ok_or(StatsError::Truncated)?;
                Value::Other
            }
            5 => {
                message = message.get(4..).ok_or(StatsError::Truncated)?;
                Value::Other
            }
            _ => return Err(StatsError::Truncated),
        };
        out.push((key >> 3, value));
    }
    Ok(out)
}

fn varint(bytes: &mut &[u8]) -> Result<u64, StatsError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first().ok_or(StatsError::Truncated)?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(StatsError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `stats-dump` Podman kept in a checkpoint archive of an 8 MiB workload.
    const STATS_DUMP: [u8; 49] = [
        0x40, 0x59, 0x10, 0x55, 0x06, 0x33, 0x09, 0x57, 0x25, 0x00, 0x00, 0x00, 0x0a, 0x23, 0x08,
        0xf1, 0x02, 0x10, 0xdc, 0xe9, 0x05, 0x18, 0x88, 0x23, 0x20, 0xd6, 0x17, 0x28, 0x9d, 0x10,
        0x30, 0x00, 0x38, 0x96, 0x10, 0x40, 0x00, 0x48, 0x00, 0x50, 0x08, 0x58, 0x08, 0x60, 0x00,
        0x68, 0x00, 0x70, 0x00,
    ];

    #[test]
    fn a_real_stats_dump_decodes() {
        let stats = decode(&STATS_DUMP).expect("decodes");
        assert_eq!(stats.freezing_ms, Some(0.369));
        assert_eq!(stats.frozen_ms, Some(95.452));
        assert_eq!(stats.memdump_ms, Some(4.488));
        assert_eq!(stats.memwrite_ms, Some(3.030));
        assert_eq!(stats.pages_scanned, Some(2077));
        assert_eq!(stats.pages_written, Some(2070));
        assert_eq!(stats.restore_ms, None);
        assert_eq!(stats.criu_ms(), Some(0.369 + 95.452));
    }

    #[test]
    fn a_restore_entry_decodes_with_forking_counted() {
        // stats_entry { restore { pages_compared 0, skipped_cow 0, forking 2000, restore 149316, restored 2070 } }
        let entry = [
            0x12, 0x0e, 0x08, 0x00, 0x10, 0x00, 0x18, 0xd0, 0x0f, 0x20, 0xc4, 0x8e, 0x09, 0x28,
            0x96, 0x10,
        ];
        let mut image = Vec::new();
        for word in [MAGIC[0], MAGIC[1], entry.len() as u32] {
            image.extend_from_slice(&word.to_le_bytes());
        }
        image.extend_from_slice(&entry);
        let stats = decode(&image).expect("decodes");
        assert!((stats.restore_ms.unwrap_or_default() - 151.316).abs() < 1e-9);
        assert_eq!(stats.pages_restored, Some(2070));
    }

    #[test]
    fn damaged_images_are_errors_not_panics() {
        assert_eq!(decode(&[0; 3]), Err(StatsError::Truncated));
        assert_eq!(decode(&[0; 16]), Err(StatsError::Magic));
        for cut in 0..STATS_DUMP.len() {
            let _ = decode(&STATS_DUMP[..cut]);
        }
        assert_eq!(decode(&STATS_DUMP[..30]), Err(StatsError::Truncated));
    }
}
