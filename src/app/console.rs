//! What the console shows: everything, or (`--quiet`) the verdict line alone.

/// What the console shows besides results and errors.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    /// Only the verdict line and errors.
    pub quiet: bool,
    /// Progress bars (on a terminal) or progress lines (elsewhere).
    pub progress: bool,
}

/// The verdict line of a summary, as the console table ends it.
pub fn verdict_line(summary: &crate::summary::Summary) -> String {
    crate::report::console_table(summary)
        .lines()
        .find(|l| l.starts_with("verdict:"))
        .unwrap_or_default()
        .to_string()
}
