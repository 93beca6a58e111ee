//! The note of a run whose remote target's node exporter stopped answering:
//! how long and when, and that the collapse rules did not judge the target
//! then (its rows carry no target values).

use crate::record::SampleRow;

/// The note, or `None` when every sample had fresh values (or the target
/// had no node exporter).
pub fn note(samples: &[SampleRow]) -> Option<String> {
    let mut spans: Vec<(f64, f64)> = Vec::new();
    let mut open: Option<f64> = None;
    for sample in samples {
        match (sample.target_stale == Some(true), open) {
            (true, None) => open = Some(sample.t_ms),
            (false, Some(from)) => {
                spans.push((from, sample.t_ms));
                open = None;
            }
            _ => {}
        }
    }
    if let (Some(from), Some(last)) = (open, samples.last()) {
        spans.push((from, last.t_ms));
    }
    let stale = samples
        .iter()
        .filter(|s| s.target_stale == Some(true))
        .count();
    let (first, _) = *spans.first()?;
    let total_s: f64 = spans.iter().map(|(from, to)| to - from).sum::<f64>() / 1000.0;
    Some(format!(
        "the target's node exporter stopped answering: {stale} samples in {} span(s), \
         {total_s:.1} s in all, the first from {:.1} s into the run; those samples carry no \
         target values, and the collapse rules did not judge the target during them",
        spans.len(),
        first / 1000.0
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_ms: f64, stale: Option<bool>) -> SampleRow {
        SampleRow {
            t_ms,
            target_stale: stale,
            ..SampleRow::default()
        }
    }

    #[test]
    fn fresh_or_no_exporter_says_nothing() {
        let fresh: Vec<_> = (0..5)
            .map(|i| sample(i as f64 * 100.0, Some(false)))
            .collect();
        assert_eq!(note(&fresh), None);
        assert_eq!(note(&[sample(0.0, None)]), None);
    }

    #[test]
    fn stale_spans_are_counted_timed_and_said() {
        let marks = [false, true, true, false, true, false];
        let samples: Vec<_> = marks
            .iter()
            .enumerate()
            .map(|(i, stale)| sample(1000.0 * i as f64, Some(*stale)))
            .collect();
        let note = note(&samples).expect("a note");
        assert!(
            note.contains("3 samples in 2 span(s), 3.0 s in all, the first from 1.0 s"),
            "{note}"
        );
        assert!(note.contains("did not judge the target"), "{note}");
    }
}
