//! Latency percentiles of a series, from an HdrHistogram.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Latency percentiles of one series, milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Percentiles {
    /// Percentiles of `values_ms` (microsecond resolution, 3 significant digits);
    /// `None` when empty.
    pub fn of(values_ms: impl IntoIterator<Item = f64>) -> Option<Percentiles> {
        // 1 µs to 1 h at 3 significant digits.
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).ok()?;
        for value in values_ms {
            histogram.saturating_record((value.max(0.0) * 1000.0).round() as u64);
        }
        if histogram.is_empty() {
            return None;
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Some(Percentiles {
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p90_ms: ms(histogram.value_at_quantile(0.90)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            max_ms: ms(histogram.max()),
            mean_ms: histogram.mean() / 1000.0,
        })
    }
}
