//! `compare --reference RUN_DIR`: every other run's figures as ratios to the
//! reference run's, the way hyperfine states "1.8x faster than ...".

use crate::record::Phase;
use crate::summary::Summary;
use std::path::PathBuf;

/// One figure of a run, and whether more of it is better.
struct Figure {
    name: &'static str,
    value: fn(&Summary) -> Option<f64>,
    higher_is_better: bool,
}

fn latency_p50(s: &Summary, phase: Phase) -> Option<f64> {
    s.phase(phase).and_then(|p| p.latency).map(|l| l.p50_ms)
}

const FIGURES: [Figure; 5] = [
    Figure {
        name: "migrations/s",
        value: |s| Some(s.migrations.per_s).filter(|v| *v > 0.0),
        higher_is_better: true,
    },
    Figure {
        name: "checkpoint p50",
        value: |s| latency_p50(s, Phase::Checkpoint),
        higher_is_better: false,
    },
    Figure {
        name: "restore p50",
        value: |s| latency_p50(s, Phase::Restore),
        higher_is_better: false,
    },
    Figure {
        name: "downtime p50",
        value: |s| s.downtime.as_ref().map(|d| d.downtime.p50_ms),
        higher_is_better: false,
    },
    Figure {
        name: "downtime p99",
        value: |s| s.downtime.as_ref().map(|d| d.downtime.p99_ms),
        higher_is_better: false,
    },
];

/// One line per run other than the reference: each figure as a ratio to the
/// reference's ("restore p50 0.55x (1.82x faster)").
pub fn relative_to(reference: &(PathBuf, Summary), runs: &[(PathBuf, Summary)]) -> Vec<String> {
    let (reference_dir, reference) = reference;
    runs.iter()
        .filter(|(dir, _)| dir != reference_dir)
        .map(|(_, run)| {
            let ratios: Vec<String> = FIGURES
                .iter()
                .filter_map(|figure| {
                    let (ours, theirs) = ((figure.value)(run)?, (figure.value)(reference)?);
                    (theirs > 0.0 && ours > 0.0).then(|| describe(figure, ours / theirs))
                })
                .collect();
            format!(
                "{} vs {}: {}",
                run.run_id,
                reference.run_id,
                if ratios.is_empty() {
                    "nothing to compare".to_string()
                } else {
                    ratios.join(", ")
                }
            )
        })
        .collect()
}

fn describe(figure: &Figure, ratio: f64) -> String {
    let better = if figure.higher_is_better {
        ratio
    } else {
        1.0 / ratio
    };
    let verdict = if (better - 1.0).abs() < 0.005 {
        "the same".to_string()
    } else if better > 1.0 {
        format!("{better:.2}x better")
    } else {
        format!("{:.2}x worse", 1.0 / better)
    };
    format!("{} {ratio:.2}x ({verdict})", figure.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_faster_restore_is_better_and_more_migrations_per_second_too() {
        let restore = &FIGURES[2];
        assert_eq!(describe(restore, 0.5), "restore p50 0.50x (2.00x better)");
        assert_eq!(describe(restore, 2.0), "restore p50 2.00x (2.00x worse)");
        let rate = &FIGURES[0];
        assert_eq!(describe(rate, 1.8), "migrations/s 1.80x (1.80x better)");
        assert_eq!(describe(rate, 1.0), "migrations/s 1.00x (the same)");
    }
}
