//! report.md's "Soak" section: the machine after each round (rounds.csv),
//! and how much each series grew from the first round to the last.

use super::markdown_table::markdown_table;
use super::soak_growth::{growth, MIB};
use crate::record::RoundRow;

/// The section, or nothing for a run of one round.
pub fn section(rounds: &[RoundRow]) -> String {
    if rounds.is_empty() {
        return String::new();
    }
    let header: Vec<String> = [
        "round",
        "verified",
        "harness RSS MiB",
        "harness fds",
        "/tmp MiB",
        "containerd copies",
        "checkpoints MiB",
        "source store MiB",
        "target store MiB",
        "containers (source / target)",
    ]
    .map(String::from)
    .to_vec();
    let mib = |bytes: u64| format!("{:.1}", bytes as f64 / MIB);
    let rows: Vec<Vec<String>> = rounds
        .iter()
        .map(|r| {
            vec![
                r.round.to_string(),
                r.verified.to_string(),
                mib(r.harness_rss_bytes),
                r.harness_open_fds.to_string(),
                mib(r.tmp_bytes),
                r.containerd_copies.to_string(),
                mib(r.checkpoint_bytes),
                mib(r.source_store_bytes),
                mib(r.target_store_bytes),
                format!("{} / {}", r.source_containers, r.target_containers),
            ]
        })
        .collect();
    format!(
        "\n## Soak: the machine after each round\n\n\
         Odd rounds went from the source to the target, even ones back. After each \
         round the stopped containers it migrated from and their checkpoints were \
         removed, so what runs is all that should remain.\n\n{}\n{}\n",
        markdown_table(&header, &rows),
        growth(rounds).join("\n")
    )
}
