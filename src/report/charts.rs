//! Charts (filled in below).
use super::rebuild::Series;
use crate::record::Summary;
use std::path::{Path, PathBuf};

pub fn render_all(_run_dir: &Path, _summary: &Summary, _series: &Series) -> Vec<(String, String)> {
    Vec::new()
}

pub fn render_compare(_out: &Path, _summaries: &[(PathBuf, Summary)]) -> Vec<(String, String)> {
    Vec::new()
}
