//! What the console shows: everything, or (`--quiet`) the verdict line alone.

/// What the console shows besides results and errors.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    /// Only the verdict line and errors.
    pub quiet: bool,
    /// Progress bars (on a terminal) or progress lines (elsewhere).
    pub progress: bool,
}

/// The summary printed at the end of `run` and `report`: the phase table, a
/// fleet's targets and the findings. The run directory's scenario gives the
/// workload's size, which the hosts a batch would need are counted in.
pub fn summary_table(summary: &crate::summary::Summary, run_dir: &std::path::Path) -> String {
    crate::report::console_table(summary, crate::report::workload_memory_mib(run_dir))
}

/// The verdict line of a summary, as the console table ends it.
pub fn verdict_line(summary: &crate::summary::Summary) -> String {
    // The verdict does not depend on the workload's size.
    crate::report::console_table(summary, None)
        .lines()
        .find(|l| l.starts_with("verdict:"))
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fleet_fixture::{fleet, summary};

    #[test]
    fn the_summary_counts_hosts_in_the_recorded_workload_size_and_lists_the_targets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let scenario = "name = \"fleet\"\ncontainers = 400\n[workload]\nmemory_mib = 32\n";
        std::fs::write(dir.path().join(crate::record::SCENARIO_TOML), scenario).expect("written");
        let summary = summary(Some(fleet("round-robin")));
        let table = summary_table(&summary, dir.path());
        assert!(
            table.contains("400 x 32 MiB need 8 such hosts before thrashing"),
            "{table}"
        );
        assert!(table.contains("\n  b: 65 placed, 64 verified, collapse at restore 61"));
        assert!(verdict_line(&summary).starts_with("verdict: "));
    }
}
