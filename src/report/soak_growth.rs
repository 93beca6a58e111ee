//! Whether a soak grew: each series of rounds.csv from its first round to its last.

use crate::record::RoundRow;

pub const MIB: f64 = (1 << 20) as f64;

/// One line per series that grew from the first round to the last of the
/// same direction (a finding to explain), or one saying none did: rounds
/// going the same way leave the containers on the same engine.
pub fn growth(rounds: &[RoundRow]) -> Vec<String> {
    let Some(last) = rounds.last() else {
        return Vec::new();
    };
    let Some(first) = rounds.iter().find(|r| r.round % 2 == last.round % 2) else {
        return Vec::new();
    };
    let series: [(&str, f64, f64, &str); 7] = [
        (
            "harness RSS",
            first.harness_rss_bytes as f64 / MIB,
            last.harness_rss_bytes as f64 / MIB,
            "MiB",
        ),
        (
            "harness open fds",
            first.harness_open_fds as f64,
            last.harness_open_fds as f64,
            "",
        ),
        (
            "/tmp",
            first.tmp_bytes as f64 / MIB,
            last.tmp_bytes as f64 / MIB,
            "MiB",
        ),
        (
            "containerd copies",
            first.containerd_copies as f64,
            last.containerd_copies as f64,
            "",
        ),
        (
            "checkpoints",
            first.checkpoint_bytes as f64 / MIB,
            last.checkpoint_bytes as f64 / MIB,
            "MiB",
        ),
        (
            "source store",
            first.source_store_bytes as f64 / MIB,
            last.source_store_bytes as f64 / MIB,
            "MiB",
        ),
        (
            "target store",
            first.target_store_bytes as f64 / MIB,
            last.target_store_bytes as f64 / MIB,
            "MiB",
        ),
    ];
    // Below a tenth of the first value (and one unit) is the noise of a store
    // that breathes: logs rotate, a layer is written and dropped.
    let grew: Vec<String> = series
        .iter()
        .filter(|(_, from, to, _)| to - from > (from * 0.1).max(1.0))
        .map(|(name, from, to, unit)| {
            format!(
                "- {name} grew from {from:.1} to {to:.1}{} over rounds {}-{}",
                if unit.is_empty() {
                    String::new()
                } else {
                    format!(" {unit}")
                },
                first.round,
                last.round
            )
        })
        .collect();
    if grew.is_empty() {
        vec![format!(
            "- nothing grew from round {} to round {} (beyond a tenth of its first value)",
            first.round, last.round
        )]
    } else {
        grew
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(round: u32, rss_mib: u64, store_mib: u64) -> RoundRow {
        RoundRow {
            round,
            end_ms: 0.0,
            verified: 5,
            harness_rss_bytes: rss_mib << 20,
            harness_open_fds: 16,
            tmp_bytes: 0,
            containerd_copies: 0,
            checkpoint_bytes: 0,
            // The containers alternate between the engines, and so do their stores.
            source_store_bytes: if round.is_multiple_of(2) {
                store_mib << 20
            } else {
                2 << 20
            },
            target_store_bytes: if round % 2 == 1 {
                store_mib << 20
            } else {
                2 << 20
            },
            source_containers: 0,
            target_containers: 0,
        }
    }

    #[test]
    fn stores_that_follow_the_containers_back_and_forth_did_not_grow() {
        let rounds: Vec<RoundRow> = (1..=4).map(|r| round(r, 48, 20)).collect();
        let lines = growth(&rounds);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("- nothing grew from round 2 to round 4"));
    }

    #[test]
    fn a_harness_that_grows_round_over_round_is_named_with_its_figures() {
        let rounds: Vec<RoundRow> = (1..=5).map(|r| round(r, 40 + 10 * r as u64, 20)).collect();
        let lines = growth(&rounds);
        assert_eq!(
            lines,
            vec!["- harness RSS grew from 50.0 to 90.0 MiB over rounds 1-5".to_string()]
        );
    }
}
